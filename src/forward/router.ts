/**
 * The router's forwarding pipeline on a batch of Ethernet frames, in place.
 *
 * A batch is a FrameBatch: frames packed in one buffer, read and written
 * through one DataView, with the verdict for each written into the caller's
 * `egress` Int32Array: the output interface, or one of `Egress`. Nothing is
 * allocated on the forwarding path; only frames the router itself sends
 * (ICMP errors, ARP requests) or parks while ARP resolves are new bytes.
 *
 * Three passes, because doing every lookup before any rewrite was measured
 * at 3× the rate of interleaving them:
 *   1. check each frame (Ethernet destination ours or broadcast; IPv4
 *      version 4, IHL ≥ 5, lengths inside the frame, header checksum) and
 *      hand frames for the router itself to the local hook; on the NAT
 *      outside interface, translate inbound packets first;
 *   2. look up every destination in the FIB;
 *   3. per frame: no route → ICMP net unreachable; TTL ≤ 1 → ICMP time
 *      exceeded; else TTL − 1 with an RFC 1624 checksum update and MACs
 *      from the adjacency. Frames that leave by the NAT's outside interface
 *      wait, and the NAT translates them together (Nat.outboundBatch),
 *      before any frame after them that takes the general path: NAT sees
 *      every frame in batch order, as it does one frame at a time.
 * A batch that arrives on the NAT's outside interface goes one frame at a
 * time through both passes: its inbound translation would otherwise come
 * before that of earlier frames routed back out.
 *
 * A single frame (forward()) takes the same checks and rewrites one at a
 * time, and leaves what happened for describeLast() to narrate.
 *
 * Every drop is counted under its reason (DropCounters). ICMP errors share
 * one token bucket in virtual time; suppressed ones count as
 * 'icmp-rate-limited'.
 */
import { ipv4ToUint32, uint32ToIpv4, writeMac } from '../../codecs/address.js';
import { ttlDecremented } from '../../codecs/checksum.js';
import { ETHERNET_HEADER_LENGTH, EtherType } from '../../codecs/ethernet.js';
import { DestinationUnreachableCode, IcmpOffsets, IcmpType, TimeExceededCode } from '../../codecs/icmp.js';
import { IPV4_MIN_HEADER_LENGTH, IpProtocol, Ipv4Offsets } from '../../codecs/ipv4.js';
import type { ArpCache } from './arp-cache.js';
import { AdjacencyTable } from './adjacency.js';
import { buildArpRequest } from './arp-request.js';
import { DropCounters, type DropCountsObject, DropSlot, DROP_REASONS } from './drop-counters.js';
import { Fib, formatPrefix, maskOf, parsePrefix } from './fib.js';
import { type FrameBatch, liesInside } from './frame-batch.js';
import { buildIcmpError, mayAnswerWithError } from './icmp-errors.js';
import { type Nat, NatResult } from './nat.js';
import { type RateLimit, TokenBucket } from './rate-limiter.js';

export interface RouterInterfaceConfig {
  readonly name: string;
  readonly mac: string;
  readonly address: string;
  readonly prefixLength: number;
}

export interface RouterOptions {
  readonly interfaces: readonly RouterInterfaceConfig[];
  readonly arp: Pick<ArpCache, 'lookup' | 'enqueue' | 'needsRequest' | 'takePending'>;
  /** Source NAT on one interface: outbound after routing, inbound before it. */
  readonly nat?: { readonly nat: Nat; readonly outsideInterface: string };
  /** ICMP errors at most; default 10 per second, burst 10. */
  readonly icmpRateLimit?: RateLimit;
  /** Frames addressed to the router itself: ARP, and IPv4 to one of its addresses. */
  readonly deliverLocal?: (frame: Uint8Array, ingress: number, nowNs: number) => void;
  /** Frames the router sends on its own: ICMP errors, ARP requests, frames released by ARP. */
  readonly transmit?: (frame: Uint8Array, egress: number, nowNs: number) => void;
  /** Sizes the FIB's record table for a large table. */
  readonly expectedRoutes?: number;
  /**
   * A FIB to share (e.g. one large table behind several routers in a test
   * bench); its next hops must index this router's adjacencies.
   */
  readonly fib?: Fib;
}

/** Verdicts written into `egress` besides an interface number. */
export const Egress = { dropped: -1, local: -2, queued: -3 } as const;

const IP = ETHERNET_HEADER_LENGTH;
const TTL = IP + Ipv4Offsets.ttl;
const CHECKSUM = IP + Ipv4Offsets.checksum;
const DESTINATION = IP + Ipv4Offsets.destination;
const LIMITED_BROADCAST = 0xffffffff;
/** The pass-1 mark of a frame that still needs routing. */
const PENDING = -4;
/** The NAT results with which a frame goes on, as module constants: V8 loads and checks an imported object's property at every use. */
const NAT_TRANSLATED = NatResult.translated;
const NAT_NOT_APPLICABLE = NatResult.notApplicable;
/** The lowest word of TTL, protocol and header checksum whose TTL may go down inline: TTL 2. */
const MIN_TTL_WORD = 0x2000000;
/** What the inline path takes: version 4 with a 20-byte header, in at least a whole IPv4 header's worth of frame. */
const FAST_VERSION_IHL = 0x45;
const FAST_MIN_FRAME = IP + IPV4_MIN_HEADER_LENGTH;
/** The EtherType for IPv4 and the version/IHL byte of a 20-byte header: the frame's bytes 12 to 14. */
const IPV4_OPENING = (EtherType.ipv4 << 8) | FAST_VERSION_IHL;

export interface RouterCounters extends DropCountsObject {
  readonly forwarded: number;
  readonly local: number;
  readonly queued: number;
  readonly icmpSent: number;
}

export class Router {
  readonly fib: Fib;
  readonly drops = new DropCounters();
  readonly adjacencies = new AdjacencyTable();
  readonly interfaceNames: readonly string[];

  private readonly ifaceMac: Uint8Array;
  /** Each interface's MAC as its first four bytes and its last two, for the DataView path. */
  private readonly ifaceMacHigh: Int32Array;
  private readonly ifaceMacLow: Int32Array;
  private readonly ifaceAddress: Uint32Array;
  /** The same addresses as int32, so that the batch path compares words without going through doubles. */
  private readonly ifaceAddressBits: Int32Array;
  /**
   * Bit (a & 31) set for every address a the router takes for itself (its
   * own, the NAT's, the limited broadcast): a destination whose bit is clear
   * is someone else's, without a look at the list.
   */
  private readonly ownAddressBits: number;
  private readonly arp: RouterOptions['arp'];
  private readonly nat: Nat | undefined;
  private readonly natIface: number;
  private readonly natAddress: number;
  private readonly icmpBucket: TokenBucket;
  private readonly deliverLocal: RouterOptions['deliverLocal'];
  private readonly transmit: RouterOptions['transmit'];

  /** forwardBatch()'s per-frame arrays; a batch forwarded from a hook while another is under way gets its own. */
  private scratch: BatchScratch | undefined = newScratch(256);
  /**
   * The number of the batch under way, from 1; a single frame counts as a
   * batch of one. A double, as adjacencies keep it: it would take 2^53
   * batches to repeat one, where an int32 repeats after 2^32, about 72
   * minutes at a million single frames a second.
   */
  private batch = 0;
  private ipId = 0;
  private forwarded = 0;
  private local = 0;
  private queued = 0;
  private icmpSent = 0;

  // What happened to the last frame handled, for describeLast(); numbers only.
  private lastDestination = 0;
  private lastHop = -1;
  private lastTtl = -1;
  private lastEgress: number = Egress.dropped;
  private lastDrop = -1;
  private lastNat = false;

  constructor(options: RouterOptions) {
    const n = options.interfaces.length;
    this.fib = options.fib ?? new Fib({ expectedSize: options.expectedRoutes });
    this.interfaceNames = options.interfaces.map((i) => i.name);
    this.ifaceMac = new Uint8Array(n * 6);
    this.ifaceAddress = new Uint32Array(n);
    this.ifaceAddressBits = new Int32Array(this.ifaceAddress.buffer);
    this.ifaceMacHigh = new Int32Array(n);
    this.ifaceMacLow = new Int32Array(n);
    options.interfaces.forEach((config, i) => {
      writeMac(this.ifaceMac, i * 6, config.mac);
      this.ifaceMacHigh[i] = readUint32(this.ifaceMac, i * 6) | 0;
      this.ifaceMacLow[i] = (this.ifaceMac[i * 6 + 4] << 8) | this.ifaceMac[i * 6 + 5];
      this.ifaceAddress[i] = ipv4ToUint32(config.address);
      const network = (this.ifaceAddress[i] & maskOf(config.prefixLength)) >>> 0;
      this.fib.insertPrefix(network, config.prefixLength, this.adjacencies.intern(0, i, config.name));
    });
    this.arp = options.arp;
    this.nat = options.nat?.nat;
    this.natIface = options.nat ? this.interfaceIndex(options.nat.outsideInterface) : -1;
    this.natAddress = options.nat ? ipv4ToUint32(options.nat.nat.outsideAddress) : 0;
    let bits = (1 << (LIMITED_BROADCAST & 31)) | (options.nat ? 1 << (this.natAddress & 31) : 0);
    for (const address of this.ifaceAddress) bits |= 1 << (address & 31);
    this.ownAddressBits = bits;
    this.icmpBucket = new TokenBucket(options.icmpRateLimit ?? { perSecond: 10, burst: 10 });
    this.deliverLocal = options.deliverLocal;
    this.transmit = options.transmit;
  }

  interfaceIndex(name: string): number {
    const i = this.interfaceNames.indexOf(name);
    if (i < 0) throw new RangeError(`no interface named ${JSON.stringify(name)}`);
    return i;
  }

  /**
   * Routes `prefix` out of `iface`, via `gateway` (an address) or, when
   * null, straight to the destination (a connected network). `name` is how
   * narration calls the next hop; it defaults to the interface name.
   */
  addRoute(prefix: string, gateway: string | null, iface: string, name = iface): void {
    const { network, length } = parsePrefix(prefix);
    const adjacency = this.adjacencies.intern(gateway === null ? 0 : ipv4ToUint32(gateway), this.interfaceIndex(iface), name);
    this.fib.insertPrefix(network, length, adjacency);
  }

  deleteRoute(prefix: string): boolean {
    return this.fib.delete(prefix);
  }

  /** One frame: the egress interface, or an `Egress` verdict; describeLast() then tells what happened. */
  forward(frame: Uint8Array, ingress: number, nowNs: number): number {
    return this.forwardOne(frame, 0, frame.length, ingress, nowNs);
  }

  /**
   * Forwards the batch's frames, which arrived on `ingress`, rewriting them
   * in place in the batch's buffer, and writes each one's verdict into
   * egress[i]. Returns how many were forwarded. Frames are not narrated one
   * by one: what describeLast() says after a batch is about whichever frame
   * last took the general path. Verdicts, bytes, counters and NAT state are
   * those of forward() on each frame in turn; the hooks are called in pass
   * order, so a frame's local delivery (pass 1) comes before an earlier
   * frame's ICMP error or ARP request (pass 3).
   *
   * Plain unicast IPv4 with a 20-byte header for someone else is checked
   * inline, and every frame to route whose gateway ARP knows is rewritten
   * inline, through the batch's DataView; anything else goes through
   * admit() and route(), which handle every case on the same bytes. Frames
   * that arrive on the NAT's outside interface go one at a time.
   */
  forwardBatch(batch: FrameBatch, ingress: number, nowNs: number, egress: Int32Array): number {
    const count = batch.count;
    if (!Number.isInteger(count) || count < 0 || count > batch.offsets.length || count > batch.lengths.length || count > egress.length) {
      throw new RangeError(`forwardBatch: ${count} frames, but ${batch.offsets.length} offsets, ${batch.lengths.length} lengths and ${egress.length} verdict slots`);
    }
    if (ingress === this.natIface) return this.forwardEach(batch, ingress, nowNs, egress);
    const scratch = this.takeScratch(count);
    const { bytes, view, offsets, lengths } = batch;
    const size = bytes.length;
    const destinations = scratch.destinations;
    const hops = scratch.hops;
    const batchNumber = ++this.batch;
    const natAddress = this.natAddress | 0;
    const macHigh = this.ifaceMacHigh[ingress];
    const macLow = this.ifaceMacLow[ingress];
    for (let i = 0; i < count; i++) {
      const o = offsets[i];
      const length = lengths[i];
      destinations[i] = 0;
      // liesInside(), written out: the imported function costs this loop 3% (measured).
      if (!(o >= 0 && length >= 0 && o + length <= size)) {
        egress[i] = this.drop(DropSlot.malformed);
        continue;
      }
      // Ours, IPv4, version 4 with a 20-byte header: the EtherType, version,
      // IHL and TOS bytes share one word.
      if (length >= FAST_MIN_FRAME && view.getInt32(o) === macHigh && view.getUint16(o + 4) === macLow && view.getInt32(o + 12) >>> 8 === IPV4_OPENING) {
        // The header checksum over five 32-bit words, each added as its two
        // 16-bit halves; the destination is the last word.
        const w0 = view.getInt32(o + IP);
        const w1 = view.getInt32(o + IP + 4);
        const w2 = view.getInt32(o + IP + 8);
        const w3 = view.getInt32(o + IP + 12);
        const destination = view.getInt32(o + DESTINATION);
        let sum =
          (w0 >>> 16) + (w0 & 0xffff) + (w1 >>> 16) + (w1 & 0xffff) + (w2 >>> 16) + (w2 & 0xffff) + (w3 >>> 16) + (w3 & 0xffff) + (destination >>> 16) + (destination & 0xffff);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        const totalLength = w0 & 0xffff;
        if (sum === 0xffff && totalLength >= IPV4_MIN_HEADER_LENGTH && IP + totalLength <= length) {
          if (destination !== natAddress && !this.isOwnAddress(destination)) {
            egress[i] = PENDING;
            destinations[i] = destination;
            continue;
          }
        }
      }
      const verdict = this.admit(bytes, o, length, ingress, nowNs);
      egress[i] = verdict;
      if (verdict === PENDING) destinations[i] = readUint32(bytes, o + DESTINATION) | 0;
    }
    this.fib.lookupBatch(destinations, hops, count);

    const adjacencies = this.adjacencies;
    const adjIface = adjacencies.iface;
    const adjGateway = adjacencies.gateway;
    const adjResolvedIn = adjacencies.resolvedIn;
    const adjEthernet = adjacencies.ethernet;
    const natIface = this.nat ? this.natIface : -1;
    let natFrom = 0;
    let waiting = 0;
    let sent = 0;
    // The inline loop calls nothing: it stops at a frame that needs a call,
    // which the outer loop makes before it goes on. With the calls inside it,
    // even on branches rarely taken, plain forwarding measured 1.06 to 1.08
    // times slower.
    for (let i = 0; i < count; i++) {
      for (; i < count; i++) {
        if (egress[i] !== PENDING) continue;
        const o = offsets[i];
        const hop = hops[i];
        // TTL, protocol and header checksum: one word.
        const word = view.getInt32(o + TTL);
        // Only a gateway's adjacency is ever resolved, so a connected one stops here too.
        if (hop < 0 || word >>> 0 < MIN_TTL_WORD || adjResolvedIn[hop] !== batchNumber) break;
        view.setInt32(o + TTL, ttlDecremented(word));
        const out = adjIface[hop];
        egress[i] = out;
        // Waiting for source NAT: the only frames of a run whose egress is the NAT's interface.
        if (out === natIface) {
          waiting++;
          continue;
        }
        writeMacs(view, o, adjEthernet, hop);
        sent++;
      }
      if (i === count) break;
      const hop = hops[i];
      // A gateway not yet resolved in this batch: ARP is asked once for the batch, and the frame goes on inline when it knows.
      // Only when the inline loop will now take it: a hook that forwarded a frame itself has moved the
      // router to another batch, and one that added routes may have replaced the adjacency arrays.
      if (
        hop >= 0 &&
        adjGateway[hop] !== 0 &&
        adjResolvedIn[hop] !== batchNumber &&
        view.getInt32(offsets[i] + TTL) >>> 0 >= MIN_TTL_WORD &&
        this.resolveAdjacency(hop, nowNs) &&
        adjResolvedIn[hop] === batchNumber
      ) {
        i--; // with the loop's i++, this frame again
        continue;
      }
      // The general path may translate too, so the NAT first takes every frame before this one.
      if (waiting > 0) sent += this.translateWaiting(batch, scratch, natFrom, i, nowNs, egress);
      natFrom = i + 1;
      waiting = 0;
      const out = this.route(bytes, offsets[i], lengths[i], hop, nowNs);
      egress[i] = out;
      if (out >= 0) sent++;
    }
    if (waiting > 0) sent += this.translateWaiting(batch, scratch, natFrom, count, nowNs, egress);
    this.scratch = scratch;
    this.forwarded += sent;
    return sent;
  }

  /**
   * forward() for each frame of the batch in turn. On the NAT's outside
   * interface the passes would translate inbound packets (pass 1) before
   * earlier frames routed back out through the NAT (pass 3); frames there
   * take the general path anyway, as inbound translation is per packet.
   */
  private forwardEach(batch: FrameBatch, ingress: number, nowNs: number, egress: Int32Array): number {
    const { bytes, offsets, lengths } = batch;
    let sent = 0;
    for (let i = 0; i < batch.count; i++) {
      const o = offsets[i];
      const length = lengths[i];
      if (!liesInside(o, length, bytes.length)) {
        egress[i] = this.drop(DropSlot.malformed);
        continue;
      }
      const out = this.forwardOne(bytes, o, length, ingress, nowNs);
      egress[i] = out;
      if (out >= 0) sent++;
    }
    return sent;
  }

  /** One frame at bytes[o, o + len), through both passes: its egress or verdict. */
  private forwardOne(b: Uint8Array, o: number, len: number, ingress: number, nowNs: number): number {
    this.batch++;
    const verdict = this.admit(b, o, len, ingress, nowNs);
    if (verdict !== PENDING) return verdict;
    const out = this.route(b, o, len, this.fib.lookup(readUint32(b, o + DESTINATION)), nowNs);
    if (out >= 0) this.forwarded++;
    return out;
  }

  /**
   * Source NAT for the frames in [from, to) that wait for it: those whose
   * egress is the NAT's interface, their TTL already down. The translated
   * ones get their MACs, the others are dropped. Returns how many go on.
   */
  private translateWaiting(batch: FrameBatch, scratch: BatchScratch, from: number, to: number, nowNs: number, egress: Int32Array): number {
    const natIp = scratch.natIp;
    const results = scratch.natResults;
    const natIface = this.natIface;
    for (let i = from; i < to; i++) natIp[i] = egress[i] === natIface ? batch.offsets[i] + IP : -1;
    this.nat!.outboundBatch(batch, natIp, from, to, nowNs, results);
    // The NAT's last translation is now one of these, not that of the frame describeLast() narrates.
    this.lastNat = false;
    const { view, offsets } = batch;
    const hops = scratch.hops;
    const adjEthernet = this.adjacencies.ethernet;
    let sent = 0;
    // As in forwardBatch(), the loop that writes MACs calls nothing.
    for (let i = from; i < to; i++) {
      for (; i < to; i++) {
        if (natIp[i] < 0) continue;
        const result = results[i];
        if (result !== NAT_TRANSLATED && result !== NAT_NOT_APPLICABLE) break;
        writeMacs(view, offsets[i], adjEthernet, hops[i]);
        sent++;
      }
      if (i === to) break;
      egress[i] = this.drop(natDropSlot(results[i]));
    }
    return sent;
  }

  /**
   * The MAC of `ip` was learnt: sends the frames ARP held for it, with their
   * destination MAC filled in. Returns how many.
   */
  arpResolved(ip: number, mac: Uint8Array, nowNs: number): number {
    const frames = this.arp.takePending(ip);
    for (const frame of frames) {
      for (let k = 0; k < 6; k++) frame[k] = mac[k];
      const out = this.egressOfParked(frame);
      if (out >= 0) this.transmit?.(frame, out, nowNs);
    }
    return frames.length;
  }

  /** Drops and the other verdicts, as a plain object. */
  counters(): RouterCounters {
    return { ...this.drops.toObject(), forwarded: this.forwarded, local: this.local, queued: this.queued, icmpSent: this.icmpSent };
  }

  /** What the router did with the last frame it handled, as one line of narration. */
  describeLast(): string {
    const destination = uint32ToIpv4(this.lastDestination);
    if (this.lastEgress === Egress.local) return `${destination}: for this router, delivered locally`;
    if (this.lastHop < 0) {
      return this.lastDrop >= 0 ? `${destination}: dropped (${DROP_REASONS[this.lastDrop]})` : `${destination}: no route`;
    }
    const matched = this.fib.explain(this.lastDestination);
    const route = matched.length ? formatPrefix(matched[0].network, matched[0].length) : '?';
    const parts = [`LPM ${route} → ${this.adjacencies.names[this.lastHop]}`];
    if (this.lastTtl >= 0) parts.push(`TTL ${this.lastTtl}→${Math.max(0, this.lastTtl - 1)}`);
    const mapping = this.lastNat ? this.nat?.describeLast() : undefined;
    if (mapping) parts.push(`SNAT ${mapping.inside}→${mapping.outside}`);
    if (this.lastDrop >= 0) parts.push(`dropped (${DROP_REASONS[this.lastDrop]})`);
    else if (this.lastEgress === Egress.queued) parts.push('held for ARP');
    else parts.push(`out ${this.interfaceNames[this.lastEgress]}`);
    return parts.join(', ');
  }

  /** Pass 1 for the frame at bytes[o, o + len): PENDING for a frame to route, or its final verdict. */
  private admit(b: Uint8Array, o: number, len: number, ingress: number, nowNs: number): number {
    this.lastHop = -1;
    this.lastTtl = -1;
    this.lastNat = false;
    this.lastDrop = -1;
    this.lastDestination = 0;
    if (len < ETHERNET_HEADER_LENGTH) return this.drop(DropSlot.malformed);
    const m = ingress * 6;
    const mac = this.ifaceMac;
    const broadcast = (b[o] & b[o + 1] & b[o + 2] & b[o + 3] & b[o + 4] & b[o + 5]) === 0xff;
    if (
      !broadcast &&
      (b[o] !== mac[m] || b[o + 1] !== mac[m + 1] || b[o + 2] !== mac[m + 2] || b[o + 3] !== mac[m + 3] || b[o + 4] !== mac[m + 4] || b[o + 5] !== mac[m + 5])
    ) {
      return this.drop(DropSlot.notForUs);
    }
    const etherType = (b[o + 12] << 8) | b[o + 13];
    if (etherType === EtherType.arp) return this.toLocal(b, o, len, ingress, nowNs);
    if (etherType !== EtherType.ipv4 || len < IP + IPV4_MIN_HEADER_LENGTH) return this.drop(DropSlot.malformed);
    const ip = o + IP;
    const versionIhl = b[ip];
    const headerLength = (versionIhl & 0x0f) << 2;
    const totalLength = (b[ip + Ipv4Offsets.totalLength] << 8) | b[ip + Ipv4Offsets.totalLength + 1];
    if (versionIhl >>> 4 !== 4 || headerLength < IPV4_MIN_HEADER_LENGTH || totalLength < headerLength || IP + totalLength > len) {
      return this.drop(DropSlot.malformed);
    }
    let sum = 0;
    for (let k = ip; k < ip + headerLength; k += 2) sum += (b[k] << 8) | b[k + 1];
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    if (sum !== 0xffff) return this.drop(DropSlot.badChecksum);

    let destination = readUint32(b, o + DESTINATION);
    this.lastDestination = destination;
    if (ingress === this.natIface && destination === this.natAddress && this.nat) {
      const result = this.nat.inbound(b, ip, nowNs);
      if (result === NatResult.translated) {
        this.lastNat = true;
        destination = readUint32(b, o + DESTINATION);
        this.lastDestination = destination;
        return PENDING;
      }
      if (result === NatResult.malformed) return this.drop(DropSlot.malformed);
      // Unmapped: the router's own services (ping) still answer; anything else is unsolicited.
      if (result === NatResult.noMapping && !isEchoRequest(b, ip, headerLength, totalLength)) return this.drop(DropSlot.natNoMapping);
      return this.toLocal(b, o, len, ingress, nowNs);
    }
    if (this.isOwnAddress(destination | 0)) return this.toLocal(b, o, len, ingress, nowNs);
    // RFC 1812 §5.3.4: a unicast packet in a link-layer broadcast is not forwarded.
    if (broadcast) return this.drop(DropSlot.notForUs);
    return PENDING;
  }

  /** Pass 3 for the frame at bytes[o, o + len): the egress interface or a verdict. */
  private route(b: Uint8Array, o: number, len: number, hop: number, nowNs: number): number {
    const ip = o + IP;
    const headerLength = (b[ip] & 0x0f) << 2;
    const totalLength = (b[ip + Ipv4Offsets.totalLength] << 8) | b[ip + Ipv4Offsets.totalLength + 1];
    this.lastDestination = readUint32(b, o + DESTINATION);
    if (hop < 0) {
      this.sendIcmpError(b, ip, headerLength, totalLength, IcmpType.destinationUnreachable, DestinationUnreachableCode.net, nowNs);
      return this.drop(DropSlot.noRoute);
    }
    this.lastHop = hop;
    const ttl = b[o + TTL];
    this.lastTtl = ttl;
    if (ttl <= 1) {
      this.sendIcmpError(b, ip, headerLength, totalLength, IcmpType.timeExceeded, TimeExceededCode.ttl, nowNs);
      return this.drop(DropSlot.ttlExpired);
    }
    const word = ttlDecremented(readUint32(b, o + TTL) | 0);
    b[o + TTL] = word >>> 24;
    b[o + CHECKSUM] = (word >>> 8) & 0xff;
    b[o + CHECKSUM + 1] = word & 0xff;

    const out = this.adjacencies.iface[hop];
    if (out === this.natIface && this.nat) {
      const result = this.nat.outbound(b, ip, nowNs);
      if (result === NatResult.translated) this.lastNat = true;
      const slot = natDropSlot(result);
      if (slot >= 0) return this.drop(slot);
    }
    const m = out * 6;
    const mac = this.ifaceMac;
    for (let k = 0; k < 6; k++) b[o + 6 + k] = mac[m + k];
    return this.resolveInto(b, o, len, hop, out, nowNs);
  }

  /** The gateway's MAC from ARP into the adjacency, for the rest of the batch; false while ARP does not know it. */
  private resolveAdjacency(hop: number, nowNs: number): boolean {
    const adj = this.adjacencies;
    if (adj.missedIn[hop] === this.batch) return false;
    const mac = this.arp.lookup(adj.gateway[hop], nowNs);
    if (mac === undefined) {
      adj.missedIn[hop] = this.batch;
      return false;
    }
    adj.setMac(hop, mac, this.ifaceMac, adj.iface[hop] * 6);
    adj.resolvedIn[hop] = this.batch;
    return true;
  }

  /** Writes the next hop's MAC as the destination, or parks the frame with ARP. */
  private resolveInto(b: Uint8Array, o: number, len: number, hop: number, out: number, nowNs: number): number {
    const adj = this.adjacencies;
    const gateway = adj.gateway[hop];
    if (gateway !== 0) {
      if (adj.resolvedIn[hop] !== this.batch && !this.resolveAdjacency(hop, nowNs)) return this.park(b, o, len, gateway, out, nowNs);
      adj.writeMac(hop, b, o);
    } else {
      const target = readUint32(b, o + DESTINATION);
      const mac = this.arp.lookup(target, nowNs);
      if (mac === undefined) return this.park(b, o, len, target, out, nowNs);
      for (let k = 0; k < 6; k++) b[o + k] = mac[k];
    }
    this.lastEgress = out;
    return out;
  }

  /** The frame waits for ARP on a copy (the caller's buffer is reused); asks for the MAC when due. */
  private park(b: Uint8Array, o: number, len: number, target: number, out: number, nowNs: number): number {
    if (this.arp.enqueue(target, b.slice(o, o + len), nowNs) === 'queue-full') return this.drop(DropSlot.arpQueueFull);
    if (this.arp.needsRequest(target, nowNs)) this.transmit?.(buildArpRequest(this.ifaceMac, out * 6, this.ifaceAddress[out], target), out, nowNs);
    this.queued++;
    this.lastEgress = Egress.queued;
    return Egress.queued;
  }

  private sendIcmpError(b: Uint8Array, ip: number, headerLength: number, totalLength: number, type: number, code: number, nowNs: number): void {
    if (!mayAnswerWithError(b, ip, headerLength, totalLength)) return;
    if (!this.icmpBucket.take(nowNs)) {
      this.drops.countSlot(DropSlot.icmpRateLimited);
      return;
    }
    const hop = this.fib.lookup(readUint32(b, ip + Ipv4Offsets.source));
    if (hop < 0) return;
    const out = this.adjacencies.iface[hop];
    this.ipId = (this.ipId + 1) & 0xffff;
    const error = buildIcmpError(b, ip, headerLength, totalLength, type, code, this.ifaceAddress[out], this.ipId);
    error.set(this.ifaceMac.subarray(out * 6, out * 6 + 6), 6);
    // Keep the narration about the frame that caused the error.
    const saved = this.lastEgress;
    const verdict = this.resolveInto(error, 0, error.length, hop, out, nowNs);
    this.lastEgress = saved;
    this.icmpSent++;
    if (verdict >= 0) this.transmit?.(error, verdict, nowNs);
  }

  private egressOfParked(frame: Uint8Array): number {
    const m = this.ifaceMac;
    for (let i = 0; i < this.interfaceNames.length; i++) {
      if (frame[6] === m[i * 6] && frame[7] === m[i * 6 + 1] && frame[8] === m[i * 6 + 2] && frame[9] === m[i * 6 + 3] && frame[10] === m[i * 6 + 4] && frame[11] === m[i * 6 + 5]) return i;
    }
    return -1;
  }

  /** The hook gets a view of the frame: a frame of a batch changes when the batch's buffer is reused. */
  private toLocal(b: Uint8Array, o: number, len: number, ingress: number, nowNs: number): number {
    this.local++;
    this.lastEgress = Egress.local;
    this.deliverLocal?.(o === 0 && len === b.length ? b : b.subarray(o, o + len), ingress, nowNs);
    return Egress.local;
  }

  private drop(slot: number): number {
    this.drops.countSlot(slot);
    this.lastDrop = slot;
    this.lastEgress = Egress.dropped;
    return Egress.dropped;
  }

  /** The batch's arrays, which are the router's own again when it ends: a batch forwarded meanwhile (from a hook) makes its own. */
  private takeScratch(count: number): BatchScratch {
    const scratch = this.scratch;
    this.scratch = undefined;
    return scratch !== undefined && count <= scratch.hops.length ? scratch : newScratch(count);
  }

  /** Whether the router takes a destination (as int32) for itself: one of its addresses, or the limited broadcast. */
  private isOwnAddress(destination: number): boolean {
    if (((this.ownAddressBits >>> (destination & 31)) & 1) === 0) return false;
    if (destination === -1) return true;
    const own = this.ifaceAddressBits;
    for (let k = 0; k < own.length; k++) if (own[k] === destination) return true;
    return false;
  }
}

interface BatchScratch {
  readonly destinations: Int32Array;
  readonly hops: Int32Array;
  /** Per frame of a run waiting for NAT: its IPv4 offset when it leaves by the NAT's interface, else -1. */
  readonly natIp: Int32Array;
  /** What Nat.outboundBatch() said of each waiting frame. */
  readonly natResults: Int32Array;
}

function newScratch(frames: number): BatchScratch {
  return { destinations: new Int32Array(frames), hops: new Int32Array(frames), natIp: new Int32Array(frames), natResults: new Int32Array(frames) };
}

function isEchoRequest(b: Uint8Array, ip: number, headerLength: number, totalLength: number): boolean {
  return b[ip + Ipv4Offsets.protocol] === IpProtocol.icmp && totalLength > headerLength && b[ip + headerLength + IcmpOffsets.type] === IcmpType.echoRequest;
}

/** The drop reason for an outbound NAT result, or -1 when the frame goes on (translated, or not NAT's business). */
function natDropSlot(result: number): number {
  if (result === NAT_TRANSLATED || result === NAT_NOT_APPLICABLE) return -1;
  if (result === NatResult.portsExhausted) return DropSlot.natPortsExhausted;
  if (result === NatResult.malformed) return DropSlot.malformed;
  return DropSlot.natNoMapping;
}

/** The adjacency's destination and source MACs into the frame at `o`: three words (AdjacencyTable.ethernet). */
function writeMacs(view: DataView, o: number, adjEthernet: Int32Array, hop: number): void {
  const e = hop * 3;
  view.setInt32(o, adjEthernet[e]);
  view.setInt32(o + 4, adjEthernet[e + 1]);
  view.setInt32(o + 8, adjEthernet[e + 2]);
}

function readUint32(f: Uint8Array, at: number): number {
  return ((f[at] << 24) | (f[at + 1] << 16) | (f[at + 2] << 8) | f[at + 3]) >>> 0;
}
