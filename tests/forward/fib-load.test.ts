import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fib, maskOf } from '../../src/forward/fib.js';
import { loadInto, syntheticTable } from '../../src/forward/synthetic-table.js';

/** Prefixes crowded into a few /24s and their supernets, repeats included. */
const prefixArb = fc
  .record({
    base: fc.constantFrom(0x0a000000, 0x0a000100, 0x0a010000, 0xc0a80100, 0xffffff00, 0x00000000, 0x80000000),
    low: fc.integer({ min: 0, max: 255 }),
    length: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 24, max: 32 }), fc.integer({ min: 0, max: 12 }), fc.constant(0)),
    nextHop: fc.integer({ min: 0, max: 15 }),
  })
  .map(({ base, low, length, nextHop }) => ({ network: ((base | low) & maskOf(length)) >>> 0, length, nextHop }));

function columns(routes: ReadonlyArray<{ network: number; length: number; nextHop: number }>) {
  return {
    networks: Uint32Array.from(routes, (r) => r.network),
    lengths: Uint8Array.from(routes, (r) => r.length),
    nextHops: Int32Array.from(routes, (r) => r.nextHop),
  };
}

/** The first and last address of each prefix and the ones just outside it. */
function edges(routes: ReadonlyArray<{ network: number; length: number }>, extra: readonly number[]): Uint32Array {
  const probes = [...extra];
  for (const r of routes) {
    const last = (r.network + 2 ** (32 - r.length) - 1) >>> 0;
    probes.push(r.network, last, (r.network - 1) >>> 0, (last + 1) >>> 0);
  }
  return Uint32Array.from(probes);
}

describe('Fib.load', () => {
  it.each([
    ['both chunked', {}, {}],
    ['loaded flat, inserted chunked', { flatAt: 2 }, {}],
    ['both going flat', { flatAt: 3 }, { flatAt: 3 }],
  ])('builds the same table as inserting one prefix at a time, and deletes from it alike (%s)', (_, bulkOptions, oneByOneOptions) => {
    // Two FIBs for every run, reusing what earlier runs gave back; each run empties both.
    const bulk = new Fib(bulkOptions);
    const oneByOne = new Fib(oneByOneOptions);
    fc.assert(
      fc.property(
        fc.array(prefixArb, { maxLength: 80 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 40 }),
        (routes, randoms, deletes) => {
          const { networks, lengths, nextHops } = columns(routes);
          bulk.load(networks, lengths, nextHops);
          for (const r of routes) oneByOne.insertPrefix(r.network, r.length, r.nextHop);
          expect(bulk.size).toBe(oneByOne.size);
          expect(bulk.groupsInUse).toBe(oneByOne.groupsInUse);
          expect(bulk.chunksInUse).toBe(oneByOne.chunksInUse);
          expect(bulk.routes()).toEqual(oneByOne.routes());
          const probes = edges(routes, randoms);
          const got = new Int32Array(probes.length);
          const want = new Int32Array(probes.length);
          bulk.lookupBatch(probes, got, probes.length);
          oneByOne.lookupBatch(probes, want, probes.length);
          expect(got).toEqual(want);
          // Depths written by the bulk path must let deletes fall back exactly as after inserts.
          for (const r of routes.slice(0, deletes)) expect(bulk.deletePrefix(r.network, r.length)).toBe(oneByOne.deletePrefix(r.network, r.length));
          bulk.lookupBatch(probes, got, probes.length);
          oneByOne.lookupBatch(probes, want, probes.length);
          expect(got).toEqual(want);
          for (const r of oneByOne.routes()) {
            expect(bulk.deletePrefix(r.network, r.length)).toBe(true);
            expect(oneByOne.deletePrefix(r.network, r.length)).toBe(true);
          }
          expect(bulk.size).toBe(0);
          expect(bulk.groupsInUse).toBe(0);
          // A prefix given twice to load() is one route: its chunk must still go back.
          expect(bulk.chunksInUse).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('into a FIB that already holds routes, inserts one by one and keeps the longest match', () => {
    const fib = new Fib();
    fib.insert('10.0.0.0/8', 1);
    fib.insert('10.1.2.0/25', 2);
    const { networks, lengths, nextHops } = columns([
      { network: 0x0a010000, length: 16, nextHop: 3 },
      { network: 0x0a010280, length: 25, nextHop: 4 },
      { network: 0x0a010203, length: 32, nextHop: 5 },
    ]);
    fib.load(networks, lengths, nextHops);
    expect(fib.size).toBe(5);
    expect(fib.lookup(0x0a020000)).toBe(1);
    expect(fib.lookup(0x0a010300)).toBe(3);
    expect(fib.lookup(0x0a010201)).toBe(2);
    expect(fib.lookup(0x0a010203)).toBe(5);
    expect(fib.lookup(0x0a0102ff)).toBe(4);
  });

  it('takes a prefix given twice as one route with the last next hop, whose delete gives its chunk back', () => {
    const fib = new Fib();
    const { networks, lengths, nextHops } = columns([
      { network: 0x0a000000, length: 16, nextHop: 1 },
      { network: 0x0a000000, length: 16, nextHop: 2 },
      { network: 0xc0a80100, length: 25, nextHop: 3 },
    ]);
    fib.load(networks, lengths, nextHops);
    expect(fib.size).toBe(2);
    expect(fib.chunksInUse).toBe(2);
    expect(fib.lookup(0x0a00ffff)).toBe(2);
    expect(fib.delete('10.0.0.0/16')).toBe(true);
    expect(fib.chunksInUse).toBe(1);
    expect(fib.lookup(0x0a00ffff)).toBe(-1);
  });

  it('checks every prefix before writing any', () => {
    const fib = new Fib();
    const bad = columns([
      { network: 0x0a000000, length: 8, nextHop: 1 },
      { network: 0x0a000001, length: 8, nextHop: 1 },
    ]);
    expect(() => fib.load(bad.networks, bad.lengths, bad.nextHops)).toThrow(TypeError);
    const badHop = columns([{ network: 0, length: 0, nextHop: 1 << 24 }]);
    expect(() => fib.load(badHop.networks, badHop.lengths, badHop.nextHops)).toThrow(RangeError);
    expect(fib.size).toBe(0);
    expect(fib.lookup(0x0a000000)).toBe(-1);
  });

  it('holds a million-prefix table in at most 128 MiB of typed arrays, its chunks and second level sized exactly', () => {
    const table = syntheticTable({ seed: 1 });
    const fib = new Fib({ expectedSize: table.count });
    loadInto(fib, table);
    const per24 = new Set<number>();
    const per12 = new Set<number>();
    for (let i = 0; i < table.count; i++) {
      if (table.lengths[i] > 24) per24.add(table.networks[i] >>> 8);
      if (table.lengths[i] > 12) per12.add(table.networks[i] >>> 20);
    }
    expect(fib.groupsInUse).toBe(per24.size);
    expect(fib.chunksInUse).toBe(per12.size);
    expect(fib.isFlat).toBe(true);
    // Flat: every /12's chunk and the zero chunk, three per-/12 tables, the groups, and the records' 2^21 slots.
    const chunkBytes = 4096 * 4;
    expect(fib.byteLength).toBe((4096 + 1) * chunkBytes + 3 * chunkBytes + per24.size * 256 * 4 + 2 ** 21 * 8);
    expect(fib.byteLength).toBeLessThanOrEqual(128 * 2 ** 20);
  });
});
