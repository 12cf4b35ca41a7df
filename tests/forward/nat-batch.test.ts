import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../codecs/checksum.js';
import { FrameBatch } from '../../src/forward/frame-batch.js';
import { Nat, NatResult } from '../../src/forward/nat.js';
import { API, DNS, LAPTOP, OTHER, OUTSIDE, S, echoPacket, icmpErrorPacket, ipChecksumOk, ipPacket, tcpPacket, transportChecksumOk, udpPacket } from './nat-packets.js';

/** `packets` in one buffer, each `gap` bytes after the last, in the given order or the reverse; offsets in batch order. */
function layOut(packets: readonly Uint8Array[], gap = 0, reversed = false): { batch: FrameBatch; ip: Int32Array } {
  const ip = new Int32Array(packets.length);
  let total = gap;
  for (const p of packets) total += p.length + gap;
  const bytes = new Uint8Array(total);
  let at = gap;
  const order = packets.map((_, i) => (reversed ? packets.length - 1 - i : i));
  for (const i of order) {
    bytes.set(packets[i], at);
    ip[i] = at;
    at += packets[i].length + gap;
  }
  const lengths = Int32Array.from(packets, (p) => p.length);
  return { batch: new FrameBatch(bytes, ip.slice(), lengths), ip };
}

/** The packet with four bytes of IP options (three NOPs and an end), its header checksum made right again. */
function withOptions(p: Uint8Array): Uint8Array {
  const q = new Uint8Array(p.length + 4);
  q.set(p.subarray(0, 20));
  q.set([1, 1, 1, 0], 20);
  q.set(p.subarray(20), 24);
  q[0] = 0x46;
  q[3] += 4;
  q[10] = 0;
  q[11] = 0;
  const c = internetChecksum(q, 0, 24);
  q[10] = c >>> 8;
  q[11] = c & 0xff;
  return q;
}

describe('Nat.outboundBatch', () => {
  it('translates a batch as outbound() would, the common packets inline and the rest the general way', () => {
    const nat = new Nat({ outsideAddress: OUTSIDE });
    const results = new Int32Array(4);
    const { batch, ip } = layOut([udpPacket(LAPTOP, 55555, DNS, 53), echoPacket(LAPTOP, DNS, 8, 5000), tcpPacket(LAPTOP, 40000, API, 443, { syn: true }), udpPacket(LAPTOP, 55555, DNS, 53)]);
    nat.outboundBatch(batch, ip, 0, 4, 0, results);
    expect([...results]).toEqual([NatResult.translated, NatResult.translated, NatResult.translated, NatResult.translated]);
    expect(batch.frame(0)).toEqual(udpPacket(OUTSIDE, 55555, DNS, 53));
    expect(batch.frame(1)).toEqual(echoPacket(OUTSIDE, DNS, 8, 5000));
    expect(batch.frame(2)).toEqual(tcpPacket(OUTSIDE, 40000, API, 443, { syn: true }));
    // The fourth packet is the first one's flow: the session the first created serves it.
    expect(batch.frame(3)).toEqual(udpPacket(OUTSIDE, 55555, DNS, 53));
    expect(nat.size).toBe(3);
    expect(nat.describeLast()).toMatchObject({ inside: `${LAPTOP}:55555`, created: false });
    expect(nat.counters().translatedOutbound).toBe(4);

    const again = layOut([udpPacket(LAPTOP, 55555, DNS, 53), tcpPacket(LAPTOP, 40000, API, 443, { ack: true })], 3);
    nat.outboundBatch(again.batch, again.ip, 0, 2, 1 * S, results);
    expect(again.batch.frame(0)).toEqual(udpPacket(OUTSIDE, 55555, DNS, 53));
    expect(again.batch.frame(1)).toEqual(tcpPacket(OUTSIDE, 40000, API, 443, { ack: true }));
    expect(nat.describeLast()).toMatchObject({ protocol: 'tcp', inside: `${LAPTOP}:40000`, created: false });
  });

  it('touches only the packets in [from, to) whose offset is not negative', () => {
    const nat = new Nat({ outsideAddress: OUTSIDE });
    const packets = [udpPacket(LAPTOP, 41000, DNS, 53), udpPacket(LAPTOP, 41001, DNS, 53), udpPacket(LAPTOP, 41002, DNS, 53), udpPacket(LAPTOP, 41003, DNS, 53)];
    const { batch, ip } = layOut(packets);
    ip[2] = -1;
    const results = new Int32Array(4).fill(99);
    nat.outboundBatch(batch, ip, 1, 4, 0, results);
    expect([...results]).toEqual([99, NatResult.translated, 99, NatResult.translated]);
    expect(batch.frame(0)).toEqual(packets[0]);
    expect(batch.frame(2)).toEqual(packets[2]);
    expect(batch.frame(3)).toEqual(udpPacket(OUTSIDE, 41003, DNS, 53));
  });

  it('looks a session up again when a packet before it in the batch freed its id for another flow', () => {
    const nat = new Nat({ outsideAddress: OUTSIDE, capacity: 1, timeouts: { udpNs: 10 * S } });
    const results = new Int32Array(2);
    nat.outbound(udpPacket(LAPTOP, 55555, DNS, 53), 0, 0);
    // The first packet needs the only session: making room reclaims the laptop's expired one, which the second packet was found under.
    const { batch, ip } = layOut([udpPacket(OTHER, 40000, API, 443), udpPacket(LAPTOP, 55555, DNS, 53)]);
    nat.outboundBatch(batch, ip, 0, 2, 100 * S, results);
    expect([...results]).toEqual([NatResult.translated, NatResult.portsExhausted]);
    expect(batch.frame(1)).toEqual(udpPacket(LAPTOP, 55555, DNS, 53));
    expect(nat.table(100 * S).map((row) => row.internal)).toEqual([`${OTHER}:40000`]);
  });

  it('translates packets that overlap, or lie out of order, one at a time into valid checksums', () => {
    const nat = new Nat({ outsideAddress: OUTSIDE });
    const p = udpPacket(LAPTOP, 5000, DNS, 53);
    const batch = new FrameBatch(p, Int32Array.of(0, 0), Int32Array.of(p.length, p.length));
    const results = new Int32Array(2);
    nat.outboundBatch(batch, batch.offsets, 0, 2, 0, results);
    expect(ipChecksumOk(p)).toBe(true);
    expect(transportChecksumOk(p)).toBe(true);
  });

  it('refuses a range that does not fit its offsets or result slots', () => {
    const nat = new Nat({ outsideAddress: OUTSIDE });
    const { batch, ip } = layOut([udpPacket(LAPTOP, 41000, DNS, 53)]);
    expect(() => nat.outboundBatch(batch, ip, 0, 2, 0, new Int32Array(2))).toThrow(RangeError);
    expect(() => nat.outboundBatch(batch, ip, 0, 1, 0, new Int32Array(0))).toThrow(RangeError);
    expect(() => nat.outboundBatch(batch, ip, 1, 0, 0, new Int32Array(1))).toThrow(RangeError);
    expect(() => nat.outboundBatch(batch, ip, 0.5, 1, 0, new Int32Array(1))).toThrow(RangeError);
    expect(nat.size).toBe(0);
  });

  describe('against outbound() one packet at a time', () => {
    const endpoint = fc.record({
      inside: fc.constantFrom(LAPTOP, OTHER),
      remote: fc.constantFrom(DNS, API),
      // Few ports, so that flows recur and collide; 5000 and 5001 are the whole range of a 'tight' NAT.
      insidePort: fc.constantFrom(5000, 5001, 5002, 40000),
      remotePort: fc.constantFrom(53, 443),
    });
    const packet = fc.record({
      kind: fc.constantFrom('udp', 'udp', 'udp0', 'tcp', 'echo', 'error', 'gre', 'fragment', 'options', 'short', 'skip'),
      endpoint,
      flags: fc.constantFrom({ ack: true }, { syn: true }, { fin: true, ack: true }, { rst: true }),
    });
    type Spec = typeof packet extends fc.Arbitrary<infer T> ? T : never;

    function build(spec: Spec): Uint8Array {
      const { inside, remote, insidePort, remotePort } = spec.endpoint;
      switch (spec.kind) {
        case 'udp0':
          return udpPacket(inside, insidePort, remote, remotePort, undefined, { zeroChecksum: true });
        case 'tcp':
          return tcpPacket(inside, insidePort, remote, remotePort, spec.flags);
        case 'echo':
          return echoPacket(inside, remote, 8, insidePort);
        case 'error':
          return icmpErrorPacket(inside, remote, 3, 3, udpPacket(remote, remotePort, inside, insidePort), 28);
        case 'gre':
          return ipPacket(inside, remote, 47, new Uint8Array(8));
        case 'fragment':
          return udpPacket(inside, insidePort, remote, remotePort, undefined, { fragmentOffset: 8 });
        case 'options':
          return withOptions(udpPacket(inside, insidePort, remote, remotePort));
        case 'short':
          return udpPacket(inside, insidePort, remote, remotePort).subarray(0, 24);
        default:
          return udpPacket(inside, insidePort, remote, remotePort);
      }
    }

    function newPair(tight: boolean): [Nat, Nat] {
      const options = { outsideAddress: OUTSIDE, capacity: tight ? 4 : 64, portRange: tight ? ([5000, 5001] as const) : undefined, timeouts: { udpNs: 20 * S, tcpTransitoryNs: 30 * S } };
      return [new Nat(options), new Nat(options)];
    }

    it('gives the same results, bytes, table, counters and last translation', () => {
      const round = fc.record({ packets: fc.array(packet, { minLength: 1, maxLength: 24 }), step: fc.constantFrom(0, 1, 15, 25), gap: fc.nat(3), reversed: fc.boolean() });
      fc.assert(
        fc.property(fc.array(round, { minLength: 1, maxLength: 5 }), fc.boolean(), (rounds, tight) => {
          const [batched, single] = newPair(tight);
          let now = 0;
          for (const { packets, step, gap, reversed } of rounds) {
            now += step * S;
            const built = packets.map(build);
            const { batch, ip } = layOut(built, gap, reversed);
            packets.forEach((spec, i) => {
              if (spec.kind === 'skip') ip[i] = -1;
            });
            // The same buffer, one packet at a time in batch order.
            const copy = batch.bytes.slice();
            const expected = packets.map((_, i) => (ip[i] < 0 ? -7 : single.outbound(copy, ip[i], now)));
            const results = new Int32Array(packets.length).fill(-7);
            batched.outboundBatch(batch, ip, 0, packets.length, now, results);
            expect([...results]).toEqual(expected);
            expect(batch.bytes).toEqual(copy);
            expect(batched.table(now)).toEqual(single.table(now));
            expect(batched.counters()).toEqual(single.counters());
            expect(batched.describeLast()).toEqual(single.describeLast());
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
