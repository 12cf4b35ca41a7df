import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4ToUint32, macToBytes } from '../../codecs/address.js';
import { internetChecksum } from '../../codecs/checksum.js';
import { PcapWriter } from '../../codecs/pcap.js';
import { ArpCache } from '../../src/forward/arp-cache.js';
import { Nat } from '../../src/forward/nat.js';
import { Egress, Router } from '../../src/forward/router.js';
import { pcapVerdict, skipWithoutTshark } from '../helpers/wireshark.js';

const LAN_MAC = '02:00:00:00:00:01';
const ISP_MAC = macToBytes('02:00:00:00:01:01');
const interfaces = [
  { name: 'lan', mac: LAN_MAC, address: '192.168.1.1', prefixLength: 24 },
  { name: 'wan', mac: '02:00:00:00:00:02', address: '203.0.113.50', prefixLength: 24 },
];

function setup(options: { nat?: boolean; resolved?: boolean; limit?: { perSecond: number; burst: number } } = {}) {
  const arp = new ArpCache({ queueLimit: 3 });
  const sent: Array<{ frame: Uint8Array; egress: number }> = [];
  const local: Uint8Array[] = [];
  const nat = options.nat ? new Nat({ outsideAddress: '203.0.113.50' }) : undefined;
  const router = new Router({
    interfaces,
    arp,
    nat: nat && { nat, outsideInterface: 'wan' },
    icmpRateLimit: options.limit,
    transmit: (frame, egress) => sent.push({ frame, egress }),
    deliverLocal: (frame) => local.push(frame),
  });
  router.addRoute('0.0.0.0/0', '203.0.113.1', 'wan', 'isp-1');
  if (options.resolved !== false) {
    arp.learn(ipv4ToUint32('203.0.113.1'), ISP_MAC, 0);
    arp.learn(ipv4ToUint32('192.168.1.100'), macToBytes('aa:aa:aa:aa:aa:aa'), 0);
  }
  return { router, arp, sent, local };
}

/** A 64-byte Ethernet/IPv4/UDP frame from the laptop to the router's LAN MAC. */
function udpFrame(ttl = 64, destination = '52.94.133.10', source = '192.168.1.100'): Uint8Array {
  const f = new Uint8Array(64);
  f.set(macToBytes(LAN_MAC), 0);
  f.set(macToBytes('aa:aa:aa:aa:aa:aa'), 6);
  f.set([0x08, 0x00, 0x45, 0, 0, 50, 0x12, 0x34, 0x40, 0, ttl, 17], 12);
  f.set(ipBytes(source), 26);
  f.set(ipBytes(destination), 30);
  const c = internetChecksum(f, 14, 34);
  f[24] = c >>> 8;
  f[25] = c & 0xff;
  f.set([0xd9, 0x03, 0x01, 0xbb, 0, 30, 0, 0], 34);
  return f;
}

function ipBytes(text: string): number[] {
  return text.split('.').map(Number);
}

describe('Router', () => {
  it('forwards: TTL − 1, valid checksum, MACs from the adjacency, and narrates it', () => {
    const { router } = setup();
    const f = udpFrame(64);
    expect(router.forward(f, 0, 1e9)).toBe(1);
    expect(f[22]).toBe(63);
    expect(internetChecksum(f, 14, 34)).toBe(0);
    expect([...f.subarray(0, 6)]).toEqual([...ISP_MAC]);
    expect([...f.subarray(6, 12)]).toEqual([...macToBytes('02:00:00:00:00:02')]);
    expect(router.describeLast()).toBe('LPM 0.0.0.0/0 → isp-1, TTL 64→63, out wan');
    expect(router.counters().forwarded).toBe(1);
  });

  it('source-NATs on the outside interface and says which mapping applied', () => {
    const { router } = setup({ nat: true });
    const f = udpFrame(64);
    expect(router.forward(f, 0, 1e9)).toBe(1);
    expect([...f.subarray(26, 30)]).toEqual([203, 0, 113, 50]);
    expect(internetChecksum(f, 14, 34)).toBe(0);
    expect(router.describeLast()).toBe('LPM 0.0.0.0/0 → isp-1, TTL 64→63, SNAT 192.168.1.100:55555→203.0.113.50:55555, out wan');
  });

  it('keeps every header checksum valid for any header and TTL it forwards', () => {
    const { router } = setup();
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffffffff }), (ttl, id, tos, dst) => {
        const f = udpFrame(ttl, [dst >>> 24, (dst >>> 16) & 255, (dst >>> 8) & 255, dst & 255].join('.'));
        f[15] = tos;
        f[18] = id >>> 8;
        f[19] = id & 0xff;
        f[24] = 0;
        f[25] = 0;
        const c = internetChecksum(f, 14, 34);
        f[24] = c >>> 8;
        f[25] = c & 0xff;
        const out = router.forward(f, 0, 1e9);
        if (out >= 0) {
          expect(f[22]).toBe(ttl - 1);
          expect(internetChecksum(f, 14, 34)).toBe(0);
        } else {
          expect(out).toBe(Egress.local);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('answers TTL 1 with Time Exceeded quoting the header and 8 bytes', () => {
    const { router, sent } = setup();
    const f = udpFrame(1);
    const original = f.slice(14, 14 + 28);
    expect(router.forward(f, 0, 1e9)).toBe(Egress.dropped);
    expect(router.counters()['ttl-expired']).toBe(1);
    expect(sent).toHaveLength(1);
    const e = sent[0].frame;
    expect(sent[0].egress).toBe(0);
    expect([...e.subarray(0, 6)]).toEqual([...macToBytes('aa:aa:aa:aa:aa:aa')]);
    expect([...e.subarray(26, 30)]).toEqual([192, 168, 1, 1]);
    expect([...e.subarray(30, 34)]).toEqual([192, 168, 1, 100]);
    expect(internetChecksum(e, 14, 34)).toBe(0);
    expect([e[34], e[35]]).toEqual([11, 0]);
    expect(internetChecksum(e, 34, 14 + ((e[16] << 8) | e[17]))).toBe(0);
    expect([...e.subarray(42, 42 + 28)]).toEqual([...original]);
  });

  it('answers no route with net unreachable, and rate-limits errors in virtual time', () => {
    const { router, sent } = setup({ limit: { perSecond: 1, burst: 2 } });
    router.deleteRoute('0.0.0.0/0');
    for (let i = 0; i < 5; i++) router.forward(udpFrame(64), 0, 1e9);
    expect(sent).toHaveLength(2);
    expect([sent[0].frame[34], sent[0].frame[35]]).toEqual([3, 0]);
    expect(router.counters()['no-route']).toBe(5);
    expect(router.counters()['icmp-rate-limited']).toBe(3);
    router.forward(udpFrame(64), 0, 2e9);
    expect(sent).toHaveLength(3);
  });

  it('holds frames for an unresolved next hop in a bounded queue and asks ARP once', () => {
    const { router, sent } = setup({ resolved: false });
    const verdicts = [0, 1, 2, 3].map(() => router.forward(udpFrame(64), 0, 1e9));
    expect(verdicts).toEqual([Egress.queued, Egress.queued, Egress.queued, Egress.dropped]);
    expect(router.counters()['arp-queue-full']).toBe(1);
    const requests = sent.filter((s) => s.frame[12] === 0x08 && s.frame[13] === 0x06);
    expect(requests).toHaveLength(1);
    expect([...requests[0].frame.subarray(38, 42)]).toEqual([203, 0, 113, 1]);
    expect(router.arpResolved(ipv4ToUint32('203.0.113.1'), ISP_MAC, 1.1e9)).toBe(3);
    const released = sent.slice(1);
    expect(released.map((s) => s.egress)).toEqual([1, 1, 1]);
    for (const s of released) expect([...s.frame.subarray(0, 6)]).toEqual([...ISP_MAC]);
  });

  it('delivers ARP and packets for its own addresses locally', () => {
    const { router, local } = setup();
    const arp = new Uint8Array(60);
    arp.fill(0xff, 0, 6);
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(router.forward(arp, 0, 1e9)).toBe(Egress.local);
    expect(router.forward(udpFrame(64, '192.168.1.1'), 0, 1e9)).toBe(Egress.local);
    expect(local).toHaveLength(2);
  });

  it('drops bad checksums, foreign MACs and malformed headers with their reasons', () => {
    const { router } = setup();
    const bad = udpFrame(64);
    bad[25] ^= 1;
    expect(router.forward(bad, 0, 1e9)).toBe(Egress.dropped);
    const foreign = udpFrame(64);
    foreign[5] = 9;
    expect(router.forward(foreign, 0, 1e9)).toBe(Egress.dropped);
    const short = udpFrame(64);
    short[16] = 1; // total length beyond the frame
    expect(router.forward(short, 0, 1e9)).toBe(Egress.dropped);
    const c = router.counters();
    expect([c['bad-checksum'], c['not-for-us'], c.malformed]).toEqual([1, 1, 1]);
  });

  it('drops malformed frames of any shape with a reason and never throws', () => {
    const { router } = setup({ nat: true });
    const frameArb = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.tuple(fc.array(fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.integer({ min: 0, max: 64 })).map(([edits, cut]) => {
        const f = udpFrame(64);
        for (const [at, v] of edits) f[at] = v;
        return f.subarray(0, cut);
      }),
    );
    fc.assert(
      fc.property(frameArb, fc.integer({ min: 0, max: 1 }), (f, ingress) => {
        const before = router.counters();
        const verdict = router.forward(f, ingress, 1e9);
        const after = router.counters();
        if (verdict === Egress.dropped) {
          const reasons = Object.keys(after).filter((k) => k !== 'icmp-rate-limited' && (after as any)[k] > (before as any)[k]);
          expect(reasons.length).toBeGreaterThan(0);
        } else {
          expect(verdict === Egress.local || verdict === Egress.queued || verdict >= 0).toBe(true);
          if (verdict >= 0) expect(internetChecksum(f, 14, 14 + ((f[14] & 15) << 2))).toBe(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe.skipIf(skipWithoutTshark)('Router output in Wireshark', () => {
  it('writes frames that tshark finds clean', () => {
    const { router, sent } = setup({ nat: true });
    const chunks: Uint8Array[] = [];
    const writer = new PcapWriter((chunk) => chunks.push(chunk.slice()));
    const forwarded = udpFrame(64);
    forwarded[40] = 0; // a UDP checksum of zero: none, so NAT may leave it
    forwarded[41] = 0;
    expect(router.forward(forwarded, 0, 1e9)).toBe(1);
    router.forward(udpFrame(1), 0, 2e9);
    router.deleteRoute('0.0.0.0/0');
    router.forward(udpFrame(64), 0, 3e9);
    const frames = [forwarded, ...sent.map((s) => s.frame)];
    expect(frames).toHaveLength(3);
    frames.forEach((data, i) => writer.writePacket({ timestampNs: BigInt(i + 1) * 1_000_000_000n, data }));
    const file = join(mkdtempSync(join(tmpdir(), 'router-')), 'router.pcap');
    writeFileSync(file, Buffer.concat(chunks));
    const verdict = pcapVerdict(file);
    expect(verdict.problems).toEqual([]);
    expect(verdict.packets).toBe(3);
  });
});
