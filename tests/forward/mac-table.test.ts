import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { macToBytes } from '../../codecs/address.js';
import { MacTable } from '../../src/forward/mac-table.js';

function frame(destination: string, source: string): Uint8Array {
  const f = new Uint8Array(60);
  f.set(macToBytes(destination), 0);
  f.set(macToBytes(source), 6);
  return f;
}

const A = 'aa:aa:aa:aa:aa:aa';
const R = '02:00:00:00:00:01';

describe('MacTable', () => {
  it('floods unknown and broadcast to all ports but the ingress, then forwards to the learnt port', () => {
    const table = new MacTable();
    const out = new Int32Array(8);
    expect(table.forwardPorts(frame(R, A), 5, 8, 0, out)).toBe(7);
    expect([...out.subarray(0, 7)]).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(table.forwardPorts(frame(A, R), 7, 8, 1e9, out)).toBe(1);
    expect(out[0]).toBe(5);
    expect(table.forwardPorts(frame('ff:ff:ff:ff:ff:ff', A), 5, 8, 2e9, out)).toBe(7);
    expect(out.subarray(0, 7)).not.toContain(5);
    expect(table.format(2e9)).toBe(['Port  |  MAC', '------|------', '5     |  aa:aa:aa:aa:aa:aa', '7     |  02:00:00:00:00:01'].join('\n'));
  });

  it('never reflects a frame to the port it came in on', () => {
    const table = new MacTable();
    const out = new Int32Array(4);
    table.learn(macToBytes(A), 0, 2, 0);
    expect(table.forwardPorts(frame(A, R), 2, 4, 1, out)).toBe(0);
  });

  it('ages entries out after 300 s of virtual time and does not learn group sources', () => {
    const table = new MacTable();
    table.learn(macToBytes(A), 0, 3, 0);
    table.learn(macToBytes('01:00:5e:00:00:01'), 0, 1, 0);
    expect(table.size).toBe(1);
    expect(table.lookup(macToBytes(A), 0, 299.999e9)).toBe(3);
    expect(table.lookup(macToBytes(A), 0, 300e9)).toBe(-1);
    expect(table.format(300e9)).toContain('(empty)');
    table.learn(macToBytes(A), 0, 4, 400e9);
    expect(table.lookup(macToBytes(A), 0, 600e9)).toBe(4);
  });

  it('matches a Map model under random learns, lookups and time', () => {
    const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((m) => ((m[0] &= 0xfe), m));
    const opArb = fc.record({ learn: fc.boolean(), mac: fc.integer({ min: 0, max: 40 }), port: fc.integer({ min: 0, max: 7 }), dt: fc.integer({ min: 0, max: 120 }) });
    fc.assert(
      fc.property(fc.array(macArb, { minLength: 41, maxLength: 41 }), fc.array(opArb, { maxLength: 200 }), (macs, ops) => {
        const table = new MacTable({ capacity: 16 });
        const model = new Map<string, { port: number; seen: number }>();
        let now = 0;
        for (const op of ops) {
          now += op.dt * 1e9;
          const mac = macs[op.mac];
          const key = mac.join(',');
          for (const [k, v] of model) if (now - v.seen >= 300e9) model.delete(k);
          if (op.learn) {
            table.learn(mac, 0, op.port, now);
            if (model.has(key) || model.size < 16) model.set(key, { port: op.port, seen: now });
          } else {
            expect(table.lookup(mac, 0, now)).toBe(model.get(key)?.port ?? -1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
