/**
 * Source NAT (masquerade) with connection tracking, on the frame's own bytes.
 *
 * Three open-addressing tables, all in typed arrays, so a packet allocates
 * nothing:
 * - outbound: (inside ip, remote ip, inside port, remote port, protocol) → session;
 * - inbound: (remote ip, remote port, outside port, protocol) → session;
 * - mappings: (inside ip, inside port, protocol) → the outside port, shared by
 *   every session of that inside endpoint (RFC 4787 REQ-1, endpoint-independent
 *   mapping). Inbound filtering stays address-and-port dependent: only the
 *   remote endpoint a session was opened to can come back in.
 *
 * An ICMP echo id plays the port on both sides; the remote port is 0.
 *
 * Fragments: a first fragment carries the transport header and is translated
 * like a whole packet (an incremental checksum update is right even though
 * the checksum covers bytes in later fragments). A later fragment carries no
 * ports, and this NAT neither reassembles nor remembers fragment ids, so no
 * session can be found for it: it is `noMapping` both ways and is dropped,
 * which is safer than letting an inside address out untranslated.
 */
import { uint32ToIpv4, ipv4ToUint32 } from '../../codecs/address.js';
import { updateChecksum16, updateChecksum32 } from '../../codecs/checksum.js';
import { IcmpOffsets, IcmpType } from '../../codecs/icmp.js';
import { IpProtocol, Ipv4Offsets } from '../../codecs/ipv4.js';
import { TcpFlagBits, TcpOffsets } from '../../codecs/tcp.js';
import { UdpOffsets } from '../../codecs/udp.js';
import { FlowTable } from './flow-table.js';
import type { FrameBatch } from './frame-batch.js';
import { type NatTimeouts, natTimeouts } from './nat-timeouts.js';
import { PortAllocator } from './port-allocator.js';

export type { NatTimeouts } from './nat-timeouts.js';

export const NatResult = { translated: 0, noMapping: 1, portsExhausted: 2, malformed: 3, notApplicable: 4 } as const;
export type NatResultCode = (typeof NatResult)[keyof typeof NatResult];

const UDP_HEADER = 8;
const TCP_HEADER = 20;
const ICMP_HEADER = 8;
const IPV4_HEADER = 20;
/** RFC 792 quotes at least the first 8 bytes of the datagram's payload: the ports. */
const QUOTED_L4 = 8;
/** Sessions or ports looked at, at most, to make room when the table or the ports run out. */
const RECLAIM_BUDGET = 1024;
/**
 * Packets between two traffic-driven sweeps, each of as many session slots:
 * one slot per packet on average, as a sweep per packet would, without a
 * call and a loop on every packet.
 */
const SWEEP_STRIDE = 32;
/** The fragment offset's 13 bits in the IPv4 header's second word (identification, flags, offset). */
const FRAGMENT_OFFSET_MASK = 0x1fff;

// The protocols every path tests, and the offsets the batch loops read, as
// module constants: V8 folds these into the code, where every use of an
// imported object's property is a load and a check (1.3× the time of a
// minimal translation loop, measured).
const UDP = IpProtocol.udp;
const TCP = IpProtocol.tcp;
const IP_SECOND_WORD = Ipv4Offsets.identification;
const IP_PROTOCOL = Ipv4Offsets.protocol;
const IP_CHECKSUM = Ipv4Offsets.checksum;
const IP_SOURCE = Ipv4Offsets.source;
const IP_DESTINATION = Ipv4Offsets.destination;
const TCP_FLAGS = TcpOffsets.flags;
const TCP_CHECKSUM = TcpOffsets.checksum;
const UDP_CHECKSUM = UdpOffsets.checksum;

const TCP_FIN = TcpFlagBits.fin;
const TCP_SYN = TcpFlagBits.syn;
const TCP_RST = TcpFlagBits.rst;
const TCP_ACK = TcpFlagBits.ack;

const State = { free: 0, udp: 1, icmp: 2, tcpTransitory: 3, tcpEstablished: 4, tcpClosing: 5 } as const;
const STATE_NAMES = ['free', 'active', 'active', 'transitory', 'established', 'closing'] as const;

/** Which SYNs a TCP session has seen, to tell when its handshake completed. */
const SEEN_OUT_SYN = 1;
const SEEN_IN_SYN = 2;

/** How the last translation went, as bits. */
const Last = { inbound: 1, created: 2, icmpError: 4 } as const;

const Counter = {
  translatedOutbound: 0,
  translatedInbound: 1,
  created: 2,
  expired: 3,
  noMapping: 4,
  portsExhausted: 5,
  malformed: 6,
  notApplicable: 7,
} as const;
const TRANSLATED = NatResult.translated;
const TRANSLATED_OUTBOUND = Counter.translatedOutbound;

/**
 * findBatch()'s words per packet: its key, home slot (-1: the packet takes
 * outbound()'s general path) and session as first found (-1: none), side
 * by side so that a packet's are one cache line.
 */
const FOUND_STRIDE = 8;
const FOUND_INSIDE = 0;
const FOUND_REMOTE = 1;
const FOUND_PORTS = 2;
const FOUND_PROTOCOL = 3;
const FOUND_HOME = 4;
const FOUND_SESSION = 5;

export interface NatOptions {
  readonly outsideAddress: string;
  /** Outside ports (and ICMP ids) to allocate from; default [1024, 65535]. */
  readonly portRange?: readonly [number, number];
  /** Sessions at most, a power of two; default 65536. */
  readonly capacity?: number;
  readonly timeouts?: Partial<NatTimeouts>;
}

export interface NatTableRow {
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  readonly external: string;
  readonly internal: string;
  readonly remote: string;
  readonly state: 'active' | 'transitory' | 'established' | 'closing';
  readonly expiresInNs: number;
}

export interface NatCounters {
  readonly translatedOutbound: number;
  readonly translatedInbound: number;
  readonly created: number;
  readonly expired: number;
  readonly 'nat-no-mapping': number;
  readonly 'nat-ports-exhausted': number;
  readonly malformed: number;
  readonly notApplicable: number;
  readonly active: number;
}

export interface NatMappingDescription {
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  readonly inside: string;
  readonly outside: string;
  readonly remote: string;
  readonly direction: 'outbound' | 'inbound';
  /** Whether this packet opened the session. */
  readonly created: boolean;
  /** Whether the packet was an ICMP error whose quoted header was translated. */
  readonly icmpError: boolean;
}

export class Nat {
  readonly outsideAddress: string;
  readonly capacity: number;
  readonly timeouts: NatTimeouts;
  private readonly outside: number;

  private readonly outTable: FlowTable;
  private readonly inTable: FlowTable;
  private readonly mapTable: FlowTable;
  private readonly tcpPorts: PortAllocator;
  private readonly udpPorts: PortAllocator;
  private readonly icmpIds: PortAllocator;

  private readonly sInsideIp: Int32Array;
  private readonly sRemoteIp: Int32Array;
  private readonly sInsidePort: Uint16Array;
  private readonly sRemotePort: Uint16Array;
  private readonly sOutsidePort: Uint16Array;
  private readonly sProtocol: Uint8Array;
  private readonly sState: Uint8Array;
  private readonly sSeen: Uint8Array;
  private readonly sExpires: Float64Array;
  private readonly sMapping: Int32Array;
  /** The sessions of one mapping, doubly linked, so a mapping whose sessions all expired can be reclaimed at once. */
  private readonly sNext: Int32Array;
  private readonly sPrev: Int32Array;
  private readonly sFree: Int32Array;
  private sFreeTop: number;

  private readonly mOutsidePort: Uint16Array;
  private readonly mRefs: Uint32Array;
  private readonly mHead: Int32Array;
  private readonly mFree: Int32Array;
  private mFreeTop: number;

  private sweepCursor = 0;
  private sweepCountdown = SWEEP_STRIDE;
  private readonly counts = new Float64Array(8);
  /** Idle timeout by session state, so a refresh is one load and one add. */
  private readonly timeoutOfState = new Float64Array(6);

  /**
   * The last translation: its session (-1 before any) and how it went (Last
   * bits); a packet pays two stores, and the endpoints are read back only
   * when described. They are still there then: only a translation creates a
   * session, and it becomes the last; an expired session's arrays keep their
   * values until its id is reused.
   */
  private lastSession = -1;
  private lastHow = 0;
  /** Sessions removed so far: a session found before a removal may since have been given to another flow. */
  private removals = 0;
  /** What findBatch() read and found, FOUND_STRIDE words a packet. */
  private found = new Int32Array(0);

  constructor(options: NatOptions) {
    this.outsideAddress = options.outsideAddress;
    this.outside = ipv4ToUint32(options.outsideAddress) | 0;
    const capacity = options.capacity ?? 65536;
    if (!Number.isInteger(capacity) || capacity < 1 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`NAT capacity must be a power of two, not ${capacity}`);
    }
    this.capacity = capacity;
    this.timeouts = natTimeouts(options.timeouts);
    this.timeoutOfState[State.udp] = this.timeouts.udpNs;
    this.timeoutOfState[State.icmp] = this.timeouts.icmpNs;
    this.timeoutOfState[State.tcpTransitory] = this.timeouts.tcpTransitoryNs;
    this.timeoutOfState[State.tcpEstablished] = this.timeouts.tcpEstablishedNs;
    this.timeoutOfState[State.tcpClosing] = this.timeouts.tcpTransitoryNs;
    const range = options.portRange ?? [1024, 65535];
    this.tcpPorts = new PortAllocator(range);
    this.udpPorts = new PortAllocator(range);
    this.icmpIds = new PortAllocator(range);
    this.outTable = new FlowTable(capacity);
    this.inTable = new FlowTable(capacity);
    this.mapTable = new FlowTable(capacity);
    this.sInsideIp = new Int32Array(capacity);
    this.sRemoteIp = new Int32Array(capacity);
    this.sInsidePort = new Uint16Array(capacity);
    this.sRemotePort = new Uint16Array(capacity);
    this.sOutsidePort = new Uint16Array(capacity);
    this.sProtocol = new Uint8Array(capacity);
    this.sState = new Uint8Array(capacity);
    this.sSeen = new Uint8Array(capacity);
    this.sExpires = new Float64Array(capacity);
    this.sMapping = new Int32Array(capacity);
    this.sNext = new Int32Array(capacity);
    this.sPrev = new Int32Array(capacity);
    this.mOutsidePort = new Uint16Array(capacity);
    this.mRefs = new Uint32Array(capacity);
    this.mHead = new Int32Array(capacity).fill(-1);
    // Free ids are popped from the top, so the first session gets id 0.
    this.sFree = Int32Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
    this.sFreeTop = capacity;
    this.mFree = Int32Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
    this.mFreeTop = capacity;
  }

  /** Live sessions, expired ones not yet reclaimed included. */
  get size(): number {
    return this.capacity - this.sFreeTop;
  }

  /**
   * Translates a packet leaving by the outside interface, in place: its
   * source address and port (or echo id) become the outside ones, and an ICMP
   * error it carries about an inbound session is translated back (RFC 5508).
   */
  outbound(packet: Uint8Array, ipOffset: number, nowNs: number): number {
    if (--this.sweepCountdown === 0) this.sweepOnTraffic(nowNs);
    const l4 = this.checkIpv4(packet, ipOffset);
    if (l4 < 0) return this.result(l4 === -1 ? NatResult.malformed : NatResult.noMapping);
    const end = this.ipEnd;
    const protocol = packet[ipOffset + Ipv4Offsets.protocol];
    // The inside port (or echo id) over the remote port, as the key packs them.
    let ports: number;
    if (protocol === UDP || protocol === TCP) {
      if (end - l4 < (protocol === TCP ? TCP_HEADER : UDP_HEADER)) return this.result(NatResult.malformed);
      ports = readInt32(packet, l4);
    } else if (protocol === IpProtocol.icmp) {
      if (end - l4 < ICMP_HEADER) return this.result(NatResult.malformed);
      const type = packet[l4];
      if (isIcmpError(type)) return this.outboundIcmpError(packet, ipOffset, l4, end);
      if (type !== IcmpType.echoRequest) return this.result(NatResult.notApplicable);
      ports = read16(packet, l4 + IcmpOffsets.identifier) << 16;
    } else {
      return this.result(NatResult.notApplicable);
    }
    const insideIp = readInt32(packet, ipOffset + Ipv4Offsets.source);
    const remoteIp = readInt32(packet, ipOffset + Ipv4Offsets.destination);
    return this.translateOutbound(packet, ipOffset, l4, protocol, insideIp, remoteIp, ports, this.outTable.get(insideIp, remoteIp, ports, protocol), nowNs);
  }

  /** outbound() once the packet is read: `s` is its session as looked up, or -1. */
  private translateOutbound(packet: Uint8Array, ipOffset: number, l4: number, protocol: number, insideIp: number, remoteIp: number, ports: number, s: number, nowNs: number): number {
    const insidePort = ports >>> 16;
    let how = 0;
    if (s < 0 || this.sExpires[s] <= nowNs) {
      if (s >= 0) this.removeSession(s);
      s = this.createSession(insideIp, insidePort, remoteIp, ports & 0xffff, protocol, nowNs);
      if (s < 0) return this.result(NatResult.portsExhausted);
      how = Last.created;
    }
    const outsidePort = this.sOutsidePort[s];
    if (protocol === TCP) this.trackTcp(s, packet[l4 + TcpOffsets.flags], SEEN_OUT_SYN, how === Last.created, nowNs);
    else this.sExpires[s] = nowNs + this.timeoutOfState[this.sState[s]];

    rewriteEndpoint(packet, ipOffset, l4, protocol, Ipv4Offsets.source, TcpOffsets.sourcePort, insideIp, this.outside, insidePort, outsidePort);
    this.remember(s, how);
    this.counts[Counter.translatedOutbound]++;
    return NatResult.translated;
  }

  /**
   * outbound() for a batch's packets whose IPv4 headers are at
   * ipOffsets[from, to), in that order (a negative offset skips its frame):
   * results[i] gets what outbound() would have returned for packet i, and
   * every packet is left as outbound() would have left it.
   *
   * The common packet (TCP or UDP without IP options, not a later
   * fragment, of a live session) is read and rewritten through the batch's
   * DataView, and its session is looked up with the others' before any is
   * translated: every home slot first, then a loop that only reads each
   * one's first tag so that the table's cache misses overlap, then the
   * probes. A TCP or UDP packet without a live session opens one the way
   * outbound() does; any other packet goes through outbound() in its turn,
   * and so do all of them when they do not lie in ascending order, each
   * after the last one's end: a packet's rewrite could then change
   * another's key after it was read.
   */
  outboundBatch(batch: FrameBatch, ipOffsets: Int32Array, from: number, to: number, nowNs: number, results: Int32Array): void {
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from <= to && to <= ipOffsets.length && to <= results.length)) {
      throw new RangeError(`outboundBatch: packets [${from}, ${to}), but ${ipOffsets.length} offsets and ${results.length} result slots`);
    }
    if (this.found.length < to * FOUND_STRIDE) this.found = new Int32Array(to * FOUND_STRIDE);
    if (this.findBatch(batch, ipOffsets, from, to)) this.translateFound(batch, ipOffsets, from, to, nowNs, results);
    else for (let i = from; i < to; i++) if (ipOffsets[i] >= 0) results[i] = this.outbound(batch.bytes, ipOffsets[i], nowNs);
  }

  /**
   * outboundBatch()'s reads and lookups, changing nothing: false, with
   * nothing found, when the packets do not lie in ascending order.
   */
  private findBatch(batch: FrameBatch, ipOffsets: Int32Array, from: number, to: number): boolean {
    const { bytes, view } = batch;
    const size = bytes.length;
    const table = this.outTable;
    const found = this.found;
    let previousEnd = 0;
    for (let i = from; i < to; i++) {
      const f = i * FOUND_STRIDE;
      found[f + FOUND_HOME] = -1;
      const ip = ipOffsets[i];
      if (ip < 0) continue;
      if (ip < previousEnd) return false;
      if (size - ip < IPV4_HEADER) {
        previousEnd = ip + 1;
        continue;
      }
      // Version and IHL, then the total length, in the header's first word.
      const first = view.getInt32(ip);
      const total = first & 0xffff;
      // What outbound() may write: nothing unless it is IPv4 inside the buffer.
      previousEnd = ip + (first >>> 28 === 4 && total <= size - ip ? Math.max(total, 1) : 1);
      if (first >>> 24 !== 0x45 || total > size - ip || (view.getInt32(ip + IP_SECOND_WORD) & FRAGMENT_OFFSET_MASK) !== 0) continue;
      const protocol = bytes[ip + IP_PROTOCOL];
      if ((protocol !== UDP && protocol !== TCP) || total < IPV4_HEADER + (protocol === TCP ? TCP_HEADER : UDP_HEADER)) continue;
      const inside = view.getInt32(ip + IP_SOURCE);
      const remote = view.getInt32(ip + IP_DESTINATION);
      const ports = view.getInt32(ip + IPV4_HEADER);
      found[f + FOUND_INSIDE] = inside;
      found[f + FOUND_REMOTE] = remote;
      found[f + FOUND_PORTS] = ports;
      found[f + FOUND_PROTOCOL] = protocol;
      found[f + FOUND_HOME] = table.home(inside, remote, ports, protocol);
    }
    for (let f = from * FOUND_STRIDE; f < to * FOUND_STRIDE; f += FOUND_STRIDE) {
      found[f + FOUND_SESSION] = found[f + FOUND_HOME] < 0 ? 0 : table.firstTag(found[f + FOUND_HOME]);
    }
    for (let f = from * FOUND_STRIDE; f < to * FOUND_STRIDE; f += FOUND_STRIDE) {
      if (found[f + FOUND_SESSION] !== 0) {
        found[f + FOUND_SESSION] = table.getFrom(found[f + FOUND_HOME], found[f + FOUND_INSIDE], found[f + FOUND_REMOTE], found[f + FOUND_PORTS], found[f + FOUND_PROTOCOL]);
      } else {
        found[f + FOUND_SESSION] = -1;
      }
    }
    return true;
  }

  /**
   * outboundBatch() once findBatch() has read and looked up every packet it
   * could. The sweep countdown and the last session live in locals for the
   * loop, and go back before any packet takes the general path, which keeps
   * them itself; the count of packets translated inline is added at the end.
   */
  private translateFound(batch: FrameBatch, ipOffsets: Int32Array, from: number, to: number, nowNs: number, results: Int32Array): void {
    const { bytes, view } = batch;
    const now = +nowNs;
    const table = this.outTable;
    const found = this.found;
    const removalsAtFind = this.removals;
    const outside = this.outside;
    const expires = this.sExpires;
    const outsidePorts = this.sOutsidePort;
    // A UDP session never leaves its one state.
    const udpTimeout = this.timeoutOfState[State.udp];
    let countdown = this.sweepCountdown;
    let translated = 0;
    let last = -1;
    for (let i = from; i < to; i++) {
      const ip = ipOffsets[i];
      if (ip < 0) continue;
      const f = i * FOUND_STRIDE;
      if (found[f + FOUND_HOME] < 0) {
        if (last >= 0) this.remember(last, 0);
        last = -1;
        this.sweepCountdown = countdown;
        results[i] = this.outbound(bytes, ip, now);
        countdown = this.sweepCountdown;
        continue;
      }
      if (--countdown === 0) {
        this.sweepOnTraffic(now);
        countdown = SWEEP_STRIDE;
      }
      const inside = found[f + FOUND_INSIDE];
      const ports = found[f + FOUND_PORTS];
      const protocol = found[f + FOUND_PROTOCOL];
      const l4 = ip + IPV4_HEADER;
      let s = found[f + FOUND_SESSION];
      // Not found, or found before a removal that may have given its id to another flow: the table knows now.
      if (s < 0 || this.removals !== removalsAtFind) s = table.get(inside, found[f + FOUND_REMOTE], ports, protocol);
      if (s < 0 || expires[s] <= now) {
        if (last >= 0) this.remember(last, 0);
        last = -1;
        results[i] = this.translateOutbound(bytes, ip, l4, protocol, inside, found[f + FOUND_REMOTE], ports, s, now);
        continue;
      }
      if (protocol === TCP) this.trackTcp(s, bytes[l4 + TCP_FLAGS], SEEN_OUT_SYN, false, now);
      else expires[s] = now + udpTimeout;
      const change = addressChange(inside, outside);
      const outsidePort = outsidePorts[s];
      view.setInt32(ip + IP_SOURCE, outside);
      view.setUint16(ip + IP_CHECKSUM, afterChange(view.getUint16(ip + IP_CHECKSUM), change));
      view.setUint16(l4, outsidePort); // the source port, first in TCP and UDP alike
      const ck = l4 + (protocol === TCP ? TCP_CHECKSUM : UDP_CHECKSUM);
      view.setUint16(ck, transportChecksumAfter(view.getUint16(ck), protocol, change, ports >>> 16, outsidePort));
      results[i] = TRANSLATED;
      translated++;
      last = s;
    }
    this.sweepCountdown = countdown;
    this.counts[TRANSLATED_OUTBOUND] += translated;
    if (last >= 0) this.remember(last, 0);
  }

  /**
   * Translates a packet that arrived on the outside interface for the
   * outside address back to the inside endpoint of its session. ICMP errors
   * that quote a packet of a session are translated in full (RFC 5508).
   * Packets for other addresses, and echo requests to the outside address
   * (the router answers those itself), are `notApplicable`.
   */
  inbound(packet: Uint8Array, ipOffset: number, nowNs: number): number {
    if (--this.sweepCountdown === 0) this.sweepOnTraffic(nowNs);
    const l4 = this.checkIpv4(packet, ipOffset);
    if (l4 < 0) return this.result(l4 === -1 ? NatResult.malformed : NatResult.noMapping);
    if (readInt32(packet, ipOffset + Ipv4Offsets.destination) !== this.outside) return this.result(NatResult.notApplicable);
    const end = this.ipEnd;
    const protocol = packet[ipOffset + Ipv4Offsets.protocol];
    let outsidePort: number;
    let remotePort: number;
    if (protocol === TCP || protocol === UDP) {
      if (end - l4 < (protocol === TCP ? TCP_HEADER : UDP_HEADER)) return this.result(NatResult.malformed);
      remotePort = (packet[l4] << 8) | packet[l4 + 1];
      outsidePort = (packet[l4 + 2] << 8) | packet[l4 + 3];
    } else if (protocol === IpProtocol.icmp) {
      if (end - l4 < ICMP_HEADER) return this.result(NatResult.malformed);
      const type = packet[l4];
      if (isIcmpError(type)) return this.inboundIcmpError(packet, ipOffset, l4, end, nowNs);
      if (type !== IcmpType.echoReply) return this.result(NatResult.notApplicable);
      outsidePort = (packet[l4 + IcmpOffsets.identifier] << 8) | packet[l4 + IcmpOffsets.identifier + 1];
      remotePort = 0;
    } else {
      return this.result(NatResult.notApplicable);
    }
    const remoteIp = readInt32(packet, ipOffset + Ipv4Offsets.source);
    const s = this.liveSession(this.inTable.get(remoteIp, 0, (remotePort << 16) | outsidePort, protocol), nowNs);
    if (s < 0) return this.result(NatResult.noMapping);
    const insideIp = this.sInsideIp[s];
    const insidePort = this.sInsidePort[s];
    if (protocol === TCP) this.trackTcp(s, packet[l4 + TcpOffsets.flags], SEEN_IN_SYN, false, nowNs);
    else this.refresh(s, nowNs);

    rewriteEndpoint(packet, ipOffset, l4, protocol, Ipv4Offsets.destination, TcpOffsets.destinationPort, this.outside, insideIp, outsidePort, insidePort);
    this.remember(s, Last.inbound);
    this.counts[Counter.translatedInbound]++;
    return NatResult.translated;
  }

  /**
   * Reclaims expired sessions, looking at `budget` session slots from where
   * the last call stopped: bounded work, so it can run on every packet.
   * Returns how many it reclaimed.
   */
  sweep(nowNs: number, budget = 256): number {
    let reclaimed = 0;
    const capacity = this.capacity;
    let i = this.sweepCursor;
    for (let n = 0; n < budget && n < capacity; n++) {
      if (this.sState[i] !== State.free && this.sExpires[i] <= nowNs) {
        this.removeSession(i);
        reclaimed++;
      }
      i = i + 1 === capacity ? 0 : i + 1;
    }
    this.sweepCursor = i;
    return reclaimed;
  }

  private sweepOnTraffic(nowNs: number): void {
    this.sweepCountdown = SWEEP_STRIDE;
    this.sweep(nowNs, SWEEP_STRIDE);
  }

  /** The session the last translated packet used, as text; undefined before any translation. */
  describeLast(): NatMappingDescription | undefined {
    const s = this.lastSession;
    if (s < 0) return undefined;
    const how = this.lastHow;
    return {
      protocol: protocolName(this.sProtocol[s]),
      inside: `${uint32ToIpv4(this.sInsideIp[s])}:${this.sInsidePort[s]}`,
      outside: `${this.outsideAddress}:${this.sOutsidePort[s]}`,
      remote: `${uint32ToIpv4(this.sRemoteIp[s])}:${this.sRemotePort[s]}`,
      direction: how & Last.inbound ? 'inbound' : 'outbound',
      created: (how & Last.created) !== 0,
      icmpError: (how & Last.icmpError) !== 0,
    };
  }

  /** The live sessions, by protocol and outside port. */
  table(nowNs: number): NatTableRow[] {
    const rows: Array<NatTableRow & { readonly order: number }> = [];
    for (let s = 0; s < this.capacity; s++) {
      const state = this.sState[s];
      if (state === State.free || this.sExpires[s] <= nowNs) continue;
      const protocol = this.sProtocol[s];
      rows.push({
        protocol: protocolName(protocol),
        external: `${this.outsideAddress}:${this.sOutsidePort[s]}`,
        internal: `${uint32ToIpv4(this.sInsideIp[s])}:${this.sInsidePort[s]}`,
        remote: `${uint32ToIpv4(this.sRemoteIp[s])}:${this.sRemotePort[s]}`,
        state: STATE_NAMES[state] as NatTableRow['state'],
        expiresInNs: this.sExpires[s] - nowNs,
        order: protocol * 0x1_0000_0000_0000 + this.sOutsidePort[s] * 0x1_0000_0000 + (this.sRemoteIp[s] >>> 0),
      });
    }
    rows.sort((a, b) => a.order - b.order);
    return rows.map(({ order: _order, ...row }) => row);
  }

  /** The table as the seed article prints it, one session a line. */
  format(nowNs: number): string {
    const rows = this.table(nowNs);
    if (rows.length === 0) return 'NAT Table:\n  (empty)';
    const lines = rows.map(
      (r) =>
        `  External: ${r.external} ←→ Internal: ${r.internal}  (${r.protocol} to ${r.remote}, ${r.state}, expires in ${formatSeconds(r.expiresInNs)})`,
    );
    return `NAT Table:\n${lines.join('\n')}`;
  }

  counters(): NatCounters {
    const c = this.counts;
    return {
      translatedOutbound: c[Counter.translatedOutbound],
      translatedInbound: c[Counter.translatedInbound],
      created: c[Counter.created],
      expired: c[Counter.expired],
      'nat-no-mapping': c[Counter.noMapping],
      'nat-ports-exhausted': c[Counter.portsExhausted],
      malformed: c[Counter.malformed],
      notApplicable: c[Counter.notApplicable],
      active: this.size,
    };
  }

  // --- packet checks ---------------------------------------------------------

  /** End of the IPv4 datagram checked by the last checkIpv4 (totalLength, not the frame). */
  private ipEnd = 0;

  /**
   * Where the transport header starts, or -1 (malformed) or -2 (a later
   * fragment, which carries no ports).
   */
  private checkIpv4(p: Uint8Array, o: number): number {
    if (!(o >= 0) || p.length - o < IPV4_HEADER) return -1;
    const versionIhl = p[o + Ipv4Offsets.versionIhl];
    const ihl = (versionIhl & 0x0f) << 2;
    if (versionIhl >> 4 !== 4 || ihl < IPV4_HEADER) return -1;
    const total = (p[o + Ipv4Offsets.totalLength] << 8) | p[o + Ipv4Offsets.totalLength + 1];
    if (total < ihl || total > p.length - o) return -1;
    this.ipEnd = o + total;
    const fragmentOffset = ((p[o + Ipv4Offsets.flagsFragment] & 0x1f) << 8) | p[o + Ipv4Offsets.flagsFragment + 1];
    if (fragmentOffset !== 0) return -2;
    return o + ihl;
  }

  private result(code: number): number {
    if (code === NatResult.malformed) this.counts[Counter.malformed]++;
    else if (code === NatResult.notApplicable) this.counts[Counter.notApplicable]++;
    else if (code === NatResult.noMapping) this.counts[Counter.noMapping]++;
    else if (code === NatResult.portsExhausted) this.counts[Counter.portsExhausted]++;
    return code;
  }

  // --- ICMP errors (RFC 5508) --------------------------------------------------

  /**
   * An error from the outside about a packet we sent out: the quoted header
   * has the outside address and port as its source. Rewrites the outer
   * destination, the quoted source address and port, the quoted IP and
   * transport checksums, and the ICMP checksum over all of it.
   */
  private inboundIcmpError(p: Uint8Array, o: number, l4: number, end: number, nowNs: number): number {
    const inner = this.checkQuote(p, l4, end);
    if (inner < 0) return this.result(NatResult.malformed);
    const innerL4 = this.quoteL4;
    const protocol = p[inner + Ipv4Offsets.protocol];
    if (readInt32(p, inner + Ipv4Offsets.source) !== this.outside) return this.result(NatResult.noMapping);
    const remoteIp = readInt32(p, inner + Ipv4Offsets.destination);
    let outsidePort: number;
    let remotePort: number;
    if (protocol === TCP || protocol === UDP) {
      outsidePort = (p[innerL4] << 8) | p[innerL4 + 1];
      remotePort = (p[innerL4 + 2] << 8) | p[innerL4 + 3];
    } else if (protocol === IpProtocol.icmp && p[innerL4] === IcmpType.echoRequest) {
      outsidePort = (p[innerL4 + IcmpOffsets.identifier] << 8) | p[innerL4 + IcmpOffsets.identifier + 1];
      remotePort = 0;
    } else {
      return this.result(NatResult.noMapping);
    }
    const s = this.liveSession(this.inTable.get(remoteIp, 0, (remotePort << 16) | outsidePort, protocol), nowNs);
    if (s < 0) return this.result(NatResult.noMapping);
    const insideIp = this.sInsideIp[s];
    const insidePort = this.sInsidePort[s];
    rewriteAddress(p, o, Ipv4Offsets.destination, this.outside, insideIp);
    rewriteQuote(p, l4, end, inner, innerL4, protocol, Ipv4Offsets.source, this.outside, insideIp, 0, outsidePort, insidePort);
    this.remember(s, Last.inbound | Last.icmpError);
    this.counts[Counter.translatedInbound]++;
    return NatResult.translated;
  }

  /**
   * An error an inside host sends about a packet that came in through a
   * session: the quoted header has the inside address and port as its
   * destination, and the outer source is the inside host. Both become the
   * outside ones, so no inside address leaks out.
   */
  private outboundIcmpError(p: Uint8Array, o: number, l4: number, end: number): number {
    const inner = this.checkQuote(p, l4, end);
    if (inner < 0) return this.result(NatResult.malformed);
    const innerL4 = this.quoteL4;
    const protocol = p[inner + Ipv4Offsets.protocol];
    if (protocol !== TCP && protocol !== UDP) return this.result(NatResult.notApplicable);
    const remoteIp = readInt32(p, inner + Ipv4Offsets.source);
    const insideIp = readInt32(p, inner + Ipv4Offsets.destination);
    const remotePort = (p[innerL4] << 8) | p[innerL4 + 1];
    const insidePort = (p[innerL4 + 2] << 8) | p[innerL4 + 3];
    const s = this.outTable.get(insideIp, remoteIp, (insidePort << 16) | remotePort, protocol);
    if (s < 0 || readInt32(p, o + Ipv4Offsets.source) !== insideIp) return this.result(NatResult.noMapping);
    const outsidePort = this.sOutsidePort[s];
    rewriteAddress(p, o, Ipv4Offsets.source, insideIp, this.outside);
    rewriteQuote(p, l4, end, inner, innerL4, protocol, Ipv4Offsets.destination, insideIp, this.outside, 2, insidePort, outsidePort);
    this.remember(s, Last.icmpError);
    this.counts[Counter.translatedOutbound]++;
    return NatResult.translated;
  }

  /** Transport offset of the quote checked by the last checkQuote. */
  private quoteL4 = 0;

  /** Where the quoted IPv4 header starts, or -1 when the quote is too short or not IPv4. */
  private checkQuote(p: Uint8Array, l4: number, end: number): number {
    const inner = l4 + IcmpOffsets.original;
    if (end - inner < IPV4_HEADER) return -1;
    const versionIhl = p[inner];
    const ihl = (versionIhl & 0x0f) << 2;
    if (versionIhl >> 4 !== 4 || ihl < IPV4_HEADER || end - inner - ihl < QUOTED_L4) return -1;
    const fragmentOffset = ((p[inner + Ipv4Offsets.flagsFragment] & 0x1f) << 8) | p[inner + Ipv4Offsets.flagsFragment + 1];
    if (fragmentOffset !== 0) return -1;
    this.quoteL4 = inner + ihl;
    return inner;
  }

  // --- sessions ------------------------------------------------------------------

  /** `s` if it names a session that has not expired; an expired one is reclaimed. */
  private liveSession(s: number, nowNs: number): number {
    if (s < 0) return -1;
    if (this.sExpires[s] <= nowNs) {
      this.removeSession(s);
      return -1;
    }
    return s;
  }

  private allocatorFor(protocol: number): PortAllocator {
    return protocol === TCP ? this.tcpPorts : protocol === UDP ? this.udpPorts : this.icmpIds;
  }

  private createSession(insideIp: number, insidePort: number, remoteIp: number, remotePort: number, protocol: number, nowNs: number): number {
    if (this.sFreeTop === 0) {
      this.sweep(nowNs, RECLAIM_BUDGET);
      if (this.sFreeTop === 0) return -1;
    }
    let m = this.mapTable.get(insideIp, 0, insidePort, protocol);
    let outsidePort: number;
    if (m >= 0) {
      outsidePort = this.mOutsidePort[m];
    } else {
      if (this.mFreeTop === 0) return -1;
      m = this.mFree[this.mFreeTop - 1];
      const ports = this.allocatorFor(protocol);
      outsidePort = ports.allocate(insidePort, m);
      if (outsidePort < 0 && this.reclaimPort(ports, nowNs)) outsidePort = ports.allocate(insidePort, m);
      if (outsidePort < 0) return -1;
      this.mFreeTop--;
      this.mapTable.set(insideIp, 0, insidePort, protocol, m);
      this.mOutsidePort[m] = outsidePort;
      this.mRefs[m] = 0;
      this.mHead[m] = -1;
    }
    const s = this.sFree[--this.sFreeTop];
    this.mRefs[m]++;
    this.sInsideIp[s] = insideIp;
    this.sRemoteIp[s] = remoteIp;
    this.sInsidePort[s] = insidePort;
    this.sRemotePort[s] = remotePort;
    this.sOutsidePort[s] = outsidePort;
    this.sProtocol[s] = protocol;
    this.sMapping[s] = m;
    const head = this.mHead[m];
    this.sPrev[s] = -1;
    this.sNext[s] = head;
    if (head >= 0) this.sPrev[head] = s;
    this.mHead[m] = s;
    this.sSeen[s] = 0;
    this.sState[s] = protocol === UDP ? State.udp : protocol === IpProtocol.icmp ? State.icmp : State.tcpTransitory;
    this.outTable.set(insideIp, remoteIp, (insidePort << 16) | remotePort, protocol, s);
    this.inTable.set(remoteIp, 0, (remotePort << 16) | outsidePort, protocol, s);
    this.counts[Counter.created]++;
    this.refresh(s, nowNs);
    return s;
  }

  private removeSession(s: number): void {
    const protocol = this.sProtocol[s];
    const insideIp = this.sInsideIp[s];
    const insidePort = this.sInsidePort[s];
    const remoteIp = this.sRemoteIp[s];
    const remotePort = this.sRemotePort[s];
    const outsidePort = this.sOutsidePort[s];
    this.outTable.delete(insideIp, remoteIp, (insidePort << 16) | remotePort, protocol);
    this.inTable.delete(remoteIp, 0, (remotePort << 16) | outsidePort, protocol);
    const m = this.sMapping[s];
    const prev = this.sPrev[s];
    const next = this.sNext[s];
    if (prev >= 0) this.sNext[prev] = next;
    else this.mHead[m] = next;
    if (next >= 0) this.sPrev[next] = prev;
    if (--this.mRefs[m] === 0) {
      this.mapTable.delete(insideIp, 0, insidePort, protocol);
      this.allocatorFor(protocol).release(outsidePort);
      this.mFree[this.mFreeTop++] = m;
    }
    this.sState[s] = State.free;
    this.sFree[this.sFreeTop++] = s;
    this.removals++;
    this.counts[Counter.expired]++;
  }

  /**
   * When every port is taken, looks (from where it last stopped, at most
   * RECLAIM_BUDGET ports) for one whose sessions have all expired and
   * reclaims them, freeing the port. Bounded work: exhaustion under load must
   * not turn into a full scan per packet.
   */
  private reclaimPort(ports: PortAllocator, nowNs: number): boolean {
    const budget = Math.min(RECLAIM_BUDGET, ports.span);
    for (let n = 0; n < budget; n++) {
      const m = ports.ownerOf(ports.nextReclaimCandidate());
      if (m < 0) return true;
      let s = this.mHead[m];
      while (s >= 0 && this.sExpires[s] <= nowNs) s = this.sNext[s];
      if (s >= 0) continue;
      for (s = this.mHead[m]; s >= 0; s = this.mHead[m]) this.removeSession(s);
      return true;
    }
    return false;
  }

  private refresh(s: number, nowNs: number): void {
    this.sExpires[s] = nowNs + this.timeoutOfState[this.sState[s]];
  }

  /**
   * RFC 5382's two TCP timeouts: transitory until a SYN has gone each way and
   * a plain ACK follows; established until a FIN or RST in either direction
   * makes it transitory again. A session first seen mid-stream (no SYN) is
   * taken as established, as a NAT that restarts must not cut live
   * connections.
   */
  private trackTcp(s: number, flags: number, synBit: number, created: boolean, nowNs: number): void {
    let state = this.sState[s];
    if (flags & (TCP_FIN | TCP_RST)) {
      state = State.tcpClosing;
    } else if (flags & TCP_SYN) {
      // A fresh SYN on a closing session is the tuple being reused.
      if (state === State.tcpClosing && !(flags & TCP_ACK)) {
        state = State.tcpTransitory;
        this.sSeen[s] = 0;
      }
      this.sSeen[s] |= synBit;
    } else if (created) {
      state = State.tcpEstablished;
    } else if (state === State.tcpTransitory && this.sSeen[s] === (SEEN_OUT_SYN | SEEN_IN_SYN) && flags & TCP_ACK) {
      state = State.tcpEstablished;
    }
    this.sState[s] = state;
    this.refresh(s, nowNs);
  }

  private remember(s: number, how: number): void {
    this.lastSession = s;
    this.lastHow = how;
  }
}

// --- byte rewriting with incremental checksums (RFC 1624) ---------------------------

function isIcmpError(type: number): boolean {
  return type === IcmpType.destinationUnreachable || type === IcmpType.timeExceeded || type === IcmpType.parameterProblem;
}

/**
 * An IPv4 address as a signed 32-bit number: V8 keeps those as small
 * integers, where unsigned values above 2^31 would be boxed doubles.
 */
function readInt32(p: Uint8Array, at: number): number {
  return (p[at] << 24) | (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3];
}

function read16(p: Uint8Array, at: number): number {
  return (p[at] << 8) | p[at + 1];
}

function write16(p: Uint8Array, at: number, value: number): void {
  p[at] = value >>> 8;
  p[at + 1] = value & 0xff;
}

function write32(p: Uint8Array, at: number, value: number): void {
  p[at] = value >>> 24;
  p[at + 1] = (value >>> 16) & 0xff;
  p[at + 2] = (value >>> 8) & 0xff;
  p[at + 3] = value & 0xff;
}

/** Replaces an IPv4 header's address and patches its header checksum. */
function rewriteAddress(p: Uint8Array, ip: number, field: number, from: number, to: number): void {
  write32(p, ip + field, to);
  const ck = ip + Ipv4Offsets.checksum;
  write16(p, ck, updateChecksum32(read16(p, ck), from, to));
}

/**
 * Moves one endpoint of a packet (source or destination address and port;
 * for ICMP, the address and the echo id) and patches its checksums; outbound
 * and inbound translation share it. For TCP and UDP each checksum takes one
 * RFC 1624 update: the address words' change is summed once, as it counts
 * in the IP header and in the pseudo-header alike.
 */
function rewriteEndpoint(
  p: Uint8Array,
  ip: number,
  l4: number,
  protocol: number,
  addressField: number,
  portField: number,
  fromIp: number,
  toIp: number,
  fromPort: number,
  toPort: number,
): void {
  if (protocol === IpProtocol.icmp) {
    rewriteAddress(p, ip, addressField, fromIp, toIp);
    rewriteIcmpId(p, l4, fromPort, toPort);
    return;
  }
  const change = addressChange(fromIp, toIp);
  write32(p, ip + addressField, toIp);
  const ipCk = ip + Ipv4Offsets.checksum;
  write16(p, ipCk, afterChange(read16(p, ipCk), change));
  write16(p, l4 + portField, toPort);
  const ck = l4 + (protocol === TCP ? TcpOffsets.checksum : UdpOffsets.checksum);
  write16(p, ck, transportChecksumAfter(read16(p, ck), protocol, change, fromPort, toPort));
}

/**
 * What an address's change adds to a checksum, as ~m + m' over its two
 * 16-bit words: summed once, as it counts in the IP header and in the
 * TCP or UDP pseudo-header alike.
 */
function addressChange(from: number, to: number): number {
  return (~from >>> 16) + (~from & 0xffff) + (to >>> 16) + (to & 0xffff);
}

/** A checksum after a change given as ~m + m' sums (RFC 1624 eqn. 3). */
function afterChange(checksum: number, change: number): number {
  return complementOfFolded((~checksum & 0xffff) + change);
}

/**
 * A TCP or UDP checksum after its packet's address changed (`change`, from
 * addressChange()) and its port went from `fromPort` to `toPort`. A UDP
 * checksum of zero means "none" and stays zero; a computed zero is sent as
 * 0xffff (RFC 768).
 */
function transportChecksumAfter(checksum: number, protocol: number, change: number, fromPort: number, toPort: number): number {
  if (protocol === UDP && checksum === 0) return 0;
  const sum = afterChange(checksum, change + (~fromPort & 0xffff) + toPort);
  return protocol === UDP && sum === 0 ? 0xffff : sum;
}

/** ~HC' of RFC 1624 eqn. 3 from ~HC + ~m + m' summed over at most eight words: two folds suffice. */
function complementOfFolded(sum: number): number {
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Writes an ICMP query id and patches the ICMP checksum (no pseudo-header). */
function rewriteIcmpId(p: Uint8Array, l4: number, from: number, to: number): void {
  write16(p, l4 + IcmpOffsets.identifier, to);
  const ck = l4 + IcmpOffsets.checksum;
  write16(p, ck, updateChecksum16(read16(p, ck), from, to));
}

/**
 * Rewrites the packet quoted in an ICMP error: one address of its IP header
 * (`addressField`), the matching port (`portField`, 0 for source, 2 for
 * destination; an ICMP echo id when the quote is ICMP), the quoted IP
 * checksum, the quoted transport checksum when the quote reaches it, and the
 * outer ICMP checksum for every 16-bit word that changed. All changed words
 * sit at even distances from the ICMP header, so word-wise updates hold.
 */
function rewriteQuote(
  p: Uint8Array,
  l4: number,
  end: number,
  inner: number,
  innerL4: number,
  protocol: number,
  addressField: number,
  fromIp: number,
  toIp: number,
  portField: number,
  fromPort: number,
  toPort: number,
): void {
  const icmpCk = l4 + IcmpOffsets.checksum;
  let outer = read16(p, icmpCk);

  const innerIpCk = inner + Ipv4Offsets.checksum;
  const oldInnerIpCk = read16(p, innerIpCk);
  rewriteAddress(p, inner, addressField, fromIp, toIp);
  outer = updateChecksum32(outer, fromIp, toIp);
  outer = updateChecksum16(outer, oldInnerIpCk, read16(p, innerIpCk));

  if (protocol === IpProtocol.icmp) {
    const ck = innerL4 + IcmpOffsets.checksum;
    const oldCk = read16(p, ck);
    rewriteIcmpId(p, innerL4, fromPort, toPort);
    outer = updateChecksum16(outer, fromPort, toPort);
    outer = updateChecksum16(outer, oldCk, read16(p, ck));
  } else {
    write16(p, innerL4 + portField, toPort);
    outer = updateChecksum16(outer, fromPort, toPort);
    const ck = innerL4 + (protocol === TCP ? TcpOffsets.checksum : UdpOffsets.checksum);
    if (ck + 2 <= end) {
      const oldCk = read16(p, ck);
      if (!(protocol === UDP && oldCk === 0)) {
        let sum = updateChecksum16(updateChecksum32(oldCk, fromIp, toIp), fromPort, toPort);
        if (protocol === UDP && sum === 0) sum = 0xffff;
        write16(p, ck, sum);
        outer = updateChecksum16(outer, oldCk, sum);
      }
    }
  }
  write16(p, icmpCk, outer);
}

function protocolName(protocol: number): 'tcp' | 'udp' | 'icmp' {
  return protocol === TCP ? 'tcp' : protocol === UDP ? 'udp' : 'icmp';
}

function formatSeconds(ns: number): string {
  return `${Math.round(ns / 1e9)} s`;
}
