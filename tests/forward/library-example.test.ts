import { describe, expect, it } from 'vitest';
import { ethernet, ipv4, udp } from '../../codecs/index.js';
import { ArpCache, Egress, FrameBatch, Nat, Router } from '../../src/index.js';

/** The README's forwarding example, as a user would write it against the package's exports. */
describe('the forwarding core through the package entry point', () => {
  it('routes and source-NATs a batch of frames in place', () => {
    const arp = new ArpCache();
    const nat = new Nat({ outsideAddress: '203.0.113.50' });
    const router = new Router({
      interfaces: [
        { name: 'lan', mac: '02:00:00:00:00:01', address: '192.168.1.1', prefixLength: 24 },
        { name: 'wan', mac: '02:00:00:00:00:02', address: '203.0.113.50', prefixLength: 24 },
      ],
      arp,
      nat: { nat, outsideInterface: 'wan' },
    });
    router.addRoute('0.0.0.0/0', '203.0.113.1', 'wan', 'isp');
    arp.learn(0xcb007101, Uint8Array.of(2, 0, 0, 0, 1, 1), 0);

    const segment = udp.encode({ sourcePort: 55555, destinationPort: 53, length: 0, checksum: 0 }, new Uint8Array(4), {
      pseudoHeader: { source: '192.168.1.100', destination: '8.8.8.8' },
    });
    const packet = ipv4.encode(
      { version: 4, ihl: 5, dscp: 0, ecn: 0, totalLength: 0, identification: 1, reservedFlag: false, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: 17, checksum: 0, checksumValid: true, source: '192.168.1.100', destination: '8.8.8.8', options: new Uint8Array(0) },
      segment,
    );
    const frame = ethernet.encode({ destination: '02:00:00:00:00:01', source: 'aa:aa:aa:aa:aa:aa', etherType: 0x0800 }, packet);

    const batch = FrameBatch.of([frame, frame]);
    const egress = new Int32Array(batch.count);
    expect(router.forwardBatch(batch, 0, 1e9, egress)).toBe(2);
    expect([...egress]).toEqual([1, 1]);
    const out = ipv4.decode(batch.frame(0), 14).header;
    expect(out.source).toBe('203.0.113.50');
    expect(out.ttl).toBe(63);
    expect(nat.format(1e9)).toContain('External: 203.0.113.50:55555');
    expect(Egress.dropped).toBe(-1);
  });
});
