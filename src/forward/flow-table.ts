/**
 * An open-addressing hash table from a fixed four-part key to an entry id,
 * kept in typed arrays so that a lookup or insert allocates nothing. The key
 * is two 32-bit words (addresses), one 32-bit word (two ports packed) and a
 * protocol byte: every NAT and ARP key fits that shape.
 *
 * Linear probing with backward-shift deletion: a removal pulls later members
 * of the probe run back into the hole, so no tombstones pile up under churn
 * and a lookup never walks further than the longest live run.
 *
 * The slot array starts small and doubles whenever it would pass half full,
 * up to twice the capacity: the slots a lookup can land on then span as
 * little memory as the live entries need, so a few thousand flows stay in
 * the CPU's caches however large a capacity was asked for.
 */
export class FlowTable {
  private readonly maxSlots: number;
  private mask: number;
  /**
   * Four words a slot (signed, so that addresses stay small integers in
   * V8 and are never boxed), side by side so that one probe touches one cache
   * line: the three key words, then the protocol byte in the top 8 bits over
   * the entry id plus one (0 marks an empty slot).
   */
  private words: Int32Array;
  private count = 0;

  /** `capacity` entries at most (below 2^24); the slot array grows to twice that, rounded to a power of two, so probe runs stay short. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity >= ID_LIMIT) {
      throw new RangeError(`FlowTable capacity must be an integer from 1 to ${ID_LIMIT - 1}, not ${capacity}`);
    }
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.maxSlots = slots;
    const first = Math.min(slots, FIRST_SLOTS);
    this.mask = first - 1;
    this.words = new Int32Array(first * 4);
  }

  get size(): number {
    return this.count;
  }

  /** Slots in the table now. */
  get slots(): number {
    return this.mask + 1;
  }

  /** The entry id stored under the key, or -1. */
  get(a: number, b: number, c: number, d: number): number {
    return this.getFrom(hashKey(a | 0, b | 0, c | 0, d) & this.mask, a, b, c, d);
  }

  /**
   * The slot where a key's probe starts. home(), firstTag() and getFrom()
   * split get() so that a batch can compute every home slot, then read every
   * first tag (a tight loop whose cache misses overlap), then finish each
   * probe from lines already brought in. What they give holds until the
   * table next changes.
   */
  home(a: number, b: number, c: number, d: number): number {
    return hashKey(a | 0, b | 0, c | 0, d) & this.mask;
  }

  /** The tag word of a home slot: 0 when it is empty, and so the key absent. */
  firstTag(home: number): number {
    return this.words[(home << 2) + 3];
  }

  /** get() with its probe starting at `home`, as home() gave it for the same key. */
  getFrom(home: number, a: number, b: number, c: number, d: number): number {
    a |= 0;
    b |= 0;
    c |= 0;
    const w = this.words;
    const mask = this.mask;
    let i = home;
    for (;;) {
      const at = i << 2;
      const last = w[at + 3];
      if (last === 0) return -1;
      if (last >>> 24 === d && w[at] === a && w[at + 1] === b && w[at + 2] === c) return (last & ID_MASK) - 1;
      i = (i + 1) & mask;
    }
  }

  /**
   * Stores `id` (0 to capacity - 1 or more, below 2^24 - 1) under the key,
   * replacing an existing value. Returns false when the table already holds
   * `capacity` entries.
   */
  set(a: number, b: number, c: number, d: number, id: number): boolean {
    a |= 0;
    b |= 0;
    c |= 0;
    const w = this.words;
    const mask = this.mask;
    const tag = d << 24;
    let i = hashKey(a, b, c, d) & mask;
    for (;;) {
      const at = i << 2;
      const last = w[at + 3];
      if (last === 0) break;
      if (last >>> 24 === d && w[at] === a && w[at + 1] === b && w[at + 2] === c) {
        w[at + 3] = tag | (id + 1);
        return true;
      }
      i = (i + 1) & mask;
    }
    if (this.count >= this.capacity) return false;
    if ((this.count + 1) * 2 > this.mask + 1 && this.mask + 1 < this.maxSlots) {
      this.grow();
      return this.set(a, b, c, d, id);
    }
    const at = i << 2;
    w[at] = a;
    w[at + 1] = b;
    w[at + 2] = c;
    w[at + 3] = tag | (id + 1);
    this.count++;
    return true;
  }

  /** Removes the key; returns the id it held, or -1 when absent. */
  delete(a: number, b: number, c: number, d: number): number {
    a |= 0;
    b |= 0;
    c |= 0;
    const w = this.words;
    const mask = this.mask;
    let i = hashKey(a, b, c, d) & mask;
    for (;;) {
      const at = i << 2;
      const last = w[at + 3];
      if (last === 0) return -1;
      if (last >>> 24 === d && w[at] === a && w[at + 1] === b && w[at + 2] === c) break;
      i = (i + 1) & mask;
    }
    const removed = (w[(i << 2) + 3] & ID_MASK) - 1;
    // Backward shift: walk the run after the hole and move back every member
    // whose home slot does not lie cyclically in (hole, j].
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const at = j << 2;
      const last = w[at + 3];
      if (last === 0) break;
      const home = hashKey(w[at], w[at + 1], w[at + 2], last >>> 24) & mask;
      const homeInRange = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!homeInRange) {
        w.copyWithin(hole << 2, at, at + 4);
        hole = j;
      }
      j = (j + 1) & mask;
    }
    w[(hole << 2) + 3] = 0;
    this.count--;
    return removed;
  }

  clear(): void {
    this.words.fill(0);
    this.count = 0;
  }

  /** Doubles the slot array and puts every entry back at its place in the new one. */
  private grow(): void {
    const old = this.words;
    const slots = (this.mask + 1) * 2;
    const w = new Int32Array(slots * 4);
    const mask = slots - 1;
    for (let at = 0; at < old.length; at += 4) {
      const last = old[at + 3];
      if (last === 0) continue;
      let i = hashKey(old[at], old[at + 1], old[at + 2], last >>> 24) & mask;
      while (w[(i << 2) + 3] !== 0) i = (i + 1) & mask;
      const to = i << 2;
      w[to] = old[at];
      w[to + 1] = old[at + 1];
      w[to + 2] = old[at + 2];
      w[to + 3] = last;
    }
    this.words = w;
    this.mask = mask;
  }
}

/** Slots a table starts with: four cache lines. */
const FIRST_SLOTS = 16;

const ID_MASK = 0x00ffffff;
const ID_LIMIT = 0x00ffffff;

/** A cheap multiply-xorshift mix of the key words; good enough spread for sequential ports and addresses. */
export function hashKey(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ c, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ d, 0x27d4eb2f);
  return h ^ (h >>> 15);
}
