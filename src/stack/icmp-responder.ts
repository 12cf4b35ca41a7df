/**
 * ICMP on a host (RFC 792, RFC 1122 §3.2.2): answers echo requests with a
 * reply that mirrors identifier, sequence number and data; sends echo
 * requests for `ping` and matches what comes back; and turns every ICMP
 * error that quotes a packet of ours into an IcmpErrorInfo for the transport
 * that sent it.
 */
import { uint32ToIpv4 } from '../../codecs/address.js';
import { DecodeError } from '../../codecs/decode-error.js';
import * as icmp from '../../codecs/icmp.js';
import { IpProtocol } from '../../codecs/ipv4.js';
import type { ScheduledEvent } from '../sim/event-queue.js';
import type { BaseNode } from '../nodes/base-node.js';
import type { IcmpErrorInfo } from './ip-layer.js';
import { type Ipv4Layer, parseAddress, type ReceivedPacketInfo } from './ipv4-layer.js';

export interface PingOptions {
  readonly ttl?: number;
  /** Default: one identifier per host, drawn from the run's generator. */
  readonly identifier?: number;
  /** Default: one more than the last ping's. */
  readonly sequence?: number;
  /** Bytes of echo data; default 56, as ping sends. */
  readonly size?: number;
  readonly dontFragment?: boolean;
  /** How long to wait for an answer; default 1 s. */
  readonly timeoutNs?: number;
}

interface PingCommon {
  readonly identifier: number;
  readonly sequence: number;
  readonly rttNs: number;
}

export type PingResult =
  | (PingCommon & { readonly kind: 'reply'; readonly from: string; readonly ttl: number; readonly bytes: number })
  | (PingCommon & { readonly kind: 'error'; readonly type: number; readonly code: number; readonly reporter: string; readonly nextHopMtu?: number })
  | (PingCommon & { readonly kind: 'timeout' });

interface Outstanding {
  readonly sentNs: number;
  readonly done: (result: PingResult) => void;
  readonly timer: ScheduledEvent;
}

const ERROR_TYPES = new Set<number>([icmp.IcmpType.destinationUnreachable, icmp.IcmpType.sourceQuench, icmp.IcmpType.redirect, icmp.IcmpType.timeExceeded, icmp.IcmpType.parameterProblem]);

export class IcmpResponder {
  private readonly outstanding = new Map<string, Outstanding>();
  private identifier: number | undefined;
  private sequence = 0;

  constructor(
    private readonly node: BaseNode,
    private readonly ip: Ipv4Layer,
  ) {
    ip.register(IpProtocol.icmp, (payload, info) => this.receive(payload, info));
    ip.registerErrorHandler(IpProtocol.icmp, (error) => this.pingError(error));
  }

  /** Sends one echo request; `done` is called once, with the reply, an error, or a timeout. */
  ping(destination: string, options: PingOptions, done: (result: PingResult) => void): void {
    const sim = this.node.sim;
    this.identifier ??= sim.rng.uint16();
    const identifier = options.identifier ?? this.identifier;
    const sequence = options.sequence ?? (this.sequence = (this.sequence + 1) & 0xffff);
    const size = options.size ?? 56;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = i & 0xff;
    const key = `${identifier}/${sequence}`;
    const sentNs = sim.now;
    const timer = sim.schedule(options.timeoutNs ?? 1e9, () => {
      if (!this.outstanding.delete(key)) return;
      sim.log.record(this.node.name, 'ping-timeout', { destination, identifier, sequence });
      done({ kind: 'timeout', identifier, sequence, rttNs: sim.now - sentNs });
    });
    this.outstanding.set(key, { sentNs, done, timer });
    sim.log.record(this.node.name, 'ping-sent', { destination, identifier, sequence, ttl: options.ttl ?? this.ip.ttl, size });
    this.ip.send(parseAddress(destination), IpProtocol.icmp, icmp.encode(icmp.echo(icmp.IcmpType.echoRequest, identifier, sequence), data), {
      ttl: options.ttl,
      dontFragment: options.dontFragment,
      note: `${this.node.name}: ICMP echo request id ${identifier} seq ${sequence} to ${destination}${options.ttl !== undefined ? ` TTL ${options.ttl}` : ''}`,
    });
  }

  private receive(payload: Uint8Array, info: ReceivedPacketInfo): void {
    let message: icmp.IcmpHeader;
    let data: Uint8Array;
    try {
      const d = icmp.decode(payload, 0, payload.length);
      message = d.header;
      data = d.payload;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return this.node.drop('malformed', { protocol: 'icmp', packetId: info.packetId });
    }
    if (!message.checksumValid) return this.node.drop('bad-checksum', { protocol: 'icmp', packetId: info.packetId });
    if (message.type === icmp.IcmpType.echoRequest) return this.answerEcho(message, data, info);
    if (message.type === icmp.IcmpType.echoReply) return this.echoReply(message, data, info);
    if (ERROR_TYPES.has(message.type)) return this.error(message, info);
  }

  private answerEcho(request: icmp.IcmpHeader, data: Uint8Array, info: ReceivedPacketInfo): void {
    // Like Linux's default (icmp_echo_ignore_broadcasts), answer only what is addressed to us.
    if (!this.ip.isOwnAddress(info.destination)) return;
    const to = uint32ToIpv4(info.source);
    this.node.sim.log.record(this.node.name, 'echo-reply', { to, identifier: request.identifier, sequence: request.sequenceNumber });
    this.ip.send(info.source, IpProtocol.icmp, icmp.encode(icmp.echo(icmp.IcmpType.echoReply, request.identifier!, request.sequenceNumber!), data), {
      note: `${this.node.name}: ICMP echo reply id ${request.identifier} seq ${request.sequenceNumber} to ${to}`,
    });
  }

  private echoReply(reply: icmp.IcmpHeader, data: Uint8Array, info: ReceivedPacketInfo): void {
    const key = `${reply.identifier}/${reply.sequenceNumber}`;
    const waiting = this.outstanding.get(key);
    if (!waiting) return this.node.drop('unexpected-echo-reply', { identifier: reply.identifier, sequence: reply.sequenceNumber });
    this.outstanding.delete(key);
    this.node.sim.cancel(waiting.timer);
    const rttNs = this.node.sim.now - waiting.sentNs;
    const from = uint32ToIpv4(info.source);
    this.node.sim.log.record(this.node.name, 'ping-reply', { from, identifier: reply.identifier, sequence: reply.sequenceNumber, ttl: info.ttl, rttNs });
    waiting.done({ kind: 'reply', from, ttl: info.ttl, bytes: data.length, identifier: reply.identifier!, sequence: reply.sequenceNumber!, rttNs });
  }

  /** An error quoting a packet we sent goes to that packet's transport (ICMP's own for pings). */
  private error(message: icmp.IcmpHeader, info: ReceivedPacketInfo): void {
    const original = message.original ?? new Uint8Array(0);
    const headerLength = (original[0] & 0x0f) << 2;
    if (original.length < 20 || headerLength < 20 || original.length < headerLength) return this.node.drop('malformed', { protocol: 'icmp', reason: 'quote too short' });
    const quotedSource = read32(original, 12);
    if (!this.ip.isOwnAddress(quotedSource)) return this.node.drop('not-for-us', { protocol: 'icmp', reason: 'quotes a packet we did not send' });
    const error: IcmpErrorInfo = {
      type: message.type,
      code: message.code,
      nextHopMtu: message.type === icmp.IcmpType.destinationUnreachable && message.code === icmp.DestinationUnreachableCode.fragmentationNeeded ? message.nextHopMtu : undefined,
      reporter: info.source,
      quotedSource,
      quotedDestination: read32(original, 16),
      quotedProtocol: original[9],
      quotedTransport: original.slice(headerLength, headerLength + 8),
    };
    this.ip.deliverError(error);
  }

  private pingError(error: IcmpErrorInfo): void {
    const q = error.quotedTransport;
    if (q.length < 8 || q[0] !== icmp.IcmpType.echoRequest) return;
    const identifier = (q[4] << 8) | q[5];
    const sequence = (q[6] << 8) | q[7];
    const key = `${identifier}/${sequence}`;
    const waiting = this.outstanding.get(key);
    if (!waiting) return;
    this.outstanding.delete(key);
    this.node.sim.cancel(waiting.timer);
    const reporter = uint32ToIpv4(error.reporter);
    const rttNs = this.node.sim.now - waiting.sentNs;
    this.node.sim.log.record(this.node.name, 'ping-error', { reporter, type: error.type, code: error.code, identifier, sequence, rttNs });
    waiting.done({ kind: 'error', type: error.type, code: error.code, reporter, nextHopMtu: error.nextHopMtu, identifier, sequence, rttNs });
  }
}

function read32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}
