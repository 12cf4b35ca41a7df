/** Several laptops, each behind its own home router with the same inside addresses, calling at once. */
import { describe, expect, it } from 'vitest';
import type { NatRouter } from '../../src/nodes/nat-router.js';
import { runCrowd } from '../../src/scenarios/crowd.js';

describe('a crowd of callers', () => {
  const run = runCrowd(3, 9);

  it('gets every caller its answer through its own NAT', () => {
    expect(run.results.map((r) => r.ok && r.reservations)).toEqual([1, 1, 1]);
    const tls = run.network.sim.log.ofKind('lb-tls-terminated').map((e) => e.client).sort();
    expect(tls).toEqual(['100.72.0.10', '100.72.0.2', '100.72.0.6']);
    for (let i = 0; i < 3; i++) {
      const nat = run.network.node<NatRouter>(`home-router-${i}`).natTable();
      expect(nat.some((row) => row.internal.startsWith('192.168.1.100:'))).toBe(true);
    }
  });

  it('opens one backend connection per caller', () => {
    const backends = run.network.sim.log.ofKind('lb-backend-chosen');
    expect(backends.length).toBe(3);
    expect(new Set(backends.map((e) => e.connection)).size).toBe(3);
  });

  it('refuses a crowd of none', () => {
    expect(() => runCrowd(0)).toThrow(RangeError);
  });
});
