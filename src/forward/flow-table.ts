/**
 * An open-addressing hash table from a fixed four-part key to an entry id,
 * kept in typed arrays so that a lookup or insert allocates nothing. The key
 * is two 32-bit words (addresses), one 32-bit word (two ports packed) and a
 * protocol byte: every NAT and ARP key fits that shape.
 *
 * Linear probing with backward-shift deletion: a removal pulls later members
 * of the probe run back into the hole, so no tombstones pile up under churn
 * and a lookup never walks further than the longest live run.
 */
export class FlowTable {
  readonly slots: number;
  private readonly mask: number;
  private readonly keyA: Uint32Array;
  private readonly keyB: Uint32Array;
  private readonly keyC: Uint32Array;
  private readonly keyD: Uint8Array;
  /** The entry id in each slot, or -1 when the slot is empty. */
  private readonly value: Int32Array;
  private count = 0;

  /** `capacity` entries at most; the slot array is twice that (rounded to a power of two) so probe runs stay short. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`FlowTable capacity must be a positive integer, not ${capacity}`);
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.slots = slots;
    this.mask = slots - 1;
    this.keyA = new Uint32Array(slots);
    this.keyB = new Uint32Array(slots);
    this.keyC = new Uint32Array(slots);
    this.keyD = new Uint8Array(slots);
    this.value = new Int32Array(slots).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  /** The entry id stored under the key, or -1. */
  get(a: number, b: number, c: number, d: number): number {
    const mask = this.mask;
    const value = this.value;
    let i = hashKey(a, b, c, d) & mask;
    for (;;) {
      const v = value[i];
      if (v < 0) return -1;
      if (this.keyA[i] === a >>> 0 && this.keyB[i] === b >>> 0 && this.keyC[i] === c >>> 0 && this.keyD[i] === d) return v;
      i = (i + 1) & mask;
    }
  }

  /**
   * Stores `id` under the key, replacing an existing value. Returns false
   * when the table already holds `capacity` entries.
   */
  set(a: number, b: number, c: number, d: number, id: number): boolean {
    const mask = this.mask;
    const value = this.value;
    let i = hashKey(a, b, c, d) & mask;
    for (;;) {
      if (value[i] < 0) break;
      if (this.keyA[i] === a >>> 0 && this.keyB[i] === b >>> 0 && this.keyC[i] === c >>> 0 && this.keyD[i] === d) {
        value[i] = id;
        return true;
      }
      i = (i + 1) & mask;
    }
    if (this.count >= this.capacity) return false;
    this.keyA[i] = a;
    this.keyB[i] = b;
    this.keyC[i] = c;
    this.keyD[i] = d;
    value[i] = id;
    this.count++;
    return true;
  }

  /** Removes the key; returns the id it held, or -1 when absent. */
  delete(a: number, b: number, c: number, d: number): number {
    const mask = this.mask;
    const value = this.value;
    let i = hashKey(a, b, c, d) & mask;
    for (;;) {
      const v = value[i];
      if (v < 0) return -1;
      if (this.keyA[i] === a >>> 0 && this.keyB[i] === b >>> 0 && this.keyC[i] === c >>> 0 && this.keyD[i] === d) break;
      i = (i + 1) & mask;
    }
    const removed = value[i];
    // Backward shift: walk the run after the hole and move back every member
    // whose home slot does not lie cyclically in (hole, j].
    let hole = i;
    let j = (i + 1) & mask;
    while (value[j] >= 0) {
      const home = hashKey(this.keyA[j], this.keyB[j], this.keyC[j], this.keyD[j]) & mask;
      const homeInRange = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!homeInRange) {
        this.keyA[hole] = this.keyA[j];
        this.keyB[hole] = this.keyB[j];
        this.keyC[hole] = this.keyC[j];
        this.keyD[hole] = this.keyD[j];
        value[hole] = value[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    value[hole] = -1;
    this.count--;
    return removed;
  }

  clear(): void {
    this.value.fill(-1);
    this.count = 0;
  }
}

/** A cheap multiply-xorshift mix of the key words; good enough spread for sequential ports and addresses. */
export function hashKey(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ c, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ d, 0x27d4eb2f);
  return h ^ (h >>> 15);
}
