import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fib, maskOf, parsePrefix } from '../../src/forward/fib.js';
import { syntheticTable, loadInto, loadPrefixLengthDistribution } from '../../src/forward/synthetic-table.js';

interface Live {
  network: number;
  length: number;
  nextHop: number;
}

function naive(live: Map<string, Live>, address: number): Live[] {
  return [...live.values()]
    .filter((r) => ((address & maskOf(r.length)) >>> 0) === r.network)
    .sort((a, b) => b.length - a.length);
}

/** Prefixes crowded into a few /24s and their supernets, so they overlap a lot. */
const prefixArb = fc
  .record({
    base: fc.constantFrom(0x0a000000, 0x0a000100, 0xc0a80100, 0xffffff00, 0x00000000, 0x80000000),
    low: fc.integer({ min: 0, max: 255 }),
    // Long prefixes that need second-level groups, and short ones (/0 above all) that live in the short table.
    length: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 24, max: 32 }), fc.integer({ min: 0, max: 12 }), fc.constant(0)),
  })
  .map(({ base, low, length }) => ({ network: ((base | low) & maskOf(length)) >>> 0, length }));

const opArb = fc.record({ kind: fc.constantFrom('insert', 'insert', 'delete'), prefix: prefixArb, nextHop: fc.integer({ min: 0, max: 15 }) });

describe('Fib', () => {
  it('answers longest match and falls back to the covering prefix after a delete', () => {
    const fib = new Fib();
    fib.insert('0.0.0.0/0', 1);
    fib.insert('52.0.0.0/8', 2);
    fib.insert('52.94.133.0/24', 3);
    fib.insert('52.94.133.128/25', 4);
    const a = parsePrefix('52.94.133.200').network;
    expect(fib.lookup(a)).toBe(4);
    expect(fib.explain('52.94.133.200').map((r) => r.prefix)).toEqual(['52.94.133.128/25', '52.94.133.0/24', '52.0.0.0/8', '0.0.0.0/0']);
    expect(fib.delete('52.94.133.128/25')).toBe(true);
    expect(fib.lookup(a)).toBe(3);
    expect(fib.groupsInUse).toBe(0);
    expect(fib.delete('52.94.133.0/24')).toBe(true);
    expect(fib.lookup(a)).toBe(2);
    expect(fib.insert('52.0.0.0/8', 7)).toBe(2);
    expect(fib.lookup(a)).toBe(7);
    expect(fib.delete('0.0.0.0/0')).toBe(true);
    expect(fib.lookup(parsePrefix('8.8.8.8').network)).toBe(-1);
    expect(fib.delete('0.0.0.0/0')).toBe(false);
    expect(fib.size).toBe(1);
    expect(fib.routes()).toEqual([{ prefix: '52.0.0.0/8', network: 0x34000000, length: 8, nextHop: 7 }]);
  });

  it('holds a default route and a few connected networks in a few chunks, well under a mebibyte', () => {
    const fib = new Fib();
    fib.insert('0.0.0.0/0', 0);
    expect(fib.chunksInUse).toBe(0);
    expect(fib.lookup(parsePrefix('8.8.8.8').network)).toBe(0);
    fib.insert('10.0.0.0/8', 1);
    fib.insert('192.168.1.0/24', 2);
    fib.insert('192.168.1.128/25', 3);
    fib.insert('203.0.113.0/24', 4);
    expect(fib.chunksInUse).toBe(2);
    expect(fib.isFlat).toBe(false);
    expect(fib.groupsInUse).toBe(1);
    expect(fib.byteLength).toBeLessThan(2 ** 20);
    const at = (text: string) => fib.lookup(parsePrefix(text).network);
    expect([at('10.9.8.7'), at('192.168.1.1'), at('192.168.1.200'), at('192.168.2.1'), at('203.0.113.50'), at('203.0.114.1')]).toEqual([1, 2, 3, 0, 4, 0]);
    // A short prefix written after the chunks exist reaches into them, and its delete gives them back the default.
    fib.insert('192.0.0.0/4', 5);
    expect([at('192.168.1.1'), at('192.168.2.1'), at('203.0.114.1'), at('200.1.1.1')]).toEqual([2, 5, 5, 5]);
    fib.delete('192.0.0.0/4');
    expect([at('192.168.2.1'), at('203.0.114.1'), at('200.1.1.1')]).toEqual([0, 0, 0]);
    fib.delete('192.168.1.128/25');
    fib.delete('192.168.1.0/24');
    expect(fib.chunksInUse).toBe(1);
    expect(fib.groupsInUse).toBe(0);
    expect(at('192.168.1.200')).toBe(0);
  });

  it('hands out its flat tables, which answer every lookup as lookup() does, and none while chunked', () => {
    const chunked = new Fib();
    chunked.insert('10.0.0.0/8', 1);
    expect(chunked.flatTables()).toBeNull();
    const fib = new Fib({ flatAt: 1 });
    fib.insert('0.0.0.0/0', 0);
    fib.insert('10.0.0.0/8', 1);
    fib.insert('10.1.2.0/24', 2);
    fib.insert('10.1.2.128/25', 3);
    fib.insert('10.1.2.200/32', 4);
    const tables = fib.flatTables()!;
    expect(tables).not.toBeNull();
    // The documented layout: first level at (a >>> 8) + 4,096, a group (bit 31) of 256 by the last byte, next hop + 1 in the low 24 bits.
    const viaTables = (a: number): number => {
      let e = tables.firstLevel[(a >>> 8) + 4096];
      if (e < 0) e = tables.secondLevel[((e & 0xffffff) << 8) | (a & 0xff)];
      return (e & 0xffffff) - 1;
    };
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0x0a010200, max: 0x0a0102ff }), fc.integer({ min: 0, max: 0xffffffff })), (a) => {
        expect(viaTables(a)).toBe(fib.lookup(a));
      }),
    );
    expect([0x0a010201, 0x0a010281, 0x0a0102c8, 0x0a090909, 0x08080808].map(viaTables)).toEqual([2, 3, 4, 1, 0]);
  });

  it('rejects prefixes with host bits set and malformed text', () => {
    const fib = new Fib();
    expect(() => fib.insert('10.0.0.1/8', 1)).toThrow(/host bits/);
    expect(() => fib.insert('10.0.0.0/33', 1)).toThrow(TypeError);
    expect(() => fib.insert('10.0.0/8', 1)).toThrow(TypeError);
    expect(() => fib.insertPrefix(0x0a000000, 8, -1)).toThrow(RangeError);
    expect(fib.size).toBe(0);
  });

  it.each([
    ['chunked', {}],
    ['flat from its second chunk', { flatAt: 2 }],
  ])('agrees with a linear scan after any sequence of inserts, replaces and deletes (%s)', (_, options) => {
    // One FIB for every run, so later runs reuse the chunks and groups that
    // earlier ones gave back; each run ends by deleting all it inserted,
    // which must leave it empty.
    const fib = new Fib(options);
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }), (ops, randoms) => {
        const live = new Map<string, Live>();
        for (const op of ops) {
          const key = `${op.prefix.network}/${op.prefix.length}`;
          if (op.kind === 'insert') {
            expect(fib.insertPrefix(op.prefix.network, op.prefix.length, op.nextHop)).toBe(live.get(key)?.nextHop ?? -1);
            live.set(key, { ...op.prefix, nextHop: op.nextHop });
          } else {
            expect(fib.deletePrefix(op.prefix.network, op.prefix.length)).toBe(live.delete(key));
          }
        }
        expect(fib.size).toBe(live.size);
        const probes = [...randoms];
        for (const r of live.values()) {
          const last = (r.network + 2 ** (32 - r.length) - 1) >>> 0;
          probes.push(r.network, last, (r.network - 1) >>> 0, (last + 1) >>> 0);
        }
        const out = new Int32Array(probes.length);
        fib.lookupBatch(Uint32Array.from(probes), out, probes.length);
        // The router hands its destinations over stored signed.
        const outSigned = new Int32Array(probes.length);
        fib.lookupBatch(Int32Array.from(probes, (a) => a | 0), outSigned, probes.length);
        probes.forEach((address, i) => {
          const expected = naive(live, address);
          expect(fib.lookup(address)).toBe(expected[0]?.nextHop ?? -1);
          expect(out[i]).toBe(expected[0]?.nextHop ?? -1);
          expect(outSigned[i]).toBe(out[i]);
          expect(fib.explain(address).map((r) => [r.network, r.length, r.nextHop])).toEqual(expected.map((r) => [r.network, r.length, r.nextHop]));
        });
        // Every group left must still hold a prefix longer than /24.
        const longPer24 = new Set([...live.values()].filter((r) => r.length > 24).map((r) => r.network >>> 8));
        expect(fib.groupsInUse).toBe(longPer24.size);
        // And every chunk a prefix longer than /12.
        const longPer12 = new Set([...live.values()].filter((r) => r.length > 12).map((r) => r.network >>> 20));
        expect(fib.chunksInUse).toBe(longPer12.size);
        for (const r of live.values()) expect(fib.deletePrefix(r.network, r.length)).toBe(true);
        expect(fib.size).toBe(0);
        expect(fib.groupsInUse).toBe(0);
        expect(fib.chunksInUse).toBe(0);
        for (const address of probes) expect(fib.lookup(address)).toBe(-1);
      }),
      { numRuns: 150 },
    );
  });
});

describe('synthetic table', () => {
  it('is deterministic, unique and follows the published length mix', () => {
    const a = syntheticTable({ seed: 7, scale: 0.05 });
    const b = syntheticTable({ seed: 7, scale: 0.05 });
    const c = syntheticTable({ seed: 8, scale: 0.05 });
    expect(a.networks).toEqual(b.networks);
    expect(a.nextHops).toEqual(b.nextHops);
    expect(a.networks).not.toEqual(c.networks);
    const keys = new Set<number>();
    let hostBits = 0;
    for (let i = 0; i < a.count; i++) {
      if (((a.networks[i] & maskOf(a.lengths[i])) >>> 0) !== a.networks[i]) hostBits++;
      keys.add(a.networks[i] * 64 + a.lengths[i]);
    }
    expect(hostBits).toBe(0);
    expect(keys.size).toBe(a.count);
    const d = loadPrefixLengthDistribution();
    const at24 = a.lengths.filter((l) => l === 24).length;
    expect(at24).toBe([d.classA, d.classB, d.classC].reduce((s, row) => s + Math.round(row[23] * 0.05), 0));
  });

  it('builds the full table into a FIB of about a million prefixes', () => {
    const table = syntheticTable({ seed: 1 });
    expect(table.count).toBeGreaterThan(1_070_000);
    expect(table.count).toBeLessThanOrEqual(loadPrefixLengthDistribution().total);
    const fib = new Fib({ expectedSize: table.count });
    loadInto(fib, table);
    expect(fib.size).toBe(table.count);
    for (let i = 0; i < table.count; i += 9973) {
      const winner = fib.explain(table.networks[i])[0];
      expect(winner.length).toBeGreaterThanOrEqual(table.lengths[i]);
      if (winner.length === table.lengths[i]) expect(fib.lookup(table.networks[i])).toBe(table.nextHops[i]);
    }
  });
});
