import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/event-queue.js';
import { Interface, type NetworkNode } from '../../src/sim/interface.js';
import { Link } from '../../src/sim/link.js';
import { SeededRandom } from '../../src/sim/random.js';
import { Simulator } from '../../src/sim/simulator.js';
import type { Frame } from '../../src/sim/frame.js';

describe('event queue', () => {
  it('pops in time order, ties in the order they were pushed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (times) => {
        const q = new EventQueue();
        times.forEach((t) => q.push(t, () => {}));
        const popped: Array<[number, number]> = [];
        for (let e = q.pop(); e; e = q.pop()) popped.push([e.timeNs, e.sequence]);
        const expected = times.map((t, i) => [t, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(popped).toEqual(expected);
      }),
    );
  });
});

describe('simulator', () => {
  it('runs events at their virtual times and never reads the wall clock', () => {
    const sim = new Simulator();
    const seen: number[] = [];
    sim.schedule(300, () => seen.push(sim.now));
    sim.schedule(100, () => {
      seen.push(sim.now);
      sim.schedule(50, () => seen.push(sim.now));
    });
    expect(sim.run()).toBe(3);
    expect(seen).toEqual([100, 150, 300]);
  });

  it('skips cancelled events and stops at the limits', () => {
    const sim = new Simulator();
    let fired = 0;
    const e = sim.schedule(10, () => fired++);
    sim.schedule(20, () => fired++);
    sim.schedule(30, () => fired++);
    sim.cancel(e);
    sim.run({ untilNs: 25 });
    expect(fired).toBe(1);
    expect(sim.now).toBe(20);
    sim.run();
    expect(fired).toBe(2);
  });

  it('refuses to schedule into the past', () => {
    expect(() => new Simulator().schedule(-1, () => {})).toThrow(RangeError);
  });

  it('maps virtual time onto its start date', () => {
    const sim = new Simulator({ startTime: new Date('2030-01-01T00:00:00Z') });
    sim.schedule(1_500_000_000, () => {});
    sim.run();
    expect(sim.date().toISOString()).toBe('2030-01-01T00:00:01.500Z');
    expect(sim.epochNs()).toBe(1_893_456_000_000_000_000n + 1_500_000_000n);
  });
});

describe('seeded random', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed);
      return [r.uint32(), r.int(1024, 65535), r.uint16(), [...r.bytes(7)], r.float()];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps int() within its bounds', () => {
    const r = new SeededRandom(7);
    for (let i = 0; i < 10_000; i++) {
      const v = r.int(49152, 65535);
      expect(v).toBeGreaterThanOrEqual(49152);
      expect(v).toBeLessThanOrEqual(65535);
    }
  });
});

class Recorder implements NetworkNode {
  readonly interfaces: Interface[] = [];
  readonly received: Array<{ at: number; frame: Frame }> = [];
  constructor(readonly name: string, private readonly sim: Simulator) {}
  receive(_iface: Interface, frame: Frame): void {
    this.received.push({ at: this.sim.now, frame });
  }
}

function pair(sim: Simulator, options: ConstructorParameters<typeof Link>[3]) {
  const a = new Recorder('a', sim);
  const b = new Recorder('b', sim);
  const ia = new Interface(a, 'eth0', '02:00:00:00:00:01', '10.0.0.1/24');
  const ib = new Interface(b, 'eth0', '02:00:00:00:00:02', '10.0.0.2/24');
  a.interfaces.push(ia);
  b.interfaces.push(ib);
  return { a, b, ia, ib, link: new Link(sim, ia, ib, options) };
}

function frameOf(length: number, id: bigint): Frame {
  const bytes = new Uint8Array(length);
  bytes[12] = 0x08;
  return { bytes, packetId: id };
}

describe('link', () => {
  it('delays by serialization, one frame at a time, plus propagation', () => {
    const sim = new Simulator();
    const { b, ia } = pair(sim, { delayNs: 1000, bandwidthBps: 8e6 }); // 1 byte per µs
    ia.send(frameOf(76, 1n)); // 100 bytes on the wire with overhead: 100 µs
    ia.send(frameOf(76, 2n));
    sim.run();
    expect(b.received.map((r) => r.at)).toEqual([101_000, 201_000]);
    expect(b.received.map((r) => r.frame.packetId)).toEqual([1n, 2n]);
  });

  it('hands the receiver its own copy of the bytes', () => {
    const sim = new Simulator();
    const { b, ia } = pair(sim, {});
    const f = frameOf(60, 1n);
    ia.send(f);
    sim.run();
    b.received[0].frame.bytes[0] = 0xff;
    expect(f.bytes[0]).toBe(0);
  });

  it('drops frames over the MTU, on a link that is down, and at its seeded loss rate', () => {
    const sim = new Simulator({ seed: 3 });
    const { b, ia, link } = pair(sim, { mtu: 100, lossRate: 0.5 });
    ia.send(frameOf(14 + 101, 1n));
    expect(link.drops['mtu-exceeded']).toBe(1);
    for (let i = 0; i < 200; i++) ia.send(frameOf(60, BigInt(i)));
    sim.run();
    expect(link.drops.lost + b.received.length).toBe(200);
    expect(link.drops.lost).toBeGreaterThan(60);
    expect(link.drops.lost).toBeLessThan(140);
    link.setUp(false);
    ia.send(frameOf(60, 999n));
    expect(link.drops['link-down']).toBe(1);
  });

  it('rejects an interface plugged into two links and a malformed address', () => {
    const sim = new Simulator();
    const { ia, ib } = pair(sim, {});
    expect(() => new Link(sim, ia, ib)).toThrow(/already connected/);
    expect(() => new Interface(new Recorder('x', sim), 'eth0', '02:00:00:00:00:03', '10.0.0.300/24')).toThrow(/not an IPv4 address/);
  });
});
