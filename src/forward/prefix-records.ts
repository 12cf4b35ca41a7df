/**
 * The FIB's ground truth: every live prefix (network, length) and its next
 * hop, in an open-addressing hash of typed arrays. The lookup tables are
 * derived from it; inserts and deletes consult it to find what a prefix
 * covers or is covered by. Lookups never touch it.
 *
 * Linear probing with backward-shift deletion, so there are no tombstones
 * and a long run of inserts and deletes keeps probe lengths short. A Map
 * keyed by number would box the many keys above 2^30 and cost several times
 * the memory for a million prefixes.
 */

const EMPTY = 0;
const INITIAL_CAPACITY = 1024;

export class PrefixRecords {
  private networks: Uint32Array;
  /** Length + 1, so that 0 marks an empty slot. */
  private lengths: Uint8Array;
  private hops: Int32Array;
  private mask: number;
  private used = 0;

  constructor(expected = 0) {
    let capacity = INITIAL_CAPACITY;
    while (capacity < expected * 2) capacity *= 2;
    this.networks = new Uint32Array(capacity);
    this.lengths = new Uint8Array(capacity);
    this.hops = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.used;
  }

  /** The next hop of network/length, or -1 when that prefix is not live. */
  get(network: number, length: number): number {
    const tag = length + 1;
    for (let i = slotOf(network, length) & this.mask; ; i = (i + 1) & this.mask) {
      const l = this.lengths[i];
      if (l === EMPTY) return -1;
      if (l === tag && this.networks[i] === network) return this.hops[i];
    }
  }

  /** Sets the next hop; returns the one it replaced, or -1 for a new prefix. */
  set(network: number, length: number, nextHop: number): number {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    const tag = length + 1;
    let i = slotOf(network, length) & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const l = this.lengths[i];
      if (l === EMPTY) break;
      if (l === tag && this.networks[i] === network) {
        const old = this.hops[i];
        this.hops[i] = nextHop;
        return old;
      }
    }
    this.networks[i] = network;
    this.lengths[i] = tag;
    this.hops[i] = nextHop;
    this.used++;
    return -1;
  }

  /** Removes the prefix; returns its next hop, or -1 when it was not live. */
  delete(network: number, length: number): number {
    const tag = length + 1;
    const mask = this.mask;
    let i = slotOf(network, length) & mask;
    for (; ; i = (i + 1) & mask) {
      const l = this.lengths[i];
      if (l === EMPTY) return -1;
      if (l === tag && this.networks[i] === network) break;
    }
    const old = this.hops[i];
    // Backward shift: pull later members of the probe run into the hole when
    // their home slot does not lie cyclically in (hole, j].
    let hole = i;
    for (let j = (i + 1) & mask; this.lengths[j] !== EMPTY; j = (j + 1) & mask) {
      const home = slotOf(this.networks[j], this.lengths[j] - 1) & mask;
      const fromHole = (j - hole) & mask;
      const fromHome = (j - home) & mask;
      if (fromHome >= fromHole) {
        this.networks[hole] = this.networks[j];
        this.lengths[hole] = this.lengths[j];
        this.hops[hole] = this.hops[j];
        hole = j;
      }
    }
    this.lengths[hole] = EMPTY;
    this.used--;
    return old;
  }

  /** Calls back for every live prefix, in no particular order. */
  forEach(visit: (network: number, length: number, nextHop: number) => void): void {
    for (let i = 0; i <= this.mask; i++) {
      const l = this.lengths[i];
      if (l !== EMPTY) visit(this.networks[i], l - 1, this.hops[i]);
    }
  }

  clear(): void {
    this.lengths.fill(EMPTY);
    this.used = 0;
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return this.networks.byteLength + this.lengths.byteLength + this.hops.byteLength;
  }

  private grow(): void {
    const { networks, lengths, hops } = this;
    const capacity = (this.mask + 1) * 2;
    this.networks = new Uint32Array(capacity);
    this.lengths = new Uint8Array(capacity);
    this.hops = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.used = 0;
    for (let i = 0; i < lengths.length; i++) if (lengths[i] !== EMPTY) this.set(networks[i], lengths[i] - 1, hops[i]);
  }
}

function slotOf(network: number, length: number): number {
  let h = Math.imul(network ^ Math.imul(length + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 13);
}
