/**
 * A host's IPv4 layer (RFC 791, RFC 1122 §3.3): the routing decision
 * between the connected subnets and the default gateway, the hand-off to ARP
 * (arp-resolver.ts) for the next hop's MAC, fragmentation to the link's MTU,
 * reassembly, the checks on what arrives, and the hand-off to
 * the transports registered by protocol number. ICMP errors that concern a
 * packet we sent reach the transport through `deliverError`.
 *
 * IP identification: one counter per destination, each starting at a value
 * drawn from the run's generator, as Linux does; ids then differ between
 * peers and stay unique per (source, destination, protocol) for reassembly.
 */
import { uint32ToIpv4 } from '../../codecs/address.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME, EtherType } from '../../codecs/ethernet.js';
import * as icmp from '../../codecs/icmp.js';
import * as ipv4 from '../../codecs/ipv4.js';
import type { ArpCache, ArpCacheOptions } from '../forward/arp-cache.js';
import { mayAnswerWithError } from '../forward/icmp-errors.js';
import { type RateLimit, TokenBucket } from '../forward/rate-limiter.js';
import type { BaseNode } from '../nodes/base-node.js';
import type { ScheduledEvent } from '../sim/event-queue.js';
import type { Interface } from '../sim/interface.js';
import { ArpResolver, type ArpTableRow, sendFrames } from './arp-resolver.js';
import { fragment } from './fragmentation.js';
import type { IcmpErrorInfo, IpLayer, IpPacketInfo, IpSendOptions } from './ip-layer.js';
import { Reassembler, type ReassemblyLimits } from './reassembly.js';

export interface Ipv4LayerOptions {
  /** The default gateway, on one of the node's subnets. */
  readonly gateway?: string;
  /** TTL of the packets this host sends; default 64. */
  readonly ttl?: number;
  /** The ARP cache of each interface; a host lets more packets wait than a router (default 64). */
  readonly arp?: ArpCacheOptions;
  readonly reassembly?: ReassemblyLimits;
  /** ICMP errors this host sends at most; default 10 per second, burst 10. */
  readonly icmpErrorRate?: RateLimit;
}

/** What a transport learns about a datagram delivered to it, and the datagram itself. */
export interface ReceivedPacketInfo extends IpPacketInfo {
  /** The whole (reassembled) IP packet, header first, for quoting in an ICMP error. */
  readonly packet: Uint8Array;
  readonly interface: Interface;
}

export interface RouteDecision {
  readonly interface: Interface;
  readonly nextHop: number;
  /** The route that matched, as "192.168.1.0/24" or "0.0.0.0/0". */
  readonly route: string;
}

export interface RouteRow {
  readonly destination: string;
  readonly gateway: string;
  readonly interface: string;
}

type PacketHandler = (payload: Uint8Array, info: ReceivedPacketInfo) => void;
type ErrorHandler = (error: IcmpErrorInfo) => void;


const BROADCAST = 0xffffffff;
const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export class Ipv4Layer implements IpLayer {
  readonly ttl: number;
  readonly gateway: number | undefined;
  readonly reassembler: Reassembler;
  readonly arp: ArpResolver;
  private readonly handlers = new Map<number, PacketHandler>();
  private readonly errorHandlers = new Map<number, ErrorHandler>();
  private readonly ids = new Map<number, number>();
  /** The timeout of each datagram being reassembled, cancelled when it completes or is discarded. */
  private readonly reassemblyTimers = new Map<string, ScheduledEvent>();
  private readonly icmpBucket: TokenBucket;

  constructor(
    private readonly node: BaseNode,
    options: Ipv4LayerOptions = {},
  ) {
    this.ttl = options.ttl ?? 64;
    this.arp = new ArpResolver(node, { queueLimit: 64, ...options.arp }, (frame, packetId) => this.failQueued(frame, packetId));
    this.reassembler = new Reassembler(options.reassembly);
    this.icmpBucket = new TokenBucket(options.icmpErrorRate ?? { perSecond: 10, burst: 10 });
    if (options.gateway !== undefined) {
      const gateway = parseAddress(options.gateway);
      if (!node.interfaces.some((i) => i.onSubnet(gateway))) throw new Error(`${node.name}: gateway ${options.gateway} is on none of its subnets`);
      this.gateway = gateway;
    }
  }

  private get sim() {
    return this.node.sim;
  }

  /** The ARP cache of an interface. */
  arpCache(iface: Interface): ArpCache {
    return this.arp.cache(iface);
  }

  arpTable(): ArpTableRow[] {
    return this.arp.table(this.node.interfaces);
  }

  /** Connected subnets, then the default route: the host's whole routing table. */
  routeTable(): RouteRow[] {
    const rows: RouteRow[] = [];
    for (const iface of this.node.interfaces) {
      if (iface.ipv4) rows.push({ destination: `${uint32ToIpv4(iface.ipv4.network)}/${iface.ipv4.prefixLength}`, gateway: 'on-link', interface: iface.name });
    }
    if (this.gateway !== undefined) rows.push({ destination: '0.0.0.0/0', gateway: uint32ToIpv4(this.gateway), interface: this.route(this.gateway)!.interface.name });
    return rows;
  }

  formatRouteTable(): string {
    const rows = this.routeTable();
    const lines = ['Destination        | Gateway          | Interface', '-------------------|------------------|----------'];
    for (const r of rows) lines.push(`${r.destination.padEnd(19)}| ${r.gateway.padEnd(17)}| ${r.interface}`);
    return lines.join('\n');
  }

  /** The connected route when the destination is on a subnet of ours, else the default route. */
  route(destination: number): RouteDecision | undefined {
    for (const iface of this.node.interfaces) {
      if (iface.ipv4 && iface.onSubnet(destination)) {
        return { interface: iface, nextHop: destination, route: `${uint32ToIpv4(iface.ipv4.network)}/${iface.ipv4.prefixLength}` };
      }
    }
    if (destination === BROADCAST) {
      const iface = this.node.interfaces.find((i) => i.ipv4);
      return iface && { interface: iface, nextHop: BROADCAST, route: '255.255.255.255/32' };
    }
    if (this.gateway === undefined) return undefined;
    const via = this.node.interfaces.find((i) => i.onSubnet(this.gateway!))!;
    return { interface: via, nextHop: this.gateway, route: '0.0.0.0/0' };
  }

  sourceFor(destination: number): number | undefined {
    const own = this.ownInterface(destination);
    if (own) return own.ipv4!.value;
    return this.route(destination)?.interface.ipv4?.value;
  }

  isOwnAddress(address: number): boolean {
    return this.ownInterface(address) !== undefined;
  }

  register(protocol: number, handler: PacketHandler): void {
    this.handlers.set(protocol, handler);
  }

  registerErrorHandler(protocol: number, handler: ErrorHandler): void {
    this.errorHandlers.set(protocol, handler);
  }

  /** Hands an ICMP error about one of our packets to the transport that sent it. */
  deliverError(error: IcmpErrorInfo): void {
    this.sim.log.record(this.node.name, 'icmp-error-delivered', {
      type: error.type,
      code: error.code,
      reporter: uint32ToIpv4(error.reporter),
      protocol: error.quotedProtocol,
      destination: uint32ToIpv4(error.quotedDestination),
      nextHopMtu: error.nextHopMtu,
    });
    this.errorHandlers.get(error.quotedProtocol)?.(error);
  }

  send(destination: number, protocol: number, payload: Uint8Array, options: IpSendOptions = {}): void {
    destination >>>= 0;
    const packetId = options.packetId ?? this.sim.nextPacketId();
    const own = this.ownInterface(destination);
    const decision = own ? undefined : this.route(destination);
    const source = own ? own.ipv4!.value : decision?.interface.ipv4?.value;
    if (source === undefined || (!own && !decision)) {
      this.node.drop('no-route', { destination: uint32ToIpv4(destination), packetId });
      this.sim.schedule(0, () => this.deliverError(localError(icmp.DestinationUnreachableCode.net, source ?? 0, destination, protocol, payload)));
      return;
    }
    const packet = ipv4.encode(
      {
        version: 4,
        ihl: 5,
        dscp: options.dscp ?? 0,
        ecn: 0,
        totalLength: 0,
        identification: this.nextId(destination),
        reservedFlag: false,
        dontFragment: options.dontFragment ?? false,
        moreFragments: false,
        fragmentOffset: 0,
        ttl: options.ttl ?? this.ttl,
        protocol,
        checksum: 0,
        checksumValid: false,
        source: uint32ToIpv4(source),
        destination: uint32ToIpv4(destination),
        options: NO_OPTIONS,
      },
      payload,
    );
    const note = options.note ?? `${this.node.name}: IPv4 ${uint32ToIpv4(source)} → ${uint32ToIpv4(destination)} protocol ${protocol}`;
    if (own) {
      // Addressed to ourselves: no wire, delivered as if it had come in.
      this.sim.schedule(0, () => this.deliver(own, packet, packetId));
      return;
    }
    this.transmit(decision!, packet, packetId, note);
  }

  /** Sends an ICMP error about `packet` (a whole IP packet we received) back to its source, within the rate limit. */
  sendIcmpError(packet: Uint8Array, type: number, code: number, nextHopMtu = 0): void {
    const headerLength = (packet[0] & 0x0f) << 2;
    const destination = readU32(packet, 16);
    if (!mayAnswerWithError(packet, 0, headerLength, packet.length) || destination === BROADCAST || this.isSubnetBroadcast(destination)) return;
    if (!this.icmpBucket.take(this.sim.now)) {
      this.node.drop('icmp-rate-limited', { type, code });
      return;
    }
    const header: icmp.IcmpHeader =
      type === icmp.IcmpType.timeExceeded ? icmp.timeExceeded(packet, code) : icmp.destinationUnreachable(packet, code, nextHopMtu);
    const source = readU32(packet, 12);
    this.sim.log.record(this.node.name, 'icmp-error-sent', { type, code, to: uint32ToIpv4(source) });
    this.send(source, ipv4.IpProtocol.icmp, icmp.encode(header), {
      note: `${this.node.name}: ICMP ${describeError(type, code)} to ${uint32ToIpv4(source)}`,
    });
  }

  receive(iface: Interface, bytes: Uint8Array, packetId: bigint): void {
    if (bytes.length < ETHERNET_HEADER_LENGTH) return this.node.drop('malformed', { interface: iface.label, packetId });
    if (!isOursOrBroadcast(bytes, iface.macBytes)) return this.node.drop('not-for-us', { interface: iface.label, packetId });
    const etherType = (bytes[12] << 8) | bytes[13];
    if (etherType === EtherType.arp) return this.arp.receive(iface, bytes);
    if (etherType !== EtherType.ipv4) return this.node.drop('unknown-ethertype', { interface: iface.label, etherType, packetId });
    let header: ipv4.Ipv4Header;
    try {
      header = ipv4.decode(bytes, ETHERNET_HEADER_LENGTH).header;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return this.node.drop('malformed', { interface: iface.label, reason: error.reason, packetId });
    }
    if (!header.checksumValid) return this.node.drop('bad-checksum', { interface: iface.label, packetId });
    const destination = readU32(bytes, ETHERNET_HEADER_LENGTH + 16);
    if (!this.isOwnAddress(destination) && destination !== BROADCAST && !this.isSubnetBroadcast(destination)) {
      return this.node.drop('not-for-us', { interface: iface.label, destination: header.destination, packetId });
    }
    // The packet's own copy: the frame's padding is not part of it.
    const packet = bytes.subarray(ETHERNET_HEADER_LENGTH, ETHERNET_HEADER_LENGTH + header.totalLength);
    if (header.moreFragments || header.fragmentOffset !== 0) return this.receiveFragment(iface, packet, packetId);
    this.deliver(iface, packet, packetId);
  }

  private deliver(iface: Interface, packet: Uint8Array, packetId: bigint): void {
    const headerLength = (packet[0] & 0x0f) << 2;
    const protocol = packet[9];
    const info: ReceivedPacketInfo = {
      source: readU32(packet, 12),
      destination: readU32(packet, 16),
      ttl: packet[8],
      protocol,
      packetId,
      packet,
      interface: iface,
    };
    const handler = this.handlers.get(protocol);
    if (!handler) {
      this.node.drop('unknown-protocol', { protocol, packetId });
      return this.sendIcmpError(packet, icmp.IcmpType.destinationUnreachable, icmp.DestinationUnreachableCode.protocol);
    }
    handler(packet.subarray(headerLength), info);
  }

  private receiveFragment(iface: Interface, packet: Uint8Array, packetId: bigint): void {
    const result = this.reassembler.add(packet, this.sim.now);
    switch (result.kind) {
      case 'complete':
        this.stopReassemblyTimer(result.key);
        this.sim.log.record(this.node.name, 'ip-reassembled', { length: result.packet.length, packetId });
        return this.deliver(iface, result.packet, packetId);
      case 'pending':
        if (result.isNew) this.reassemblyTimers.set(result.key, this.sim.schedule(this.reassembler.timeoutNs, () => this.expireFragments()));
        return;
      case 'duplicate':
        return this.node.drop('reassembly-duplicate', { packetId });
      case 'dropped':
        this.stopReassemblyTimer(result.key);
        return this.node.drop(result.reason, { fragments: result.fragmentsDiscarded, packetId });
    }
  }

  private stopReassemblyTimer(key: string): void {
    this.sim.cancel(this.reassemblyTimers.get(key));
    this.reassemblyTimers.delete(key);
  }

  private expireFragments(): void {
    for (const gone of this.reassembler.expire(this.sim.now)) {
      this.reassemblyTimers.delete(gone.key);
      this.node.drop('reassembly-timeout', { datagram: gone.key, fragments: gone.fragments });
      // RFC 1122 §3.3.2: tell the sender only when the first fragment came.
      if (gone.quote) this.sendIcmpError(gone.quote, icmp.IcmpType.timeExceeded, icmp.TimeExceededCode.fragmentReassembly);
    }
  }

  private transmit(decision: RouteDecision, packet: Uint8Array, packetId: bigint, note: string): void {
    const { interface: iface, nextHop, route } = decision;
    const destination = readU32(packet, 16);
    this.sim.log.record(this.node.name, 'route-decision', { destination: uint32ToIpv4(destination), route, nextHop: uint32ToIpv4(nextHop), interface: iface.label });
    const mtu = iface.link?.mtu ?? 1500;
    let packets = [packet];
    if (packet.length > mtu) {
      if ((packet[6] & 0x40) !== 0) {
        const source = readU32(packet, 12);
        this.node.drop('frag-needed', { destination: uint32ToIpv4(destination), length: packet.length, mtu, packetId });
        const error = { ...localError(icmp.DestinationUnreachableCode.fragmentationNeeded, source, destination, packet[9], packet.subarray(20)), nextHopMtu: mtu };
        this.sim.schedule(0, () => this.deliverError(error));
        return;
      }
      packets = fragment(packet, mtu);
      this.sim.log.record(this.node.name, 'ip-fragmented', { destination: uint32ToIpv4(destination), length: packet.length, mtu, fragments: packets.length, packetId });
    }
    const frames = packets.map((p) => toFrame(iface, p));
    const notes = packets.length === 1 ? [note] : packets.map((p, i) => `${note} (fragment ${i + 1}/${packets.length}, offset ${fragmentOffset(p)})`);

    if (nextHop === BROADCAST || this.isSubnetBroadcast(nextHop)) return sendFrames(iface, frames, BROADCAST_MAC, packetId, notes);
    this.arp.send(iface, nextHop, frames, packetId, notes);
  }

  /** A gratuitous ARP when a link comes up, so neighbours learn (or relearn) our MAC. */
  announce(iface: Interface): void {
    this.arp.announce(iface);
  }


  /** A packet that waited on ARP in vain: counted, and reported to its sender as host unreachable. */
  private failQueued(frame: Uint8Array, packetId: bigint | undefined): void {
    this.node.drop('arp-failed', { packetId });
    const p = frame.subarray(ETHERNET_HEADER_LENGTH);
    if (fragmentOffset(p) !== 0) return;
    const headerLength = (p[0] & 0x0f) << 2;
    const error = localError(icmp.DestinationUnreachableCode.host, readU32(p, 12), readU32(p, 16), p[9], p.subarray(headerLength));
    this.deliverError(error);
  }

  private nextId(destination: number): number {
    const id = this.ids.get(destination) ?? this.sim.rng.uint16();
    this.ids.set(destination, (id + 1) & 0xffff);
    return id;
  }

  private ownInterface(address: number): Interface | undefined {
    return this.node.interfaces.find((i) => i.ipv4 !== undefined && i.ipv4.value === address >>> 0);
  }

  private isSubnetBroadcast(address: number): boolean {
    return this.node.interfaces.some((i) => i.ipv4 !== undefined && i.ipv4.prefixLength < 31 && (i.ipv4.network | ~i.ipv4.mask) >>> 0 === address >>> 0);
  }
}

const NO_OPTIONS = new Uint8Array(0);

/** Dotted-quad text to an unsigned 32-bit number; throws TypeError on anything else. */
export function parseAddress(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new TypeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function fragmentOffset(packet: Uint8Array): number {
  return (((packet[6] & 0x1f) << 8) | packet[7]) << 3;
}

function isOursOrBroadcast(frame: Uint8Array, mac: Uint8Array): boolean {
  let ours = true;
  let broadcast = true;
  for (let i = 0; i < 6; i++) {
    if (frame[i] !== mac[i]) ours = false;
    if (frame[i] !== 0xff) broadcast = false;
  }
  return ours || broadcast;
}

function toFrame(iface: Interface, packet: Uint8Array): Uint8Array {
  const frame = new Uint8Array(Math.max(ETHERNET_MIN_FRAME, ETHERNET_HEADER_LENGTH + packet.length));
  frame.set(iface.macBytes, 6);
  frame[12] = EtherType.ipv4 >>> 8;
  frame[13] = EtherType.ipv4 & 0xff;
  frame.set(packet, ETHERNET_HEADER_LENGTH);
  return frame;
}


/** An error this host raises about its own packet, as if an ICMP message had said it (Linux reports EMSGSIZE and EHOSTUNREACH alike). */
function localError(code: number, source: number, destination: number, protocol: number, transport: Uint8Array): IcmpErrorInfo {
  return {
    type: icmp.IcmpType.destinationUnreachable,
    code,
    reporter: source,
    quotedSource: source,
    quotedDestination: destination,
    quotedProtocol: protocol,
    quotedTransport: transport.slice(0, 8),
  };
}

function describeError(type: number, code: number): string {
  if (type === icmp.IcmpType.timeExceeded) return code === 1 ? 'time exceeded (reassembly)' : 'time exceeded (TTL)';
  const names: Record<number, string> = { 0: 'net', 1: 'host', 2: 'protocol', 3: 'port', 4: 'fragmentation needed' };
  return `destination unreachable (${names[code] ?? `code ${code}`})`;
}

