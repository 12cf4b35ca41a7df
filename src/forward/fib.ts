/**
 * The IPv4 forwarding table: longest-prefix match in DIR-24-8 form (Gupta,
 * Lin and McKeown, "Routing Lookups in Hardware at Memory Access Speeds").
 * A 2^24-entry first level indexed by the top 24 bits of the address answers
 * every prefix up to /24 in one read; an entry may instead point at a group
 * of 256 second-level entries, indexed by the last byte, for /25 to /32.
 *
 * Each entry is one int32:
 *   bit 31       the entry points at a second-level group (first level only)
 *   bits 24..29  the length of the prefix that wrote it (0..32)
 *   bits 0..23   next hop + 1 (0: no route), or the group number
 * so a lookup is one read, or two, and a mask. The lengths let inserts and
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
  private readonly tbl24 = new Int32Array(1 << 24);
  private tbl8 = new Int32Array(64 * GROUP_SIZE);
  private groupsAllocated = 0;
  private readonly freeGroups: number[] = [];
  private readonly records: PrefixRecords;

  constructor(options: FibOptions = {}) {
    this.records = new PrefixRecords(options.expectedSize ?? 0);
  }

  get size(): number {
    return this.records.size;
  }

  /** Second-level groups in use. */
  get groupsInUse(): number {
    return this.groupsAllocated - this.freeGroups.length;
  }

  /** Bytes held by the lookup tables and the records. */
  get byteLength(): number {
    return this.tbl24.byteLength + this.tbl8.byteLength + this.records.byteLength;
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
    this.paint(network, length, entryOf(length, nextHop), length);
    return replaced;
  }

  /**
   * Inserts prefixes [0, count) of the three arrays, with the same result as
   * insertPrefix() on each in turn (a prefix given twice keeps its last next
   * hop). Into an empty FIB, as at start-up, it paints by ascending length
   * with plain fills, since a longer prefix simply overwrites what shorter
   * ones wrote, and sizes the second level once: for a full table that is
   * several times faster than one insert at a time, and leaves no outgrown
   * arrays behind. Every prefix is checked before anything is written.
   */
  load(networks: ArrayLike<number>, lengths: ArrayLike<number>, nextHops: ArrayLike<number>, count = networks.length): void {
    for (let k = 0; k < count; k++) {
      checkPrefix(networks[k], lengths[k]);
      checkNextHop(nextHops[k]);
    }
    // An empty FIB's first level is all zero: deletes give every entry back.
    if (this.records.size !== 0) {
      for (let k = 0; k < count; k++) this.insertPrefix(networks[k], lengths[k], nextHops[k]);
      return;
    }
    this.records.setMany(networks, lengths, nextHops, count);
    // Ascending length, so that longer prefixes overwrite; given order within a length.
    const order = orderByLength(lengths, count);
    const tbl24 = this.tbl24;
    let k = 0;
    for (; k < count && lengths[order[k]] <= 24; k++) {
      const i = order[k];
      const length = lengths[i];
      const first = networks[i] >>> 8;
      paintRange(tbl24, first, first + (1 << (24 - length)), entryOf(length, nextHops[i]));
    }
    let groups = 0;
    for (let j = k; j < count; j++) {
      const i = networks[order[j]] >>> 8;
      const e = tbl24[i];
      if (e >= 0 && (e & WILL_BE_GROUP) === 0) {
        tbl24[i] = e | WILL_BE_GROUP;
        groups++;
      }
    }
    this.reserveGroups(groups);
    for (; k < count; k++) {
      const i = order[k];
      const network = networks[i];
      const length = lengths[i];
      let e = tbl24[network >>> 8];
      if (e >= 0) {
        e = GROUP | this.allocateGroup(e & ~WILL_BE_GROUP);
        tbl24[network >>> 8] = e;
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
    return true;
  }

  /** The next hop for a destination address, or -1 when no prefix matches. */
  lookup(address: number): number {
    let e = this.tbl24[address >>> 8];
    if (e < 0) e = this.tbl8[((e & LOW24) << 8) | (address & 0xff)];
    return (e & LOW24) - 1;
  }

  /** lookup() for addresses[0, count) into out; the router's first pass over a batch. */
  lookupBatch(addresses: Uint32Array, out: Int32Array, count: number): void {
    const tbl24 = this.tbl24;
    const tbl8 = this.tbl8;
    for (let i = 0; i < count; i++) {
      const a = addresses[i];
      let e = tbl24[a >>> 8];
      if (e < 0) e = tbl8[((e & LOW24) << 8) | (a & 0xff)];
      out[i] = (e & LOW24) - 1;
    }
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
  private paint(network: number, length: number, entry: number, depth: number): void {
    const tbl24 = this.tbl24;
    if (length <= 24) {
      const first = network >>> 8;
      const end = first + (1 << (24 - length));
      for (let i = first; i < end; i++) {
        const e = tbl24[i];
        if (e < 0) this.paintGroup((e & LOW24) * GROUP_SIZE, GROUP_SIZE, entry, depth);
        else if (depthOf(e) <= depth) tbl24[i] = entry;
      }
      return;
    }
    const i = network >>> 8;
    let e = tbl24[i];
    if (e >= 0) {
      const group = this.allocateGroup(e);
      e = GROUP | group;
      tbl24[i] = e;
    }
    this.paintGroup((e & LOW24) * GROUP_SIZE + (network & 0xff), 1 << (32 - length), entry, depth);
  }

  private paintGroup(start: number, count: number, entry: number, depth: number): void {
    const tbl8 = this.tbl8;
    for (let j = start; j < start + count; j++) if (depthOf(tbl8[j]) <= depth) tbl8[j] = entry;
  }

  /** Gives the addresses the deleted prefix won (those at its depth) to `fallback`. */
  private unpaint(network: number, length: number, fallback: number): void {
    const tbl24 = this.tbl24;
    if (length <= 24) {
      const first = network >>> 8;
      const end = first + (1 << (24 - length));
      for (let i = first; i < end; i++) {
        const e = tbl24[i];
        if (e < 0) this.unpaintGroup((e & LOW24) * GROUP_SIZE, GROUP_SIZE, length, fallback);
        else if (depthOf(e) === length) tbl24[i] = fallback;
      }
      return;
    }
    const i = network >>> 8;
    const e = tbl24[i];
    const base = (e & LOW24) * GROUP_SIZE;
    this.unpaintGroup(base + (network & 0xff), 1 << (32 - length), length, fallback);
    this.collapseIfPlain(i, base);
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

  private allocateGroup(fill: number): number {
    let group = this.freeGroups.pop();
    if (group === undefined) {
      if (this.groupsAllocated === MAX_GROUPS) throw new RangeError('FIB: out of second-level groups');
      group = this.groupsAllocated++;
      // Grow by a quarter, not double: a real table's 40k groups are 40 MiB
      // and doubling would strand up to as much again.
      if ((group + 1) * GROUP_SIZE > this.tbl8.length) this.growGroups(Math.ceil((this.tbl8.length / GROUP_SIZE) * 1.25));
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
