/**
 * UDP sockets (RFC 768, RFC 1122 §4.1): bind to a port (or an ephemeral one
 * from 49152–65535, RFC 6335, drawn from the run's generator), send to an
 * address and port, receive messages, and hear about the ICMP errors that
 * concern what the socket sent. A datagram for a port no socket holds gets
 * ICMP port unreachable, within the IP layer's rate limit. Checksums are
 * always computed, and checked on arrival.
 */
import { uint32ToIpv4 } from '../../codecs/address.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { DestinationUnreachableCode, IcmpType } from '../../codecs/icmp.js';
import { IpProtocol } from '../../codecs/ipv4.js';
import * as udp from '../../codecs/udp.js';
import type { BaseNode } from '../nodes/base-node.js';
import type { IcmpErrorInfo, IpSendOptions } from './ip-layer.js';
import { type Ipv4Layer, parseAddress, type ReceivedPacketInfo } from './ipv4-layer.js';

export const EPHEMERAL_PORT_MIN = 49152;
export const EPHEMERAL_PORT_MAX = 65535;

export interface UdpPeer {
  readonly address: string;
  readonly port: number;
  /** The TTL the datagram arrived with. */
  readonly ttl: number;
  readonly packetId: bigint;
}

export type UdpSendOptions = Pick<IpSendOptions, 'ttl' | 'dontFragment' | 'note' | 'packetId'>;

export class UdpSocket {
  private readonly messageListeners: Array<(data: Uint8Array, from: UdpPeer) => void> = [];
  private readonly errorListeners: Array<(error: IcmpErrorInfo) => void> = [];
  private open = true;

  constructor(
    private readonly service: UdpService,
    readonly port: number,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  sendTo(address: string, port: number, data: Uint8Array, options: UdpSendOptions = {}): void {
    if (!this.open) throw new Error(`UDP socket on port ${this.port} is closed`);
    this.service.send(this.port, parseAddress(address), port, data, options);
  }

  onMessage(listener: (data: Uint8Array, from: UdpPeer) => void): void {
    this.messageListeners.push(listener);
  }

  onError(listener: (error: IcmpErrorInfo) => void): void {
    this.errorListeners.push(listener);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.service.release(this);
  }

  /** @internal */
  deliver(data: Uint8Array, from: UdpPeer): void {
    for (const listener of this.messageListeners) listener(data, from);
  }

  /** @internal */
  deliverError(error: IcmpErrorInfo): void {
    for (const listener of this.errorListeners) listener(error);
  }
}

export class UdpService {
  private readonly sockets = new Map<number, UdpSocket>();

  constructor(
    private readonly node: BaseNode,
    private readonly ip: Ipv4Layer,
  ) {
    ip.register(IpProtocol.udp, (payload, info) => this.receive(payload, info));
    ip.registerErrorHandler(IpProtocol.udp, (error) => this.error(error));
  }

  /** A socket on `port`, or on a free ephemeral port when none is given. */
  bind(port?: number): UdpSocket {
    const chosen = port ?? this.ephemeralPort();
    if (!Number.isInteger(chosen) || chosen < 1 || chosen > 0xffff) throw new RangeError(`not a UDP port: ${chosen}`);
    if (this.sockets.has(chosen)) throw new Error(`${this.node.name}: UDP port ${chosen} is in use`);
    const socket = new UdpSocket(this, chosen);
    this.sockets.set(chosen, socket);
    this.node.sim.log.record(this.node.name, 'udp-bind', { port: chosen });
    return socket;
  }

  isBound(port: number): boolean {
    return this.sockets.has(port);
  }

  /** @internal */
  release(socket: UdpSocket): void {
    if (this.sockets.get(socket.port) === socket) this.sockets.delete(socket.port);
  }

  /** @internal */
  send(sourcePort: number, destination: number, destinationPort: number, data: Uint8Array, options: UdpSendOptions): void {
    const source = this.ip.sourceFor(destination) ?? 0;
    const pseudoHeader = { source: uint32ToIpv4(source), destination: uint32ToIpv4(destination) };
    const datagram = udp.encode({ sourcePort, destinationPort, length: 0, checksum: 0 }, data, { pseudoHeader });
    const note = options.note ?? `${this.node.name}: UDP ${pseudoHeader.source}:${sourcePort} → ${pseudoHeader.destination}:${destinationPort} (${data.length} bytes)`;
    this.ip.send(destination, IpProtocol.udp, datagram, { ...options, note });
  }

  private receive(payload: Uint8Array, info: ReceivedPacketInfo): void {
    const pseudo = { source: uint32ToIpv4(info.source), destination: uint32ToIpv4(info.destination) };
    let d: ReturnType<typeof udp.decode>;
    try {
      d = udp.decode(payload, 0, payload.length, pseudo);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return this.node.drop('malformed', { protocol: 'udp', reason: error.reason, packetId: info.packetId });
    }
    if (!d.header.checksumValid) return this.node.drop('bad-checksum', { protocol: 'udp', packetId: info.packetId });
    const socket = this.sockets.get(d.header.destinationPort);
    if (!socket) {
      this.node.drop('port-unreachable', { port: d.header.destinationPort, from: pseudo.source, packetId: info.packetId });
      // RFC 1122 §4.1.3.1: no port unreachable for a broadcast; the IP layer refuses those.
      return this.ip.sendIcmpError(info.packet, IcmpType.destinationUnreachable, DestinationUnreachableCode.port);
    }
    socket.deliver(d.payload, { address: pseudo.source, port: d.header.sourcePort, ttl: info.ttl, packetId: info.packetId });
  }

  private error(error: IcmpErrorInfo): void {
    if (error.quotedTransport.length < 2) return;
    const sourcePort = (error.quotedTransport[0] << 8) | error.quotedTransport[1];
    this.sockets.get(sourcePort)?.deliverError(error);
  }

  private ephemeralPort(): number {
    const span = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;
    if (this.sockets.size >= 0x10000) throw new Error(`${this.node.name}: no UDP port is free`);
    // Start at a random point and walk on, so a busy range still ends in a free port.
    const start = this.node.sim.rng.int(0, span - 1);
    for (let i = 0; i < span; i++) {
      const port = EPHEMERAL_PORT_MIN + ((start + i) % span);
      if (!this.sockets.has(port)) return port;
    }
    throw new Error(`${this.node.name}: every ephemeral UDP port is in use`);
  }
}
