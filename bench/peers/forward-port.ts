/**
 * forward-peer.c's forward_batch, line for line in TypeScript: the checks
 * and rewrites of the router's inline path on a batch of frames, and nothing
 * else. No general path, NAT, ARP cache, hooks or counters; an adjacency is
 * "resolved" with a store, as in C.
 *
 * It sits between the two: against the router it tells what the router's
 * generality costs, and against the C peer what the language costs for the
 * same loop.
 */
import { ttlDecremented } from '../../codecs/checksum.js';
import type { AdjacencyTable } from '../../src/forward/adjacency.js';
import type { Fib } from '../../src/forward/fib.js';
import type { FrameBatch } from '../../src/forward/frame-batch.js';

/** The verdicts forward_batch writes: dropped, and waiting for the lookup. */
const DROPPED = -1;
const PENDING = -4;
/** An Ethernet and IPv4 header: the least the loop reads. */
const MIN_FRAME = 34;

export interface PortRouter {
  readonly fib: Fib;
  readonly adjacencies: AdjacencyTable;
  /** The ingress interface's MAC: its first four bytes, then its last two. */
  readonly macHigh: number;
  readonly macLow: number;
  /** The router's own addresses, as int32. */
  readonly ownAddresses: Int32Array;
  /** The NAT's outside address as int32; 0 without NAT. */
  readonly natAddress: number;
}

export class ForwardPort {
  private readonly destinations = new Int32Array(256);
  private readonly hops = new Int32Array(256);
  private readonly resolvedIn: Int32Array;
  private readonly ownBits: number;
  private batch = 0;

  constructor(private readonly r: PortRouter) {
    this.resolvedIn = new Int32Array(r.adjacencies.size).fill(-1);
    this.ownBits = ownAddressBits(r.ownAddresses);
  }

  /** forward_batch on the first 256 frames of `batch`: how many went out. */
  forward(batch: FrameBatch, egress: Int32Array): number {
    const { view, offsets, lengths } = batch;
    const size = batch.bytes.length;
    const { destinations, hops, resolvedIn } = this;
    const current = (this.batch = (this.batch + 1) | 0);
    const { macHigh, macLow, natAddress } = this.r;
    for (let i = 0; i < 256; i++) {
      const o = offsets[i];
      const length = lengths[i];
      destinations[i] = 0;
      egress[i] = DROPPED;
      if (o < 0 || length < MIN_FRAME || o > size - length) continue;
      if (view.getInt32(o) !== macHigh || view.getUint16(o + 4) !== macLow || view.getInt32(o + 12) >>> 8 !== 0x080045) continue;
      const w0 = view.getInt32(o + 14);
      const w1 = view.getInt32(o + 18);
      const w2 = view.getInt32(o + 22);
      const w3 = view.getInt32(o + 26);
      const destination = view.getInt32(o + 30);
      let sum = (w0 >>> 16) + (w0 & 0xffff) + (w1 >>> 16) + (w1 & 0xffff) + (w2 >>> 16) + (w2 & 0xffff) + (w3 >>> 16) + (w3 & 0xffff) + (destination >>> 16) + (destination & 0xffff);
      sum = (sum & 0xffff) + (sum >>> 16);
      sum = (sum & 0xffff) + (sum >>> 16);
      const total = w0 & 0xffff;
      if (sum !== 0xffff || total < 20 || 14 + total > length || destination === natAddress || this.isOwn(destination)) continue;
      egress[i] = PENDING;
      destinations[i] = destination;
    }
    this.r.fib.lookupBatch(destinations, hops, 256);
    const { gateway, iface, ethernet } = this.r.adjacencies;
    let sent = 0;
    for (let i = 0; i < 256; i++) {
      if (egress[i] !== PENDING) continue;
      const o = offsets[i];
      const hop = hops[i];
      const word = view.getInt32(o + 22);
      if (hop < 0 || word >>> 0 < 0x2000000) continue;
      if (resolvedIn[hop] !== current) {
        if (gateway[hop] === 0) continue;
        resolvedIn[hop] = current;
      }
      view.setInt32(o + 22, ttlDecremented(word));
      egress[i] = iface[hop];
      view.setInt32(o, ethernet[hop * 3]);
      view.setInt32(o + 4, ethernet[hop * 3 + 1]);
      view.setInt32(o + 8, ethernet[hop * 3 + 2]);
      sent++;
    }
    return sent;
  }

  private isOwn(destination: number): boolean {
    if (((this.ownBits >>> (destination & 31)) & 1) === 0) return false;
    if (destination === -1) return true;
    const own = this.r.ownAddresses;
    for (let k = 0; k < own.length; k++) if (own[k] === destination) return true;
    return false;
  }
}

/** Bit (a & 31) of every address a the router takes for itself, the limited broadcast included, as the router keeps them. */
export function ownAddressBits(own: Int32Array): number {
  let bits = 1 << 31;
  for (const a of own) bits |= 1 << (a & 31);
  return bits;
}
