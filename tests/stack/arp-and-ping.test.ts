import { describe, expect, it } from 'vitest';
import * as arp from '../../codecs/arp.js';
import * as ethernet from '../../codecs/ethernet.js';
import * as icmp from '../../codecs/icmp.js';
import * as ipv4 from '../../codecs/ipv4.js';
import { Host } from '../../src/nodes/host.js';
import { Link } from '../../src/sim/link.js';
import { Simulator } from '../../src/sim/simulator.js';
import type { PingResult } from '../../src/stack/icmp-responder.js';
import { recordSent, twoHosts } from './stack-fixtures.js';

describe('ARP on a host', () => {
  it('misses, asks, learns, then hits without asking again', () => {
    const { sim, a, b } = twoHosts();
    const sent = recordSent(a.interfaces[0], b.interfaces[0]);
    const results: PingResult[] = [];
    a.ping('10.0.0.2', {}, (r) => results.push(r));
    sim.run();
    a.ping('10.0.0.2', {}, (r) => results.push(r));
    sim.run();

    const lookups = sim.log.ofKind('arp-lookup').filter((e) => e.node === 'alice');
    expect(lookups.map((e) => e.hit)).toEqual([false, true]);
    expect(lookups[1].mac).toBe('02:00:00:00:00:0b');
    // One request and one reply on the wire, then four echo frames.
    const arpFrames = sent.filter((f) => ethernet.decode(f.bytes).header.etherType === ethernet.EtherType.arp);
    expect(arpFrames.map((f) => arp.decode(f.bytes, 14).header.opcode)).toEqual([arp.ArpOpcode.request, arp.ArpOpcode.reply]);
    expect(sent.length).toBe(6);
    expect(results.map((r) => r.kind)).toEqual(['reply', 'reply']);

    expect(a.arpTable()).toEqual([{ ip: '10.0.0.2', mac: '02:00:00:00:00:0b', state: 'reachable', expiresInNs: expect.any(Number), interface: 'eth0' }]);
    // Bob learnt alice from her request, which was aimed at him.
    expect(b.arpTable().map((r) => [r.ip, r.mac])).toEqual([['10.0.0.1', '02:00:00:00:00:0a']]);
    expect(a.formatArpTable()).toContain('10.0.0.2');
    expect(sim.log.ofKind('arp-learn').map((e) => [e.node, e.ip])).toEqual([
      ['bob', '10.0.0.1'],
      ['alice', '10.0.0.2'],
    ]);
  });

  it('keeps using an entry gone stale, confirming it with one request', () => {
    const { sim, a } = twoHosts();
    a.ping('10.0.0.2', {}, () => undefined);
    sim.run();
    const results: PingResult[] = [];
    sim.schedule(31e9, () => a.ping('10.0.0.2', {}, (r) => results.push(r)));
    sim.run({ untilNs: sim.now + 31e9 + 1 });
    expect(a.arpTable()[0].state).toBe('stale');
    sim.run();
    expect(results.map((r) => r.kind)).toEqual(['reply']);
    expect(sim.log.ofKind('arp-lookup').filter((e) => e.node === 'alice').map((e) => e.hit)).toEqual([false, true]);
    expect(sim.log.ofKind('arp-request').filter((e) => e.node === 'alice')).toHaveLength(2);
    expect(a.arpTable()[0].state).toBe('reachable');
  });

  it('retries, gives up and reports host unreachable to the sender', () => {
    const { sim, a } = twoHosts();
    const sent = recordSent(a.interfaces[0]);
    const results: PingResult[] = [];
    a.ping('10.0.0.99', { timeoutNs: 10e9 }, (r) => results.push(r));
    sim.run();
    const requests = sent.filter((f) => ethernet.decode(f.bytes).header.etherType === ethernet.EtherType.arp);
    expect(requests.length).toBe(3);
    expect(requests.map((f) => arp.decode(f.bytes, 14).header.targetProtocolAddress)).toEqual(['10.0.0.99', '10.0.0.99', '10.0.0.99']);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ kind: 'error', type: icmp.IcmpType.destinationUnreachable, code: icmp.DestinationUnreachableCode.host, reporter: '10.0.0.1' });
    expect(a.dropCounts()['arp-failed']).toBe(1);
    expect(a.arpTable()).toEqual([]);
  });

  it('sends packets that waited on ARP in the order they were sent', () => {
    const { sim, a, b } = twoHosts();
    const got: number[] = [];
    const server = b.udp.bind(7);
    server.onMessage((data) => got.push(data[0]));
    const client = a.udp.bind(5000);
    for (let i = 0; i < 5; i++) client.sendTo('10.0.0.2', 7, new Uint8Array([i]));
    sim.run();
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(sim.log.ofKind('arp-request').filter((e) => e.node === 'alice')).toHaveLength(1);
  });

  it('bounds the packets waiting on ARP and counts the ones turned away', () => {
    const sim = new Simulator({ seed: 2 });
    const a = new Host(sim, { name: 'alice', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:0a', address: '10.0.0.1/24' }], arp: { queueLimit: 2 } });
    const b = new Host(sim, { name: 'bob', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:0b', address: '10.0.0.2/24' }] });
    new Link(sim, a.interfaces[0], b.interfaces[0]);
    const got: number[] = [];
    b.udp.bind(7).onMessage((data) => got.push(data[0]));
    const client = a.udp.bind(5000);
    for (let i = 0; i < 5; i++) client.sendTo('10.0.0.2', 7, new Uint8Array([i]));
    sim.run();
    expect(got).toEqual([0, 1]);
    expect(a.dropCounts()['arp-queue-full']).toBe(3);
  });

  it('announces itself with a gratuitous ARP when its link comes up, and neighbours update', () => {
    const { sim, a, b, wire } = twoHosts();
    a.ping('10.0.0.2', {}, () => undefined);
    sim.run();
    wire.setUp(false);
    const sent = recordSent(a.interfaces[0]);
    wire.setUp(true);
    sim.run();
    const grat = sent.map((f) => arp.decode(f.bytes, 14).header).find((h) => h.senderProtocolAddress === '10.0.0.1' && h.targetProtocolAddress === '10.0.0.1');
    expect(grat).toMatchObject({ opcode: arp.ArpOpcode.request, senderHardwareAddress: '02:00:00:00:00:0a' });
    expect(sim.log.ofKind('arp-gratuitous').map((e) => e.node).sort()).toEqual(['alice', 'bob']);
    // Bob already knew alice, so the announcement refreshed his entry.
    expect(b.arpTable()[0]).toMatchObject({ ip: '10.0.0.1', state: 'reachable' });
  });
});

describe('ping on one link', () => {
  it('works both ways, mirroring identifier, sequence and data', () => {
    const { sim, a, b } = twoHosts();
    const sent = recordSent(a.interfaces[0], b.interfaces[0]);
    const ab: PingResult[] = [];
    const ba: PingResult[] = [];
    a.ping('10.0.0.2', { identifier: 0x1234, sequence: 9, size: 100 }, (r) => ab.push(r));
    sim.run();
    b.ping('10.0.0.1', {}, (r) => ba.push(r));
    sim.run();
    expect(ab).toEqual([{ kind: 'reply', from: '10.0.0.2', ttl: 64, bytes: 100, identifier: 0x1234, sequence: 9, rttNs: expect.any(Number) }]);
    expect(ba[0]).toMatchObject({ kind: 'reply', from: '10.0.0.1', ttl: 64, bytes: 56 });
    // The reply carries exactly the request's ICMP body.
    const echoes = sent
      .filter((f) => ethernet.decode(f.bytes).header.etherType === ethernet.EtherType.ipv4)
      .map((f) => {
        const ip = ipv4.decode(f.bytes, 14);
        return icmp.decode(ip.payload, 0, ip.payloadLength);
      });
    expect(echoes[0].header).toMatchObject({ type: 8, identifier: 0x1234, sequenceNumber: 9, checksumValid: true });
    expect(echoes[1].header).toMatchObject({ type: 0, identifier: 0x1234, sequenceNumber: 9, checksumValid: true });
    expect(echoes[1].payload).toEqual(echoes[0].payload);
    // RTT: two 1 ms propagations plus serialization.
    expect(ab[0].rttNs).toBeGreaterThan(2_000_000);
  });

  it('times out when nothing answers', () => {
    const { sim, a, wire } = twoHosts();
    a.ping('10.0.0.2', {}, () => undefined);
    sim.run();
    wire.setUp(false);
    const results: PingResult[] = [];
    a.ping('10.0.0.2', { timeoutNs: 500e6 }, (r) => results.push(r));
    sim.run();
    expect(results).toEqual([{ kind: 'timeout', identifier: expect.any(Number), sequence: 2, rttNs: 500e6 }]);
    expect(a.ip.arpTable()[0]).toMatchObject({ ip: '10.0.0.2' });
  });

  it('reports no route when there is neither a connected subnet nor a gateway', () => {
    const { sim, a } = twoHosts();
    const results: PingResult[] = [];
    a.ping('192.0.2.1', {}, (r) => results.push(r));
    sim.run();
    expect(results[0]).toMatchObject({ kind: 'error', code: icmp.DestinationUnreachableCode.net });
    expect(a.dropCounts()['no-route']).toBe(1);
  });
});
