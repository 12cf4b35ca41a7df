import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../codecs/checksum.js';
import * as ethernet from '../../codecs/ethernet.js';
import * as icmp from '../../codecs/icmp.js';
import * as ipv4 from '../../codecs/ipv4.js';
import * as udp from '../../codecs/udp.js';
import type { IcmpErrorInfo } from '../../src/stack/ip-layer.js';
import { EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN } from '../../src/stack/udp.js';
import { recordSent, twoHosts } from './stack-fixtures.js';

function ipFrames(sent: { bytes: Uint8Array }[]) {
  return sent.filter((f) => ethernet.decode(f.bytes).header.etherType === ethernet.EtherType.ipv4).map((f) => ipv4.decode(f.bytes, 14));
}

function payload(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13) & 0xff);
}

/** Alice and bob have talked once, so ARP is out of the way. */
function warmedUp(seed = 7, mtu = 1500) {
  const t = twoHosts(seed, { mtu });
  t.a.ping('10.0.0.2', {}, () => undefined);
  t.sim.run();
  return t;
}

describe('IPv4 on a host', () => {
  it('sends a 4000-byte UDP datagram as three fragments over MTU 1500 and delivers it whole', () => {
    const { sim, a, b } = warmedUp();
    const sent = recordSent(a.interfaces[0]);
    const got: Uint8Array[] = [];
    b.udp.bind(9000).onMessage((data) => got.push(data.slice()));
    a.udp.bind(5000).sendTo('10.0.0.2', 9000, payload(4000));
    sim.run();
    const frags = ipFrames(sent);
    expect(frags.map((f) => [f.header.totalLength, f.header.fragmentOffset, f.header.moreFragments])).toEqual([
      [1500, 0, true],
      [1500, 1480, true],
      [1068, 2960, false],
    ]);
    expect(new Set(frags.map((f) => f.header.identification)).size).toBe(1);
    // One datagram: the fragments share its packet id.
    expect(new Set(sent.map((f) => f.packetId)).size).toBe(1);
    expect(got).toEqual([payload(4000)]);
    expect(sim.log.ofKind('ip-fragmented')[0]).toMatchObject({ fragments: 3, mtu: 1500, length: 4028 });
    expect(b.ip.reassembler.bufferedBytes).toBe(0);
  });

  it('reassembles fragments that arrive out of order, and frees a datagram with a lost fragment after 30 s', () => {
    const { sim, a } = warmedUp();
    const sent = recordSent(a.interfaces[0]);
    const sock = a.udp.bind(5000);
    sock.sendTo('10.0.0.2', 9000, payload(4000));
    sock.sendTo('10.0.0.2', 9000, payload(3000));
    sim.run();
    const frames = sent.map((f) => f.bytes);
    expect(frames).toHaveLength(6);
    // A second bob, same address and MAC, is handed the fragments by hand: out of order, and one lost.
    const other = twoHosts(8);
    const bob = other.b;
    const got: Uint8Array[] = [];
    bob.udp.bind(9000).onMessage((data) => got.push(data.slice()));
    for (const i of [2, 0, 1]) bob.receive(bob.interfaces[0], { bytes: frames[i].slice(), packetId: 1n });
    expect(got).toEqual([payload(4000)]);
    for (const i of [4, 3]) bob.receive(bob.interfaces[0], { bytes: frames[i].slice(), packetId: 2n });
    expect(bob.ip.reassembler.bufferedBytes).toBe(2960);
    other.sim.run({ untilNs: 29.9e9 });
    expect(bob.ip.reassembler.waiting).toBe(1);
    other.sim.run({ untilNs: 30.1e9 });
    expect(bob.ip.reassembler.waiting).toBe(0);
    expect(bob.ip.reassembler.bufferedBytes).toBe(0);
    expect(got).toHaveLength(1);
    expect(bob.dropCounts()['reassembly-timeout']).toBe(1);
    // RFC 792 Time Exceeded, code 1 (reassembly), goes back since the first fragment came.
    expect(other.sim.log.ofKind('icmp-error-sent')).toMatchObject([{ node: 'bob', type: 11, code: 1, to: '10.0.0.1' }]);
  });

  it('gives the socket "fragmentation needed" with the MTU when Don\'t Fragment is set and the datagram is too big', () => {
    const { sim, a } = warmedUp(7, 1400);
    const sent = recordSent(a.interfaces[0]);
    const errors: IcmpErrorInfo[] = [];
    const sock = a.udp.bind(5000);
    sock.onError((e) => errors.push(e));
    sock.sendTo('10.0.0.2', 9000, payload(2000), { dontFragment: true });
    sim.run();
    expect(sent).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: 3, code: 4, nextHopMtu: 1400, quotedProtocol: 17, quotedDestination: 0x0a000002 });
    expect(a.dropCounts()['frag-needed']).toBe(1);
  });

  it('counts frames with a bad header checksum, for another host, or cut too short to read', () => {
    const { sim, a, b } = warmedUp();
    const sent = recordSent(a.interfaces[0]);
    a.udp.bind(5000).sendTo('10.0.0.2', 9000, payload(10));
    sim.run({ untilNs: sim.now });
    const good = sent[0].bytes;
    const iface = b.interfaces[0];
    const badSum = good.slice();
    badSum[14 + 10] ^= 1;
    b.receive(iface, { bytes: badSum, packetId: 9n });
    const otherHost = good.slice();
    otherHost[14 + 19] = 77;
    otherHost[14 + 10] = 0;
    otherHost[14 + 11] = 0;
    const sum = internetChecksum(otherHost, 14, 34);
    otherHost[14 + 10] = sum >> 8;
    otherHost[14 + 11] = sum & 0xff;
    b.receive(iface, { bytes: otherHost, packetId: 9n });
    const otherMac = good.slice();
    otherMac[5] = 0x99;
    b.receive(iface, { bytes: otherMac, packetId: 9n });
    const truncated = good.slice(0, 30);
    b.receive(iface, { bytes: truncated, packetId: 9n });
    expect(b.dropCounts()).toMatchObject({ 'bad-checksum': 1, 'not-for-us': 2, malformed: 1 });
  });

  it('never throws on random or mutated frames, whatever they hold (fuzz)', () => {
    const { sim, a, b } = warmedUp();
    const sent = recordSent(a.interfaces[0]);
    a.udp.bind(5000).sendTo('10.0.0.2', 9000, payload(3000));
    a.ping('10.0.0.2', { size: 2000 }, () => undefined);
    sim.run();
    const seeds = sent.map((f) => f.bytes);
    const iface = b.interfaces[0];
    const header = seeds[0].subarray(0, 14);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((body) => Uint8Array.from([...header, ...body])),
          fc.tuple(fc.nat(seeds.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat()).map(([i, edits, cut]) => {
            const bytes = seeds[i].slice(0, Math.max(14, seeds[i].length - (cut % 40)));
            for (const [at, v] of edits) bytes[14 + (at % (bytes.length - 14))] = v;
            return bytes;
          }),
        ),
        (bytes) => {
          b.receive(iface, { bytes, packetId: 1n });
          sim.run({ maxEvents: 1000 });
        },
      ),
      { numRuns: 1000 },
    );
    expect(b.ip.reassembler.bufferedBytes).toBeLessThanOrEqual(256 * 1024);
  });

  it('draws IP ids per destination from a random start, then counts up', () => {
    const { sim, a } = warmedUp();
    const sent = recordSent(a.interfaces[0]);
    const sock = a.udp.bind(5000);
    for (let i = 0; i < 3; i++) sock.sendTo('10.0.0.2', 9, payload(1));
    sim.run();
    const ids = ipFrames(sent).map((f) => f.header.identification);
    expect(ids).toEqual([ids[0], (ids[0] + 1) & 0xffff, (ids[0] + 2) & 0xffff]);
  });
});

describe('UDP sockets', () => {
  it('binds explicit and ephemeral ports, refusing one in use', () => {
    const { a } = twoHosts();
    const fixed = a.udp.bind(5353);
    expect(() => a.udp.bind(5353)).toThrow(/in use/);
    const ports = Array.from({ length: 50 }, () => a.udp.bind().port);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(EPHEMERAL_PORT_MIN);
    for (const p of ports) expect(p).toBeLessThanOrEqual(EPHEMERAL_PORT_MAX);
    expect(new Set(ports).size).toBe(50);
    fixed.close();
    expect(a.udp.isBound(5353)).toBe(false);
    expect(a.udp.bind(5353).port).toBe(5353);
  });

  it('sends with a valid checksum and tells the receiver who sent', () => {
    const { sim, a, b } = warmedUp();
    const sent = recordSent(a.interfaces[0]);
    const from: unknown[] = [];
    b.udp.bind(7).onMessage((data, peer) => from.push([new TextDecoder().decode(data), peer.address, peer.port, peer.ttl]));
    a.udp.bind(4444).sendTo('10.0.0.2', 7, new TextEncoder().encode('hello'));
    sim.run();
    expect(from).toEqual([['hello', '10.0.0.1', 4444, 64]]);
    const ip = ipFrames(sent)[0];
    const d = udp.decode(ip.payload, 0, ip.payloadLength, { source: '10.0.0.1', destination: '10.0.0.2' });
    expect(d.header).toMatchObject({ sourcePort: 4444, destinationPort: 7, length: 13, checksumValid: true });
    expect(d.header.checksum).not.toBe(0);
  });

  it('answers a datagram for an unbound port with port unreachable, which reaches the sending socket', () => {
    const { sim, a, b } = warmedUp();
    const sent = recordSent(b.interfaces[0]);
    const errors: IcmpErrorInfo[] = [];
    const sock = a.udp.bind(4444);
    sock.onError((e) => errors.push(e));
    sock.sendTo('10.0.0.2', 9999, payload(20));
    sim.run();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: 3, code: 3, reporter: 0x0a000002, quotedProtocol: 17 });
    expect([...errors[0].quotedTransport.subarray(0, 4)]).toEqual([4444 >> 8, 4444 & 0xff, 9999 >> 8, 9999 & 0xff]);
    const reply = ipFrames(sent)[0];
    const message = icmp.decode(reply.payload, 0, reply.payloadLength).header;
    expect(message).toMatchObject({ type: 3, code: 3, checksumValid: true });
    expect(b.dropCounts()['port-unreachable']).toBe(1);
  });

  it('rate-limits port unreachable messages', () => {
    const { sim, a, b } = warmedUp();
    const sent = recordSent(b.interfaces[0]);
    const sock = a.udp.bind(4444);
    for (let i = 0; i < 30; i++) sock.sendTo('10.0.0.2', 9999, payload(4));
    sim.run();
    expect(ipFrames(sent)).toHaveLength(10);
    expect(b.dropCounts()).toMatchObject({ 'port-unreachable': 30, 'icmp-rate-limited': 20 });
  });

  it('drops a datagram whose UDP checksum is wrong', () => {
    const { sim, a, b } = warmedUp();
    const sent = recordSent(a.interfaces[0]);
    const got: Uint8Array[] = [];
    b.udp.bind(7).onMessage((d) => got.push(d));
    a.udp.bind(4444).sendTo('10.0.0.2', 7, payload(8));
    sim.run({ untilNs: sim.now });
    const bytes = sent[0].bytes.slice();
    bytes[14 + 20 + 8] ^= 0xff;
    b.receive(b.interfaces[0], { bytes, packetId: 1n });
    expect(got).toHaveLength(0);
    expect(b.dropCounts()['bad-checksum']).toBe(1);
  });
});
