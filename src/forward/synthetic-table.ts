/**
 * A synthetic IPv4 routing table with the prefix-length mix of a real one:
 * fixtures/routing/prefix-length-distribution.json (1,076,801 routes, as
 * published with DPDK's LPM benchmark), counts per length split by address
 * class. Deterministic from a seed.
 *
 * Prefixes are unique. Some rows of the published mix ask for more prefixes
 * than a class holds at that length (class B has 16,384 /16s and is asked
 * for 50,800); the excess goes to the other classes of the same length
 * (A, B, C, then the 111… space), and a length whose whole address space is
 * smaller than its count (/16: 69,319 asked, 65,536 exist) is capped. So the
 * table holds a little under the published total; `count` says how many.
 *
 * Within a class and length, the k-th prefix is a seeded bijection of k over
 * the free bits, so prefixes are spread and never repeat without keeping a
 * set of those already drawn.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../sim/random.js';
import type { Fib } from './fib.js';

export interface PrefixLengthDistribution {
  readonly total: number;
  /** Index i: routes of length i + 1 whose first bit is 0. */
  readonly classA: readonly number[];
  /** First bits 10. */
  readonly classB: readonly number[];
  /** First bits 110. */
  readonly classC: readonly number[];
}

export interface SyntheticTable {
  /** Routes, grouped by length from /1 to /32 (inserting short prefixes first paints least). */
  readonly count: number;
  readonly networks: Uint32Array;
  readonly lengths: Uint8Array;
  readonly nextHops: Int32Array;
}

export interface SyntheticTableOptions {
  readonly seed?: number;
  /** Next hops are drawn uniformly from 0..nextHops-1. */
  readonly nextHops?: number;
  /** Keep this share of every count (0..1], for smaller tables with the same mix. */
  readonly scale?: number;
  readonly distribution?: PrefixLengthDistribution;
}

/** Leading bits and their value: A 0, B 10, C 110, and the rest 111. */
const CLASSES = [
  { bits: 1, value: 0b0 },
  { bits: 2, value: 0b10 },
  { bits: 3, value: 0b110 },
  { bits: 3, value: 0b111 },
] as const;

export function loadPrefixLengthDistribution(): PrefixLengthDistribution {
  for (const up of ['../../', '../../../']) {
    const url = new URL(`${up}fixtures/routing/prefix-length-distribution.json`, import.meta.url);
    try {
      return JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as PrefixLengthDistribution;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error('fixtures/routing/prefix-length-distribution.json not found beside the package');
}

export function syntheticTable(options: SyntheticTableOptions = {}): SyntheticTable {
  const distribution = options.distribution ?? loadPrefixLengthDistribution();
  const scale = options.scale ?? 1;
  const hopCount = options.nextHops ?? 8;
  const random = new SeededRandom(options.seed ?? 1);

  const plan: Array<{ length: number; perClass: number[] }> = [];
  let total = 0;
  for (let length = 1; length <= 32; length++) {
    const asked = [distribution.classA, distribution.classB, distribution.classC, []].map((row) => Math.round((row[length - 1] ?? 0) * scale));
    const perClass = placeCounts(length, asked);
    plan.push({ length, perClass });
    for (const n of perClass) total += n;
  }

  const networks = new Uint32Array(total);
  const lengths = new Uint8Array(total);
  const nextHops = new Int32Array(total);
  let at = 0;
  for (const { length, perClass } of plan) {
    for (let c = 0; c < CLASSES.length; c++) {
      const freeBits = length - CLASSES[c].bits;
      const permute = seededBijection(freeBits, random);
      const base = CLASSES[c].value * 2 ** (32 - CLASSES[c].bits);
      for (let k = 0; k < perClass[c]; k++) {
        networks[at] = base + permute(k) * 2 ** (32 - length);
        lengths[at] = length;
        nextHops[at] = random.int(0, hopCount - 1);
        at++;
      }
    }
  }
  return { count: total, networks, lengths, nextHops };
}

/** Inserts every route of the table (in bulk when the FIB is empty). */
export function loadInto(fib: Fib, table: SyntheticTable): void {
  fib.load(table.networks, table.lengths, table.nextHops, table.count);
}

/** Counts per class at one length, each within its class's space, excess moved to classes with room. */
function placeCounts(length: number, asked: number[]): number[] {
  const space = CLASSES.map((c) => (length >= c.bits ? 2 ** (length - c.bits) : 0));
  const placed = asked.map((n, c) => Math.min(n, space[c]));
  let excess = asked.reduce((s, n) => s + n, 0) - placed.reduce((s, n) => s + n, 0);
  for (let c = 0; c < CLASSES.length && excess > 0; c++) {
    const more = Math.min(excess, space[c] - placed[c]);
    placed[c] += more;
    excess -= more;
  }
  return placed;
}

/** A bijection on [0, 2^bits): offset, odd multiplies and xor-shifts, each invertible mod 2^bits. */
function seededBijection(bits: number, random: SeededRandom): (k: number) => number {
  if (bits <= 0) return () => 0;
  // At most 31 free bits: every class has at least one leading bit fixed.
  const mask = bits === 31 ? 0x7fffffff : (1 << bits) - 1;
  const offset = random.uint32();
  const m1 = random.uint32() | 1;
  const m2 = random.uint32() | 1;
  const shift = (bits + 1) >> 1;
  return (k) => {
    let v = (k + offset) & mask;
    v = Math.imul(v, m1) & mask;
    v ^= v >>> shift;
    return Math.imul(v, m2) & mask;
  };
}
