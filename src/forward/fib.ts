/**
 * The IPv4 forwarding table: longest-prefix match in DIR-24-8 form (Gupta,
 * Lin and McKeown, "Routing Lookups in Hardware at Memory Access Speeds").
 * A first level indexed by the top 24 bits of the address answers every
 * prefix up to /24 in one read; an entry may instead point at a group of 256
 * second-level entries, indexed by the last byte, for /25 to /32.
 *
 * The first level is not one 2^24-entry array, which a default route alone
 * would paint in full (64 MiB and most of a second for every router). It is
 * cut into 4,096 chunks of 4,096 entries, one per /12, that live in one pool
 * and are made when a prefix longer than /12 first lands in their /12; a
 * directory gives each /12 its chunk's offset in the pool, or 0, the offset
 * of a chunk that stays all zero. Prefixes of /12 and shorter are kept in a
 * 4,096-entry short table instead, holding the best of them for each /12,
 * and copied into the chunks that exist: a chunk, once made, answers for its
 * whole /12, and a lookup that finds an empty entry reads the short table.
 * So a router with a default route and a few connected networks holds a few
 * chunks. The directory read costs lookups a quarter or more of their rate,
 * though, so once a table needs a quarter of all chunks (16 MiB) it goes
 * flat: every /12 gets its chunk, in address order, and lookups index the
 * pool by the top 24 bits directly, as in plain DIR-24-8. It stays flat.
 *
 * Each entry is one int32:
 *   bit 31       the entry points at a second-level group (first level only)
 *   bits 24..29  the length of the prefix that wrote it (0..32)
 *   bits 0..23   next hop + 1 (0: no route), or the group number
 * so a lookup is a few reads and a mask. The lengths let inserts and
 * deletes in any order touch only the entries a prefix actually wins.
 *
 * Live prefixes are also kept in PrefixRecords, the ground truth that a
 * delete consults to find the next-shorter covering prefix; lookups never
 * read it.
 *
 * Prefixes given as text are parsed with ip-address's Address4 on insert.
 * A prefix with host bits set ("10.0.0.1/8") is rejected rather than
 * silently normalised: it is almost always a typo for another route.
 */
import { Address4 } from 'ip-address';
import { uint32ToIpv4 } from '../../codecs/address.js';
import { MAX_RECORD_HOP, PrefixRecords } from './prefix-records.js';

const GROUP = 0x80000000 | 0;
const LOW24 = 0xffffff;
const DEPTH_SHIFT = 24;
const DEPTH_BITS = 0x3f;
const GROUP_SIZE = 256;
/** Group numbers shift left by 8 on lookup and must stay positive int32. */
const MAX_GROUPS = 1 << 23;
export const MAX_NEXT_HOP = MAX_RECORD_HOP;
/** While load() counts groups: a first-level entry that will become a group. */
const WILL_BE_GROUP = 1 << 30;
/** Prefixes this long or shorter live in the short table; the top this many bits pick a chunk. */
const SHORT_MAX = 12;
const CHUNKS = 1 << SHORT_MAX;
const CHUNK_SHIFT = 32 - SHORT_MAX;
/** First-level entries per chunk: the /24s of one /12. */
const CHUNK_SIZE = 1 << (24 - SHORT_MAX);
const IN_CHUNK = CHUNK_SIZE - 1;
/** Chunks in use at which the first level goes flat, by default. */
const FLAT_AT = CHUNKS / 4;

export interface Prefix {
  /** The network address as an unsigned 32-bit number, host bits zero. */
  readonly network: number;
  readonly length: number;
}

export interface Route extends Prefix {
  /** "52.94.133.0/24" */
  readonly prefix: string;
  readonly nextHop: number;
}

export interface FibOptions {
  /** Prefixes expected, to size the record table once rather than grow it. */
  readonly expectedSize?: number;
  /** Chunks in use (one per /12 holding a prefix longer than /12) at which the first level goes flat; default 1,024. */
  readonly flatAt?: number;
}

/** The netmask of a prefix length as an unsigned 32-bit number. */
export function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function formatPrefix(network: number, length: number): string {
  return `${uint32ToIpv4(network)}/${length}`;
}

/** "52.94.133.0/24" (or a bare address, taken as /32) to network and length. */
export function parsePrefix(text: string): Prefix {
  let parsed: Address4;
  try {
    parsed = new Address4(text);
  } catch (error) {
    throw new TypeError(`invalid IPv4 prefix ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
  const length = parsed.subnetMask;
  const address = Number(parsed.bigInt()) >>> 0;
  const network = (address & maskOf(length)) >>> 0;
  if (network !== address) {
    throw new TypeError(`IPv4 prefix ${JSON.stringify(text)} has host bits set; did you mean ${formatPrefix(network, length)}?`);
  }
  return { network, length };
}

function entryOf(length: number, nextHop: number): number {
  return (length << DEPTH_SHIFT) | (nextHop + 1);
}

function depthOf(entry: number): number {
  return (entry >>> DEPTH_SHIFT) & DEPTH_BITS;
}

export class Fib {
  /** The chunk pool; chunk 0, at offset 0, is never written. */
  private tbl24 = new Int32Array(CHUNK_SIZE);
  private chunksAllocated = 1;
  private readonly freeChunks: number[] = [];
  /** Per /12: the offset of its chunk in tbl24, or 0. */
  private readonly chunkAt = new Int32Array(CHUNKS);
  /** Per /12: the live prefixes longer than SHORT_MAX inside it; its chunk goes back to the pool at 0. */
  private readonly longRoutes = new Int32Array(CHUNKS);
  /** Per /12: the best prefix of SHORT_MAX bits or fewer that covers it. */
  private readonly short = new Int32Array(CHUNKS);
  private tbl8 = new Int32Array(0);
  private groupsAllocated = 0;
  private readonly freeGroups: number[] = [];
  private readonly records: PrefixRecords;
  private readonly flatAt: number;
  /** Chunk c sits at (c + 1) * CHUNK_SIZE, for every c: the directory is the identity and lookups skip it. */
  private flat = false;

  constructor(options: FibOptions = {}) {
    this.records = new PrefixRecords(options.expectedSize ?? 0);
    this.flatAt = options.flatAt ?? FLAT_AT;
  }

  get size(): number {
    return this.records.size;
  }

  /** Second-level groups in use. */
  get groupsInUse(): number {
    return this.groupsAllocated - this.freeGroups.length;
  }

  /** The /12s that hold a prefix longer than /12, each of which needs a chunk. */
  get chunksInUse(): number {
    let used = 0;
    for (let c = 0; c < CHUNKS; c++) if (this.longRoutes[c] !== 0) used++;
    return used;
  }

  /** Whether the first level has gone flat. */
  get isFlat(): boolean {
    return this.flat;
  }

  /**
   * The flat lookup tables themselves, not copies, for running the same
   * lookups elsewhere (the benchmark's peer in C), or null while the first
   * level is still chunked. Entries are as the class comment describes; the
   * first level's entry for address a is at (a >>> 8) + 4,096, and group g's
   * entries start at g * 256 in the second level. Any insert or delete may
   * replace them.
   */
  flatTables(): { readonly firstLevel: Int32Array; readonly secondLevel: Int32Array } | null {
    return this.flat ? { firstLevel: this.tbl24, secondLevel: this.tbl8 } : null;
  }

  /** Bytes held by the lookup tables and the records. */
  get byteLength(): number {
    return (
      this.tbl24.byteLength +
      this.chunkAt.byteLength +
      this.longRoutes.byteLength +
      this.short.byteLength +
      this.tbl8.byteLength +
      this.records.byteLength
    );
  }

  /** Adds "a.b.c.d/len", or replaces its next hop; returns the replaced next hop or -1. */
  insert(prefix: string, nextHop: number): number {
    const { network, length } = parsePrefix(prefix);
    return this.insertPrefix(network, length, nextHop);
  }

  /** Removes "a.b.c.d/len"; false when it was not in the table. */
  delete(prefix: string): boolean {
    const { network, length } = parsePrefix(prefix);
    return this.deletePrefix(network, length);
  }

  insertPrefix(network: number, length: number, nextHop: number): number {
    checkPrefix(network, length);
    checkNextHop(nextHop);
    const replaced = this.records.set(network, length, nextHop);
    if (replaced < 0 && length > SHORT_MAX) this.longRoutes[network >>> CHUNK_SHIFT]++;
    this.paint(network, length, entryOf(length, nextHop));
    return replaced;
  }

  /**
   * Inserts prefixes [0, count) of the three arrays, with the same result as
   * insertPrefix() on each in turn (a prefix given twice keeps its last next
   * hop). Into an empty FIB, as at start-up, it paints by ascending length
   * with plain fills, since a longer prefix simply overwrites what shorter
   * ones wrote, and sizes the chunk pool and the second level once: for a
   * full table that is several times faster than one insert at a time, and
   * leaves no outgrown arrays behind. Every prefix is checked before
   * anything is written.
   */
  load(networks: ArrayLike<number>, lengths: ArrayLike<number>, nextHops: ArrayLike<number>, count = networks.length): void {
    for (let k = 0; k < count; k++) {
      checkPrefix(networks[k], lengths[k]);
      checkNextHop(nextHops[k]);
    }
    // An empty FIB that is not flat holds no chunks and an all-zero short
    // table: deletes give every entry back.
    if (this.records.size !== 0 || this.flat) {
      for (let k = 0; k < count; k++) this.insertPrefix(networks[k], lengths[k], nextHops[k]);
      return;
    }
    this.records.setMany(networks, lengths, nextHops, count);
    // Ascending length, so that longer prefixes overwrite; given order within a length.
    const order = orderByLength(lengths, count);
    const short = this.short;
    let k = 0;
    for (; k < count && lengths[order[k]] <= SHORT_MAX; k++) {
      const i = order[k];
      const first = networks[i] >>> CHUNK_SHIFT;
      paintRange(short, first, first + (1 << (SHORT_MAX - lengths[i])), entryOf(lengths[i], nextHops[i]));
    }
    this.countLongRoutes(networks, count, order, k);
    const tbl24 = this.tbl24;
    let at = k;
    for (; at < count && lengths[order[at]] <= 24; at++) {
      const i = order[at];
      const length = lengths[i];
      const first = this.chunkFor(networks[i] >>> CHUNK_SHIFT) | ((networks[i] >>> 8) & IN_CHUNK);
      paintRange(tbl24, first, first + (1 << (24 - length)), entryOf(length, nextHops[i]));
    }
    let groups = 0;
    for (let j = at; j < count; j++) {
      const network = networks[order[j]];
      const i = this.chunkFor(network >>> CHUNK_SHIFT) | ((network >>> 8) & IN_CHUNK);
      const e = tbl24[i];
      if (e >= 0 && (e & WILL_BE_GROUP) === 0) {
        tbl24[i] = e | WILL_BE_GROUP;
        groups++;
      }
    }
    this.reserveGroups(groups);
    for (; at < count; at++) {
      const i = order[at];
      const network = networks[i];
      const length = lengths[i];
      const slot = this.chunkAt[network >>> CHUNK_SHIFT] | ((network >>> 8) & IN_CHUNK);
      let e = tbl24[slot];
      if (e >= 0) {
        e = GROUP | this.allocateGroup(e & ~WILL_BE_GROUP);
        tbl24[slot] = e;
      }
      const start = (e & LOW24) * GROUP_SIZE + (network & 0xff);
      paintRange(this.tbl8, start, start + (1 << (32 - length)), entryOf(length, nextHops[i]));
    }
  }

  deletePrefix(network: number, length: number): boolean {
    checkPrefix(network, length);
    if (this.records.delete(network, length) < 0) return false;
    // What the addresses this prefix won fall back to: the next-shorter live
    // prefix that covers it, or no route.
    let fallback = 0;
    for (let l = length - 1; l >= 0; l--) {
      const hop = this.records.get((network & maskOf(l)) >>> 0, l);
      if (hop >= 0) {
        fallback = entryOf(l, hop);
        break;
      }
    }
    this.unpaint(network, length, fallback);
    if (length > SHORT_MAX) {
      const c = network >>> CHUNK_SHIFT;
      if (--this.longRoutes[c] === 0) this.releaseChunk(c);
    }
    return true;
  }

  /** The next hop for a destination address, or -1 when no prefix matches. */
  lookup(address: number): number {
    let e: number;
    if (this.flat) e = this.tbl24[(address >>> 8) + CHUNK_SIZE];
    else {
      e = this.tbl24[this.chunkAt[address >>> CHUNK_SHIFT] | ((address >>> 8) & IN_CHUNK)];
      if (e === 0) e = this.short[address >>> CHUNK_SHIFT];
    }
    if (e < 0) e = this.tbl8[((e & LOW24) << 8) | (address & 0xff)];
    return (e & LOW24) - 1;
  }

  /**
   * lookup() for addresses[0, count) into out; the router's second pass over
   * a batch. Addresses may be stored signed: only their bits are read.
   */
  lookupBatch(addresses: Int32Array | Uint32Array, out: Int32Array, count: number): void {
    if (this.flat) lookupFlat(this.tbl24, this.tbl8, addresses, out, count);
    else lookupChunked(this.tbl24, this.tbl8, this.chunkAt, this.short, addresses, out, count);
  }

  /** Every prefix that matches the address, longest (the winner) first. */
  explain(address: number | string): Route[] {
    const a = typeof address === 'string' ? parsePrefix(address).network : address >>> 0;
    const out: Route[] = [];
    for (let length = 32; length >= 0; length--) {
      const network = (a & maskOf(length)) >>> 0;
      const nextHop = this.records.get(network, length);
      if (nextHop >= 0) out.push({ prefix: formatPrefix(network, length), network, length, nextHop });
    }
    return out;
  }

  /** The live prefixes, by network then length. */
  routes(): Route[] {
    const out: Route[] = [];
    this.records.forEach((network, length, nextHop) => out.push({ prefix: formatPrefix(network, length), network, length, nextHop }));
    return out.sort((x, y) => x.network - y.network || x.length - y.length);
  }

  /** Writes `entry` over every address of the prefix not won by a longer prefix. */
  private paint(network: number, length: number, entry: number): void {
    if (length <= SHORT_MAX) {
      const short = this.short;
      const first = network >>> CHUNK_SHIFT;
      const end = first + (1 << (SHORT_MAX - length));
      for (let c = first; c < end; c++) {
        if (depthOf(short[c]) <= length) short[c] = entry;
        const base = this.chunkAt[c];
        if (base !== 0) this.paintFirst(base, CHUNK_SIZE, entry, length);
      }
      return;
    }
    const i = this.chunkFor(network >>> CHUNK_SHIFT) | ((network >>> 8) & IN_CHUNK);
    if (length <= 24) {
      this.paintFirst(i, 1 << (24 - length), entry, length);
      return;
    }
    let e = this.tbl24[i];
    if (e >= 0) {
      e = GROUP | this.allocateGroup(e);
      this.tbl24[i] = e;
    }
    this.paintGroup((e & LOW24) * GROUP_SIZE + (network & 0xff), 1 << (32 - length), entry, length);
  }

  private paintFirst(start: number, count: number, entry: number, depth: number): void {
    const tbl24 = this.tbl24;
    for (let i = start; i < start + count; i++) {
      const e = tbl24[i];
      if (e < 0) this.paintGroup((e & LOW24) * GROUP_SIZE, GROUP_SIZE, entry, depth);
      else if (depthOf(e) <= depth) tbl24[i] = entry;
    }
  }

  private paintGroup(start: number, count: number, entry: number, depth: number): void {
    const tbl8 = this.tbl8;
    for (let j = start; j < start + count; j++) if (depthOf(tbl8[j]) <= depth) tbl8[j] = entry;
  }

  /** Gives the addresses the deleted prefix won (those at its depth) to `fallback`. */
  private unpaint(network: number, length: number, fallback: number): void {
    if (length <= SHORT_MAX) {
      const short = this.short;
      const first = network >>> CHUNK_SHIFT;
      const end = first + (1 << (SHORT_MAX - length));
      for (let c = first; c < end; c++) {
        if (depthOf(short[c]) === length) short[c] = fallback;
        const base = this.chunkAt[c];
        if (base !== 0) this.unpaintFirst(base, CHUNK_SIZE, length, fallback);
      }
      return;
    }
    const i = this.chunkAt[network >>> CHUNK_SHIFT] | ((network >>> 8) & IN_CHUNK);
    if (length <= 24) {
      this.unpaintFirst(i, 1 << (24 - length), length, fallback);
      return;
    }
    const base = (this.tbl24[i] & LOW24) * GROUP_SIZE;
    this.unpaintGroup(base + (network & 0xff), 1 << (32 - length), length, fallback);
    this.collapseIfPlain(i, base);
  }

  private unpaintFirst(start: number, count: number, depth: number, fallback: number): void {
    const tbl24 = this.tbl24;
    for (let i = start; i < start + count; i++) {
      const e = tbl24[i];
      if (e < 0) this.unpaintGroup((e & LOW24) * GROUP_SIZE, GROUP_SIZE, depth, fallback);
      else if (depthOf(e) === depth) tbl24[i] = fallback;
    }
  }

  private unpaintGroup(start: number, count: number, depth: number, fallback: number): void {
    const tbl8 = this.tbl8;
    for (let j = start; j < start + count; j++) if (depthOf(tbl8[j]) === depth) tbl8[j] = fallback;
  }

  /**
   * A group with no prefix longer than /24 left holds 256 copies of the
   * first-level answer (every shorter prefix covers the whole /24), so it
   * folds back into the first level and is freed for reuse.
   */
  private collapseIfPlain(index: number, base: number): void {
    const tbl8 = this.tbl8;
    for (let j = base; j < base + GROUP_SIZE; j++) if (depthOf(tbl8[j]) > 24) return;
    this.tbl24[index] = tbl8[base];
    this.freeGroups.push(base / GROUP_SIZE);
  }

  /** The offset of the /12's chunk, made on first use from what the short table says of it. */
  private chunkFor(c: number): number {
    let base = this.chunkAt[c];
    if (base !== 0) return base;
    if (this.chunksAllocated - this.freeChunks.length >= this.flatAt) {
      this.goFlat();
      return this.chunkAt[c];
    }
    let chunk = this.freeChunks.pop();
    if (chunk === undefined) {
      chunk = this.chunksAllocated++;
      if ((chunk + 1) * CHUNK_SIZE > this.tbl24.length) this.growChunks(Math.max(chunk + 1, Math.ceil((this.tbl24.length / CHUNK_SIZE) * 1.25)));
    }
    base = chunk * CHUNK_SIZE;
    this.tbl24.fill(this.short[c], base, base + CHUNK_SIZE);
    this.chunkAt[c] = base;
    return base;
  }

  /** A /12 left with no prefix longer than /12 answers from the short table alone. */
  private releaseChunk(c: number): void {
    if (this.flat) return;
    this.freeChunks.push(this.chunkAt[c] / CHUNK_SIZE);
    this.chunkAt[c] = 0;
  }

  /**
   * Counts load()'s prefixes longer than SHORT_MAX (order[from..]) per /12,
   * and grows the pool once for the chunks they need. A prefix given twice
   * is one route: then the records, which keep each once, are counted.
   */
  private countLongRoutes(networks: ArrayLike<number>, count: number, order: Int32Array, from: number): void {
    const longRoutes = this.longRoutes;
    let chunks = 0;
    for (let k = from; k < count; k++) if (longRoutes[networks[order[k]] >>> CHUNK_SHIFT]++ === 0) chunks++;
    if (this.records.size !== count) {
      longRoutes.fill(0);
      this.records.forEach((network, length) => {
        if (length > SHORT_MAX) longRoutes[network >>> CHUNK_SHIFT]++;
      });
    }
    if (this.flat) return;
    if (chunks >= this.flatAt) {
      this.goFlat();
      return;
    }
    const needed = this.chunksAllocated + chunks;
    if (needed * CHUNK_SIZE > this.tbl24.length) this.growChunks(needed);
  }

  /** Every /12 gets its chunk, in address order after the zero chunk; those it lacked answer from the short table. */
  private goFlat(): void {
    const old = this.tbl24;
    const pool = new Int32Array((CHUNKS + 1) * CHUNK_SIZE);
    for (let c = 0; c < CHUNKS; c++) {
      const base = this.chunkAt[c];
      const at = (c + 1) * CHUNK_SIZE;
      if (base !== 0) pool.set(old.subarray(base, base + CHUNK_SIZE), at);
      else if (this.short[c] !== 0) pool.fill(this.short[c], at, at + CHUNK_SIZE);
      this.chunkAt[c] = at;
    }
    this.tbl24 = pool;
    this.chunksAllocated = CHUNKS + 1;
    this.freeChunks.length = 0;
    this.flat = true;
  }

  private growChunks(chunks: number): void {
    const bigger = new Int32Array(chunks * CHUNK_SIZE);
    bigger.set(this.tbl24);
    this.tbl24 = bigger;
  }

  private allocateGroup(fill: number): number {
    let group = this.freeGroups.pop();
    if (group === undefined) {
      if (this.groupsAllocated === MAX_GROUPS) throw new RangeError('FIB: out of second-level groups');
      group = this.groupsAllocated++;
      // Grow by a quarter, not double: a real table's 40k groups are 40 MiB
      // and doubling would strand up to as much again.
      if ((group + 1) * GROUP_SIZE > this.tbl8.length) this.growGroups(Math.max(group + 1, Math.ceil((this.tbl8.length / GROUP_SIZE) * 1.25)));
    }
    this.tbl8.fill(fill, group * GROUP_SIZE, (group + 1) * GROUP_SIZE);
    return group;
  }

  /** Room for `more` groups beyond those in use, in one step. */
  private reserveGroups(more: number): void {
    const needed = this.groupsAllocated + Math.max(0, more - this.freeGroups.length);
    if (needed > MAX_GROUPS) throw new RangeError('FIB: out of second-level groups');
    if (needed * GROUP_SIZE > this.tbl8.length) this.growGroups(needed);
  }

  private growGroups(groups: number): void {
    const bigger = new Int32Array(groups * GROUP_SIZE);
    bigger.set(this.tbl8);
    this.tbl8 = bigger;
  }
}

/**
 * The batch loops live outside the class, taking the tables as arguments.
 * A random lookup in a full table is a cache and TLB miss, so what counts is
 * how many misses are in flight at once: four addresses a round put four
 * independent first-level loads close together, which measured 1.2 to 1.9
 * times the rate of one address a round. A round that meets a second-level
 * group (rare: they hold only prefixes longer than /24) resolves it there.
 */
function lookupFlat(tbl24: Int32Array, tbl8: Int32Array, addresses: Int32Array | Uint32Array, out: Int32Array, count: number): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const a0 = addresses[i];
    const a1 = addresses[i + 1];
    const a2 = addresses[i + 2];
    const a3 = addresses[i + 3];
    let e0 = tbl24[(a0 >>> 8) + CHUNK_SIZE];
    let e1 = tbl24[(a1 >>> 8) + CHUNK_SIZE];
    let e2 = tbl24[(a2 >>> 8) + CHUNK_SIZE];
    let e3 = tbl24[(a3 >>> 8) + CHUNK_SIZE];
    if ((e0 | e1 | e2 | e3) < 0) {
      if (e0 < 0) e0 = tbl8[((e0 & LOW24) << 8) | (a0 & 0xff)];
      if (e1 < 0) e1 = tbl8[((e1 & LOW24) << 8) | (a1 & 0xff)];
      if (e2 < 0) e2 = tbl8[((e2 & LOW24) << 8) | (a2 & 0xff)];
      if (e3 < 0) e3 = tbl8[((e3 & LOW24) << 8) | (a3 & 0xff)];
    }
    out[i] = (e0 & LOW24) - 1;
    out[i + 1] = (e1 & LOW24) - 1;
    out[i + 2] = (e2 & LOW24) - 1;
    out[i + 3] = (e3 & LOW24) - 1;
  }
  for (; i < count; i++) {
    const a = addresses[i];
    let e = tbl24[(a >>> 8) + CHUNK_SIZE];
    if (e < 0) e = tbl8[((e & LOW24) << 8) | (a & 0xff)];
    out[i] = (e & LOW24) - 1;
  }
}

function lookupChunked(
  tbl24: Int32Array,
  tbl8: Int32Array,
  chunkAt: Int32Array,
  short: Int32Array,
  addresses: Int32Array | Uint32Array,
  out: Int32Array,
  count: number,
): void {
  for (let i = 0; i < count; i++) {
    const a = addresses[i];
    let e = tbl24[chunkAt[a >>> CHUNK_SHIFT] | ((a >>> 8) & IN_CHUNK)];
    if (e < 0) e = tbl8[((e & LOW24) << 8) | (a & 0xff)];
    else if (e === 0) e = short[a >>> CHUNK_SHIFT];
    out[i] = (e & LOW24) - 1;
  }
}

/** Indices 0..count-1 by ascending length, in given order within a length (a counting sort). */
function orderByLength(lengths: ArrayLike<number>, count: number): Int32Array {
  const starts = new Int32Array(34);
  for (let k = 0; k < count; k++) starts[lengths[k] + 1]++;
  for (let l = 0; l < 33; l++) starts[l + 1] += starts[l];
  const order = new Int32Array(count);
  for (let k = 0; k < count; k++) order[starts[lengths[k]]++] = k;
  return order;
}

/** Plain stores for short runs: most prefixes are /24s, and a fill() call costs more than the one store it makes. */
function paintRange(table: Int32Array, start: number, end: number, entry: number): void {
  if (end - start > 16) table.fill(entry, start, end);
  else for (let i = start; i < end; i++) table[i] = entry;
}

function checkNextHop(nextHop: number): void {
  if (!Number.isInteger(nextHop) || nextHop < 0 || nextHop > MAX_NEXT_HOP) {
    throw new RangeError(`next hop ${nextHop} is outside 0..${MAX_NEXT_HOP}`);
  }
}

function checkPrefix(network: number, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > 32) throw new RangeError(`prefix length ${length} is outside 0..32`);
  if (!Number.isInteger(network) || network < 0 || network > 0xffffffff) throw new RangeError(`network ${network} is not a 32-bit address`);
  if (((network & maskOf(length)) >>> 0) !== network) {
    throw new TypeError(`prefix ${formatPrefix(network, length)} has host bits set`);
  }
}
