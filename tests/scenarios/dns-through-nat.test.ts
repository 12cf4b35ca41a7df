/**
 * The stub resolver on the journey's network: the laptop's question crosses
 * the NAT to 8.8.8.8 and back, and a second question within the TTL is
 * answered from the cache without a frame leaving the laptop.
 */
import { describe, expect, it } from 'vitest';
import type { DnsLookupResult } from '../../src/stack/dns-resolver.js';
import { buildDescribeInstances } from '../../src/scenarios/describe-instances.js';

describe('DNS through the home router NAT', () => {
  it('resolves through the NAT, then answers from the cache within the TTL with no packet sent', () => {
    const { network, laptop } = buildDescribeInstances({ seed: 4 });
    const sim = network.sim;
    let framesSent = 0;
    laptop.interface('eth0').taps.push({ frame: (_i, direction) => void (direction === 'outbound' && framesSent++) });

    const results: DnsLookupResult[] = [];
    laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r));
    sim.run({ untilNs: sim.now + 2e9 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: true, source: 'udp', values: ['52.94.133.131'], ttl: 60 });
    const afterFirst = framesSent;
    expect(afterFirst).toBeGreaterThan(0);
    const nat = sim.log.ofKind('nat').filter((e) => e.protocol === 'udp' || e.protocol === 17);
    expect(nat.some((e) => String(e.inside).startsWith('192.168.1.100:') && String(e.outside).startsWith('203.0.113.50:'))).toBe(true);

    sim.schedule(30e9, () => laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r)));
    sim.run({ untilNs: sim.now + 31e9 });
    expect(results).toHaveLength(2);
    expect(results[1]).toMatchObject({ ok: true, source: 'cache', values: ['52.94.133.131'] });
    expect(framesSent).toBe(afterFirst);
  });
});
