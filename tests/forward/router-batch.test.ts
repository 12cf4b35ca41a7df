import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4ToUint32, macToBytes } from '../../codecs/address.js';
import { internetChecksum } from '../../codecs/checksum.js';
import { ArpCache } from '../../src/forward/arp-cache.js';
import { Fib } from '../../src/forward/fib.js';
import { FrameBatch } from '../../src/forward/frame-batch.js';
import { Nat } from '../../src/forward/nat.js';
import { Egress, Router } from '../../src/forward/router.js';
import { udpPacket } from './nat-packets.js';

/** The routers' interface MACs, by ingress: lan, wan. */
const IFACE_MACS = [macToBytes('02:00:00:00:00:01'), macToBytes('02:00:00:00:00:02')];
const interfaces = [
  { name: 'lan', mac: '02:00:00:00:00:01', address: '192.168.1.1', prefixLength: 24 },
  { name: 'wan', mac: '02:00:00:00:00:02', address: '203.0.113.50', prefixLength: 24 },
];

/**
 * One FIB behind every router of the test (a 64 MiB first level each would
 * dominate): each router interns the same adjacencies in the same order, so
 * the routes they add agree.
 */
const fib = new Fib();

/** Sessions a 'grown' NAT starts with: a flow table larger than the CPU's caches, as at line rate. */
const GROWN_SESSIONS = 20000;

/** 'tight': two outside ports and four sessions, so that frames run out of ports. */
type NatKind = 'none' | 'small' | 'grown' | 'tight';

/** Routes via a resolved gateway (52/8), an unresolved one (52.94/16) and a LAN gateway (10/8); the rest has none. */
function setup(nat: NatKind) {
  const arp = new ArpCache({ queueLimit: 3 });
  const sent: Array<{ frame: number[]; egress: number }> = [];
  const local: number[][] = [];
  const translator =
    nat === 'none'
      ? undefined
      : nat === 'tight'
        ? new Nat({ outsideAddress: '203.0.113.50', capacity: 4, portRange: [5000, 5001] })
        : new Nat({ outsideAddress: '203.0.113.50', capacity: nat === 'grown' ? 65536 : 256 });
  if (nat === 'grown') {
    for (let k = 0; k < GROWN_SESSIONS; k++) translator!.outbound(build({ destination: 0x0b000000 + k, ttl: 64, sourcePort: 1000 + (k & 1023), protocol: 17, sourceHost: 100, flaw: 0 }), 14, 0);
  }
  const router = new Router({
    interfaces,
    arp,
    fib,
    nat: translator && { nat: translator, outsideInterface: 'wan' },
    icmpRateLimit: { perSecond: 1000, burst: 1000 },
    transmit: (frame, egress) => sent.push({ frame: [...frame], egress }),
    deliverLocal: (frame) => local.push([...frame]),
  });
  router.addRoute('52.0.0.0/8', '203.0.113.1', 'wan', 'isp-1');
  router.addRoute('52.94.0.0/16', '203.0.113.2', 'wan', 'isp-2');
  router.addRoute('10.0.0.0/8', '192.168.1.254', 'lan', 'lab');
  arp.learn(ipv4ToUint32('203.0.113.1'), macToBytes('02:00:00:00:01:01'), 0);
  arp.learn(ipv4ToUint32('192.168.1.254'), macToBytes('02:00:00:00:01:fe'), 0);
  arp.learn(ipv4ToUint32('192.168.1.100'), macToBytes('aa:aa:aa:aa:aa:aa'), 0);
  return { router, sent, local, translator };
}

const frameArb = fc.record({
  destination: fc.oneof(
    fc.integer({ min: 0x34000000, max: 0x34ffffff }),
    fc.integer({ min: 0x345e0000, max: 0x345effff }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.constantFrom(ipv4ToUint32('192.168.1.1'), ipv4ToUint32('203.0.113.50'), ipv4ToUint32('10.1.2.3'), 0xffffffff, ipv4ToUint32('192.168.1.100')),
  ),
  ttl: fc.constantFrom(0, 1, 2, 64, 255),
  // A few ports often, so that flows repeat within a batch.
  sourcePort: fc.oneof(fc.integer({ min: 1, max: 0xffff }), fc.constantFrom(5000, 5001)),
  protocol: fc.constantFrom(17, 6, 47),
  // Two inside hosts on the same ports: which gets the port and which another depends on the order NAT sees them in.
  sourceHost: fc.constantFrom(100, 101),
  // 0: as built; others spoil one thing the inline path checks.
  flaw: fc.constantFrom(0, 0, 0, 0, 1, 2, 3, 4, 5, 6),
});

type FrameSpec = typeof frameArb extends fc.Arbitrary<infer T> ? T : never;

/** The frame `spec` describes, addressed to the interface it arrives on. */
function build(spec: FrameSpec, ingress = 0): Uint8Array {
  const f = new Uint8Array(spec.flaw === 6 ? 30 : 64);
  const full = new Uint8Array(64);
  full.set(IFACE_MACS[ingress], 0);
  full.set([0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x08, 0x00, 0x45, 0, 0, 50, 0x12, 0x34, 0, 0, spec.ttl, spec.protocol, 0, 0, 192, 168, 1, spec.sourceHost], 6);
  const d = spec.destination;
  full.set([d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255], 30);
  full.set([spec.sourcePort >>> 8, spec.sourcePort & 255, 0, 53, 0, 30, 0, 0], 34);
  if (spec.flaw === 1) full[0] = 0xff; // broadcast Ethernet destination
  if (spec.flaw === 2) full[5] = 0x09; // someone else's MAC
  if (spec.flaw === 3) full[14] = 0x46; // options: IHL 6
  if (spec.flaw === 4) full[17] = 80; // total length past the frame
  const c = internetChecksum(full, 14, 34);
  full[24] = c >>> 8;
  full[25] = c & 0xff;
  if (spec.flaw === 5) full[25] ^= 1; // bad header checksum
  f.set(full.subarray(0, f.length));
  return f;
}

/**
 * Forwards `specs` as one batch and one at a time through two routers set up
 * alike, and expects the same verdicts, bytes, counters, side effects and
 * NAT table. The batch's frames share one receive buffer, as a driver would
 * hand them over: slots of 64 bytes plus `gap`, so frames also start at odd
 * offsets, in buffer order or filled from the end. They arrive on `ingress`.
 */
function expectSameAsAlone(specs: readonly FrameSpec[], nat: NatKind, gap: number, reversed: boolean, ingress = 0): void {
  const batch = setup(nat);
  const single = setup(nat);
  const slot = 64 + gap;
  const ring = new Uint8Array(specs.length * slot + gap);
  const offsets = new Int32Array(specs.length);
  const lengths = new Int32Array(specs.length);
  const frames = specs.map((spec, i) => {
    const bytes = build(spec, ingress);
    offsets[i] = (reversed ? specs.length - 1 - i : i) * slot + gap;
    lengths[i] = bytes.length;
    ring.set(bytes, offsets[i]);
    return ring.subarray(offsets[i], offsets[i] + bytes.length);
  });
  const alone = specs.map((spec) => build(spec, ingress));
  const egress = new Int32Array(specs.length);
  const sentCount = batch.router.forwardBatch(new FrameBatch(ring, offsets, lengths), ingress, 1e9, egress);
  const verdicts = alone.map((f) => single.router.forward(f, ingress, 1e9));
  expect([...egress]).toEqual(verdicts);
  expect(sentCount).toBe(verdicts.filter((v) => v >= 0).length);
  frames.forEach((f, i) => expect([...f]).toEqual([...alone[i]]));
  expect(batch.router.counters()).toEqual(single.router.counters());
  expect(batch.sent).toEqual(single.sent);
  expect(batch.local).toEqual(single.local);
  if (nat !== 'none') expect(batch.translator!.table(1e9)).toEqual(single.translator!.table(1e9));
}

/** A UDP frame from the laptop to 52.1.2.3, whose route goes by the resolved gateway. */
const toIsp: FrameSpec = { destination: 0x34010203, ttl: 64, sourcePort: 5000, protocol: 17, sourceHost: 100, flaw: 0 };
/** To 52.94/16, which goes via the other gateway. */
const toOtherIsp: FrameSpec = { ...toIsp, destination: 0x345e0101 };

describe('Router.forwardBatch', () => {
  it('gives every frame the verdict, bytes, counters and side effects that forward() gives it alone', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom<NatKind>('none', 'small', 'small', 'grown', 'tight'),
        fc.nat(7),
        fc.boolean(),
        fc.constantFrom(0, 0, 1),
        (specs, nat, gap, reversed, ingress) => expectSameAsAlone(specs, nat, gap, reversed, ingress),
      ),
      { numRuns: 150 },
    );
  });

  it('forwards a batch that arrives on the NAT interface as forward() does, a frame routed back out through the NAT before the reply to it', () => {
    const routed = setup('small');
    const alone = setup('small');
    const wanMac = IFACE_MACS[1];
    const frame = (packet: Uint8Array) => Uint8Array.from([...wanMac, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0x08, 0x00, ...packet]);
    const frames = [frame(udpPacket('10.1.2.3', 7000, '52.1.2.3', 53)), frame(udpPacket('52.1.2.3', 53, '203.0.113.50', 7000))];
    const batch = FrameBatch.of(frames);
    const egress = new Int32Array(2);
    routed.router.forwardBatch(batch, 1, 1e9, egress);
    const verdicts = frames.map((f) => alone.router.forward(f.slice(), 1, 1e9));
    expect([...egress]).toEqual(verdicts);
    expect(verdicts).toEqual([1, 0]);
    expect(routed.translator!.table(1e9)).toEqual(alone.translator!.table(1e9));
    expect(routed.router.counters()).toEqual(alone.router.counters());
  });

  it('narrates the last frame of the general path without the NAT mapping of a later frame', () => {
    const { router } = setup('small');
    const viaUnresolved: FrameSpec = { destination: 0x345e0101, ttl: 64, sourcePort: 2222, protocol: 17, sourceHost: 101, flaw: 0 };
    const viaResolved: FrameSpec = { ...viaUnresolved, destination: 0x34010203, sourcePort: 3333 };
    const egress = new Int32Array(2);
    router.forwardBatch(FrameBatch.of([build(viaUnresolved), build(viaResolved)]), 0, 1e9, egress);
    expect([...egress]).toEqual([-3, 1]);
    expect(router.describeLast()).toContain('held for ARP');
    expect(router.describeLast()).not.toContain('3333');
  });

  it('translates frames in batch order around one that the general path translates', () => {
    // Two inside hosts on one port: the first frame NAT sees keeps the port. The second frame's gateway is not resolved, so it takes the general path.
    const viaUnresolved: FrameSpec = { ...toOtherIsp, sourceHost: 101 };
    expectSameAsAlone([toIsp, viaUnresolved, toIsp], 'small', 0, false);
    expectSameAsAlone([viaUnresolved, toIsp, { ...toIsp, sourceHost: 101 }], 'small', 0, false);
  });

  it('finishes a batch whose transmit hook forwards a frame of its own, which moves the router to another batch', () => {
    const arp = new ArpCache();
    const hooked: number[] = [];
    const router: Router = new Router({
      interfaces,
      arp,
      fib,
      icmpRateLimit: { perSecond: 1000, burst: 1000 },
      transmit: (_frame, out) => {
        hooked.push(out);
        if (hooked.length === 1) router.forward(build(toIsp), 0, 1e9);
      },
    });
    router.addRoute('52.0.0.0/8', '203.0.113.1', 'wan', 'isp-1');
    arp.learn(ipv4ToUint32('203.0.113.1'), macToBytes('02:00:00:00:01:01'), 0);
    arp.learn(ipv4ToUint32('192.168.1.100'), macToBytes('aa:aa:aa:aa:aa:aa'), 0);
    // The first frame's Time Exceeded goes out through the hook before the second frame meets its gateway.
    const egress = new Int32Array(2);
    const batch = FrameBatch.of([build({ ...toIsp, ttl: 1 }), build(toIsp)]);
    expect(router.forwardBatch(batch, 0, 1e9, egress)).toBe(1);
    expect([...egress]).toEqual([Egress.dropped, 1]);
    expect([...batch.frame(1).subarray(0, 6)]).toEqual([2, 0, 0, 0, 1, 1]);
  });

  it('finishes a batch whose transmit hook forwards a batch of its own', () => {
    const arp = new ArpCache();
    let nested = 0;
    const router: Router = new Router({
      interfaces,
      arp,
      fib,
      icmpRateLimit: { perSecond: 1000, burst: 1000 },
      transmit: () => {
        // Frames to the other gateway: their hops, if they landed in the outer batch's arrays, would send its frames there.
        if (nested++ === 0) router.forwardBatch(FrameBatch.of([build(toOtherIsp), build(toOtherIsp)]), 0, 1e9, new Int32Array(2));
      },
    });
    router.addRoute('52.0.0.0/8', '203.0.113.1', 'wan', 'isp-1');
    router.addRoute('52.94.0.0/16', '203.0.113.2', 'wan', 'isp-2');
    arp.learn(ipv4ToUint32('203.0.113.1'), macToBytes('02:00:00:00:01:01'), 0);
    arp.learn(ipv4ToUint32('203.0.113.2'), macToBytes('02:00:00:00:01:02'), 0);
    arp.learn(ipv4ToUint32('192.168.1.100'), macToBytes('aa:aa:aa:aa:aa:aa'), 0);
    // The first frame's Time Exceeded goes out through the hook before the others are rewritten.
    const egress = new Int32Array(3);
    const batch = FrameBatch.of([build({ ...toIsp, ttl: 1 }), build(toIsp), build(toIsp)]);
    expect(router.forwardBatch(batch, 0, 1e9, egress)).toBe(2);
    expect(nested).toBe(1);
    expect([...egress]).toEqual([Egress.dropped, 1, 1]);
    expect([...batch.frame(1).subarray(0, 6)]).toEqual([2, 0, 0, 0, 1, 1]);
    expect([...batch.frame(2).subarray(0, 6)]).toEqual([2, 0, 0, 0, 1, 1]);
  });

  it('never takes a gateway for resolved on the strength of a batch number from long ago', () => {
    const arp = new ArpCache();
    const router = new Router({ interfaces, arp, fib });
    router.addRoute('52.0.0.0/8', '203.0.113.1', 'wan', 'isp-1');
    const gateway = ipv4ToUint32('203.0.113.1');
    arp.learn(gateway, macToBytes('02:00:00:00:01:01'), 0);
    arp.learn(ipv4ToUint32('203.0.113.7'), macToBytes('aa:aa:aa:aa:aa:aa'), 0);
    const counter = router as unknown as { batch: number };
    const egress = new Int32Array(2);
    counter.batch = 0;
    router.forwardBatch(FrameBatch.of([build(toIsp)]), 0, 1e9, egress); // batch 1 resolves the gateway
    arp.learn(gateway, macToBytes('02:00:00:00:01:99'), 0);
    const toConnected = build({ ...toIsp, destination: ipv4ToUint32('203.0.113.7') });
    // 2^32 batches later a 32-bit count would be at 1 again; one before that, at -1, the mark of an adjacency never resolved.
    for (const before of [2 ** 32, 2 ** 32 - 2]) {
      counter.batch = before;
      const batch = FrameBatch.of([build(toIsp), toConnected]);
      expect(router.forwardBatch(batch, 0, 1e9, egress)).toBe(2);
      expect([...batch.frame(0).subarray(0, 6)]).toEqual([2, 0, 0, 0, 1, 0x99]);
      expect([...batch.frame(1).subarray(0, 6)]).toEqual([0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa]);
    }
  });

  it('drops the frames the NAT has no port for, under its reason, and sends the others', () => {
    const flow = (sourcePort: number, sourceHost: 100 | 101 = 100): FrameSpec => ({ ...toIsp, sourcePort, sourceHost });
    // Two outside ports: the third and fourth flows find none, the fifth frame belongs to the first flow.
    const specs = [flow(5000), flow(7000), flow(7001), flow(5000, 101), flow(5000)];
    expectSameAsAlone(specs, 'tight', 0, false);
    const { router } = setup('tight');
    const egress = new Int32Array(specs.length);
    const batch = FrameBatch.of(specs.map((spec) => build(spec)));
    expect(router.forwardBatch(batch, 0, 1e9, egress)).toBe(3);
    expect([...egress]).toEqual([1, 1, Egress.dropped, Egress.dropped, 1]);
    expect(router.counters()['nat-ports-exhausted']).toBe(2);
  });

  it('translates frames that overlap in the buffer into packets with valid checksums', () => {
    const { router } = setup('small');
    const frame = build(toIsp);
    const batch = new FrameBatch(frame, Int32Array.of(0, 0), Int32Array.of(64, 64));
    const egress = new Int32Array(2);
    router.forwardBatch(batch, 0, 1e9, egress);
    expect(internetChecksum(frame, 14, 34)).toBe(0);
  });

  it('refuses a batch whose count does not fit its arrays, before touching a frame', () => {
    const { router } = setup('none');
    const batch = FrameBatch.of([build(toIsp), build(toIsp), build(toIsp)]);
    expect(() => router.forwardBatch(batch, 0, 1e9, new Int32Array(1))).toThrow(RangeError);
    batch.count = 2.5;
    expect(() => router.forwardBatch(batch, 0, 1e9, new Int32Array(3))).toThrow(RangeError);
    expect(router.counters().forwarded).toBe(0);
  });

  it('drops a frame that the batch places outside its buffer, and forwards the rest', () => {
    const { router } = setup('none');
    const batch = FrameBatch.of([build(toIsp), build(toIsp)]);
    batch.offsets[0] = 100;
    const egress = new Int32Array(2);
    expect(router.forwardBatch(batch, 0, 1e9, egress)).toBe(1);
    expect(egress[0]).toBe(-1);
    expect(router.counters().malformed).toBe(1);
  });
});

describe('FrameBatch', () => {
  it('packs copies of frames back to back and gives each back as a view', () => {
    const batch = FrameBatch.of([Uint8Array.of(1, 2, 3), Uint8Array.of(), Uint8Array.of(4)]);
    expect(batch.count).toBe(3);
    expect([...batch.offsets]).toEqual([0, 3, 3]);
    expect([...batch.frame(0)]).toEqual([1, 2, 3]);
    expect([...batch.frame(1)]).toEqual([]);
    expect([...batch.frame(2)]).toEqual([4]);
  });

  it('refuses frames laid out past the end of the buffer', () => {
    expect(() => new FrameBatch(new Uint8Array(10), Int32Array.of(0, 8), Int32Array.of(8, 4))).toThrow(/frame 1 \(4 bytes at 8\)/);
  });
});
