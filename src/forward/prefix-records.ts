/**
 * The FIB's ground truth: every live prefix (network, length) and its next
 * hop, in an open-addressing hash of typed arrays. The lookup tables are
 * derived from it; inserts and deletes consult it to find what a prefix
 * covers or is covered by. Lookups never touch it.
 *
 * Linear probing with backward-shift deletion, so there are no tombstones
 * and a long run of inserts and deletes keeps probe lengths short. A Map
 * keyed by number would box the many keys above 2^30 and cost several times
 * the memory for a million prefixes; here each is 8 bytes.
 */

/** A slot's second word: (length + 1) << 24 | (next hop + 1); 0 marks an empty slot. */
const EMPTY = 0;
const LENGTH_SHIFT = 24;
const HOP_MASK = 0xffffff;
/** Next hops fit the 24 bits the FIB's own entries give them. */
export const MAX_RECORD_HOP = HOP_MASK - 1;
const INITIAL_CAPACITY = 16;
/** Linear probing stays short up to three quarters full; a million prefixes then take 16 MiB, not 32. */
const MAX_LOAD = 0.75;
/** Prefixes whose home slots setMany() reads before setting them. */
const READ_AHEAD = 32;

export class PrefixRecords {
  /**
   * Two words a slot, network then meta, side by side so a probe reads one
   * cache line: a build of a million prefixes is bound by these misses.
   */
  private slots: Uint32Array;
  private mask: number;
  private used = 0;
  /** What setMany()'s read-ahead saw, kept so the reads are not optimised away. */
  private readAhead = 0;

  constructor(expected = 0) {
    let capacity = INITIAL_CAPACITY;
    while (capacity * MAX_LOAD < expected) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.used;
  }

  /** The next hop of network/length, or -1 when that prefix is not live. */
  get(network: number, length: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const tag = (length + 1) << LENGTH_SHIFT;
    for (let i = slotOf(network, length) & mask; ; i = (i + 1) & mask) {
      const meta = slots[2 * i + 1];
      if (meta === EMPTY) return -1;
      if ((meta & ~HOP_MASK) === tag && slots[2 * i] === network) return (meta & HOP_MASK) - 1;
    }
  }

  /** Sets the next hop (0..MAX_RECORD_HOP); returns the one it replaced, or -1 for a new prefix. */
  set(network: number, length: number, nextHop: number): number {
    if (this.used + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    const slots = this.slots;
    const mask = this.mask;
    const tag = (length + 1) << LENGTH_SHIFT;
    let i = slotOf(network, length) & mask;
    for (; ; i = (i + 1) & mask) {
      const meta = slots[2 * i + 1];
      if (meta === EMPTY) break;
      if ((meta & ~HOP_MASK) === tag && slots[2 * i] === network) {
        slots[2 * i + 1] = tag | (nextHop + 1);
        return (meta & HOP_MASK) - 1;
      }
    }
    slots[2 * i] = network;
    slots[2 * i + 1] = tag | (nextHop + 1);
    this.used++;
    return -1;
  }

  /**
   * set() for entries [0, count) of the arrays, in order. A run of
   * prefixes' home slots is read ahead before they are set: those reads do
   * not depend on each other, so their cache misses overlap instead of
   * coming one per prefix, which bound a million-prefix load.
   */
  setMany(networks: ArrayLike<number>, lengths: ArrayLike<number>, nextHops: ArrayLike<number>, count: number): void {
    let capacity = this.mask + 1;
    while (this.used + count > capacity * MAX_LOAD) capacity *= 2;
    if (capacity !== this.mask + 1) this.resize(capacity);
    const slots = this.slots;
    const mask = this.mask;
    let touched = 0;
    for (let run = 0; run < count; run += READ_AHEAD) {
      const end = Math.min(count, run + READ_AHEAD);
      for (let k = run; k < end; k++) touched ^= slots[2 * (slotOf(networks[k], lengths[k]) & mask) + 1];
      for (let k = run; k < end; k++) this.set(networks[k], lengths[k], nextHops[k]);
    }
    this.readAhead = touched;
  }

  /** Removes the prefix; returns its next hop, or -1 when it was not live. */
  delete(network: number, length: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const tag = (length + 1) << LENGTH_SHIFT;
    let i = slotOf(network, length) & mask;
    for (; ; i = (i + 1) & mask) {
      const meta = slots[2 * i + 1];
      if (meta === EMPTY) return -1;
      if ((meta & ~HOP_MASK) === tag && slots[2 * i] === network) break;
    }
    const old = (slots[2 * i + 1] & HOP_MASK) - 1;
    // Backward shift: pull later members of the probe run into the hole when
    // their home slot does not lie cyclically in (hole, j].
    let hole = i;
    for (let j = (i + 1) & mask; slots[2 * j + 1] !== EMPTY; j = (j + 1) & mask) {
      const home = slotOf(slots[2 * j], (slots[2 * j + 1] >>> LENGTH_SHIFT) - 1) & mask;
      const fromHole = (j - hole) & mask;
      const fromHome = (j - home) & mask;
      if (fromHome >= fromHole) {
        slots[2 * hole] = slots[2 * j];
        slots[2 * hole + 1] = slots[2 * j + 1];
        hole = j;
      }
    }
    slots[2 * hole + 1] = EMPTY;
    this.used--;
    return old;
  }

  /** Calls back for every live prefix, in no particular order. */
  forEach(visit: (network: number, length: number, nextHop: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i <= this.mask; i++) {
      const meta = slots[2 * i + 1];
      if (meta !== EMPTY) visit(slots[2 * i], (meta >>> LENGTH_SHIFT) - 1, (meta & HOP_MASK) - 1);
    }
  }

  clear(): void {
    this.slots.fill(EMPTY);
    this.used = 0;
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return this.slots.byteLength;
  }

  private grow(): void {
    this.resize((this.mask + 1) * 2);
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
    this.used = 0;
    for (let i = 1; i < old.length; i += 2) if (old[i] !== EMPTY) this.set(old[i - 1], (old[i] >>> LENGTH_SHIFT) - 1, (old[i] & HOP_MASK) - 1);
  }
}

function slotOf(network: number, length: number): number {
  let h = Math.imul(network ^ Math.imul(length + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 13);
}
