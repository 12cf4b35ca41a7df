import { describe, expect, it } from 'vitest';
import { readCapture } from '../../codecs/capture.js';
import { collect } from '../../codecs/capture-record.js';
import { IcmpType, TimeExceededCode, DestinationUnreachableCode } from '../../codecs/icmp.js';
import type { Router } from '../../src/nodes/router.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { tempFile, twoRouters } from '../helpers/networks.js';
import type { ProbeHost } from '../helpers/probe-host.js';

function setup(seed = 1, coreMtu?: number) {
  const net = twoRouters(seed, coreMtu);
  const out = collect();
  net.capture(out.sink, { comment: 'two routers' });
  return { net, out, alpha: net.node<ProbeHost>('alpha'), beta: net.node<ProbeHost>('beta'), r1: net.node<Router>('r1'), r2: net.node<Router>('r2') };
}

describe('router', () => {
  it('carries a ping across two routers; the reply arrives with TTL 62', () => {
    const { net, alpha, beta, r1, r2 } = setup();
    alpha.ping('10.2.0.20');
    net.sim.run();
    expect(beta.icmp).toMatchObject([{ from: '10.1.0.10', type: IcmpType.echoRequest, ttl: 62 }]);
    expect(alpha.icmp).toMatchObject([{ from: '10.2.0.20', type: IcmpType.echoReply, ttl: 62 }]);
    // The request waited for ARP at each router, then went; the reply went straight through.
    expect(r1.counters()).toMatchObject({ forwarded: 1, queued: 1, releasedAfterArp: 1, 'ttl-expired': 0, 'no-route': 0 });
    expect(r2.counters()).toMatchObject({ forwarded: 1, queued: 1, releasedAfterArp: 1 });
    // Each router asked for its next hop once and answered the ARP for its own address.
    expect(r1.counters().arpRequestsSent).toBe(1);
    expect(r1.counters().arpRepliesSent).toBe(1);
  });

  it('logs each route with the prefix that won and the ones it beat, the next hop, TTL and MACs', () => {
    const { net, alpha } = setup();
    alpha.ping('10.2.0.20', { sequenceNumber: 1 });
    net.sim.run();
    alpha.ping('10.2.0.20', { sequenceNumber: 2 });
    net.sim.run();
    const routes = net.sim.log.ofKind('route');
    const first = routes.find((e) => e.node === 'r1' && e.destination === '10.2.0.20' && e.outcome === 'forwarded');
    expect(first).toMatchObject({
      prefix: '10.2.0.0/24',
      beat: ['10.0.0.0/8', '0.0.0.0/0'],
      nextHop: '10.12.0.2',
      nextHopName: 'beta network',
      ingress: 'eth0',
      egress: 'eth1',
      ttlBefore: 64,
      ttlAfter: 63,
      macSource: '02:00:00:00:01:01',
      macDestination: '02:00:00:00:02:00',
    });
    // The first packet waited for ARP; the log says so before it says it was sent.
    expect(routes[0]).toMatchObject({ node: 'r1', outcome: 'waiting for ARP', macDestination: null, prefix: '10.2.0.0/24' });
    const release = net.sim.log.ofKind('arp-release')[0];
    expect(release).toMatchObject({ node: 'r1', packetId: routes[0].packetId, macDestination: '02:00:00:00:02:00', egress: 'eth1' });
    expect(release.timeNs).toBeGreaterThan(routes[0].timeNs);
    const onR2 = routes.find((e) => e.node === 'r2' && e.destination === '10.2.0.20');
    expect(onR2).toMatchObject({ prefix: '10.2.0.0/24', beat: [], connected: true, nextHop: '10.2.0.20', ttlBefore: 63, ttlAfter: 62 });
  });

  it('answers traceroute: Time Exceeded from each router in turn, then the echo reply', () => {
    const { net, alpha, r1, r2 } = setup();
    for (let ttl = 1; ttl <= 3; ttl++) {
      net.sim.schedule((ttl - 1) * 1e9, () => alpha.ping('10.2.0.20', { ttl, sequenceNumber: ttl }));
    }
    net.sim.run();
    expect(alpha.icmp.map((m) => [m.from, m.type, m.code])).toEqual([
      ['10.1.0.1', IcmpType.timeExceeded, TimeExceededCode.ttl],
      ['10.12.0.2', IcmpType.timeExceeded, TimeExceededCode.ttl],
      ['10.2.0.20', IcmpType.echoReply, 0],
    ]);
    expect(r1.counters()).toMatchObject({ 'ttl-expired': 1, icmpSent: 1 });
    expect(r2.counters()).toMatchObject({ 'ttl-expired': 1, icmpSent: 1 });
    expect(net.sim.log.ofKind('drop').filter((e) => e.reason === 'ttl-expired').map((e) => e.node)).toEqual(['r1', 'r2']);
  });

  it('answers a ping to its own addresses, near and far side', () => {
    const { net, alpha, r1 } = setup();
    alpha.ping('10.1.0.1', { sequenceNumber: 1 });
    net.sim.schedule(1e9, () => alpha.ping('10.12.0.1', { sequenceNumber: 2 }));
    net.sim.run();
    expect(alpha.icmp.map((m) => [m.from, m.type, m.sequenceNumber, m.ttl])).toEqual([
      ['10.1.0.1', IcmpType.echoReply, 1, 255],
      ['10.12.0.1', IcmpType.echoReply, 2, 255],
    ]);
    expect(r1.counters()).toMatchObject({ echoReplies: 2, forwarded: 0 });
  });

  it('sends Destination Unreachable (net) when no route matches', () => {
    const { net, beta, r2 } = setup();
    beta.ping('192.0.2.1');
    net.sim.run();
    expect(beta.icmp).toMatchObject([{ from: '10.2.0.1', type: IcmpType.destinationUnreachable, code: DestinationUnreachableCode.net }]);
    expect(r2.counters()['no-route']).toBe(1);
  });

  it('counts frames given up when ARP gets no answer', () => {
    const { net, alpha, r1 } = setup();
    // Nobody on r2's far side owns 10.2.0.99: r2 asks three times, a second apart, and gives up.
    alpha.ping('10.2.0.99');
    net.sim.run();
    const r2 = net.node<Router>('r2');
    expect(r2.counters()).toMatchObject({ 'arp-failed': 1, arpRequestsSent: 3 });
    expect(r1.counters()['arp-failed']).toBe(0);
    expect(net.sim.log.ofKind('drop').find((e) => e.reason === 'arp-failed')).toMatchObject({ node: 'r2', packetId: 1n });
  });

  it('fragments a packet too long for the next link, and the far host reassembles it', () => {
    const { net, alpha, beta, r1 } = setup(1, 576);
    alpha.ping('10.2.0.20', { size: 1400 });
    net.sim.run();
    expect(beta.icmp).toMatchObject([{ type: IcmpType.echoRequest, bytes: 1400 }]);
    expect(r1.counters().fragmentsMade).toBe(3);
    expect(net.sim.log.ofKind('fragment')).toMatchObject([
      { node: 'r1', length: 1428, mtu: 576, egress: 'eth1', fragments: 3, packetId: 1n },
      { node: 'r2', length: 1428, mtu: 576, egress: 'eth0', fragments: 3 },
    ]);
    // The reply is fragmented on its way back by r2.
    expect(alpha.icmp).toMatchObject([{ type: IcmpType.echoReply, bytes: 1400 }]);
    expect(net.node<Router>('r2').counters().fragmentsMade).toBe(3);
  });

  it("answers Don't Fragment with fragmentation needed and the link's MTU", () => {
    const { net, alpha, beta, r1 } = setup(1, 576);
    alpha.ping('10.2.0.20', { size: 1400, dontFragment: true });
    net.sim.run();
    expect(beta.icmp).toEqual([]);
    expect(alpha.icmp).toMatchObject([{ from: '10.1.0.1', type: IcmpType.destinationUnreachable, code: DestinationUnreachableCode.fragmentationNeeded, nextHopMtu: 576 }]);
    expect(r1.counters().fragmentationNeeded).toBe(1);
    expect(net.linkOf('r1:eth1').drops['mtu-exceeded']).toBe(0);
  });

  it('prints its routing and ARP tables', () => {
    const { net, alpha, r1 } = setup();
    alpha.ping('10.2.0.20');
    net.sim.run();
    expect(r1.routes().map((r) => [r.prefix, r.via, r.interface, r.connected])).toEqual([
      ['10.12.0.0/30', null, 'eth1', true],
      ['10.1.0.0/24', null, 'eth0', true],
      ['10.2.0.0/24', '10.12.0.2', 'eth1', false],
      ['10.0.0.0/8', '10.12.0.2', 'eth1', false],
      ['0.0.0.0/0', '10.12.0.2', 'eth1', false],
    ]);
    expect(r1.formatRoutes().split('\n')).toEqual([
      'Network             |  Next Hop',
      '--------------------|------------------',
      '10.12.0.0/30        |  Local (eth1)',
      '10.1.0.0/24         |  Local (eth0)',
      '10.2.0.0/24         |  beta network (10.12.0.2)',
      '10.0.0.0/8          |  r2 (10.12.0.2)',
      '0.0.0.0/0           |  r2 (default) (10.12.0.2)',
    ]);
    expect(r1.arpTable().map((e) => [e.ip, e.mac, e.state])).toEqual([
      ['10.1.0.10', '02:00:00:00:0a:01', 'reachable'],
      ['10.12.0.2', '02:00:00:00:02:00', 'reachable'],
    ]);
    expect(r1.formatArp()).toContain('10.12.0.2       |  02:00:00:00:02:00');
  });

  it('keeps the packet id of a datagram across both routers, and gives its own packets new ones', () => {
    const { net, out, alpha } = setup();
    alpha.ping('10.2.0.20');
    net.sim.run();
    const records = [...readCapture(out.bytes())];
    const request = records.filter((r) => r.comment?.startsWith('alpha: ICMP echo request'));
    expect(request).toHaveLength(1);
    const id = request[0].packetId;
    const hops = records.filter((r) => r.packetId === id).map((r) => `${r.interfaceName} ${r.flags === 2 ? 'out' : 'in'}`);
    expect(hops).toEqual(['alpha:eth0 out', 'r1:eth0 in', 'r1:eth1 out', 'r2:eth0 in', 'r2:eth1 out', 'beta:eth0 in']);
    const r1Note = records.find((r) => r.packetId === id && r.interfaceName === 'r1:eth1')!.comment!;
    expect(r1Note).toMatch(/^r1: ARP resolved 02:00:00:00:02:00, sending held packet to 10\.2\.0\.20 out eth1$/);
    const r2Note = records.find((r) => r.packetId === id && r.interfaceName === 'r2:eth1')!.comment!;
    expect(r2Note).toMatch(/^r2: /);
    const arpRequests = records.filter((r) => r.comment?.startsWith('r1: ARP who-has'));
    expect(arpRequests.map((r) => r.comment)).toEqual(['r1: ARP who-has 10.12.0.2 tell 10.12.0.1']);
    expect(arpRequests[0].packetId).not.toBe(id);
  });
});

describe.skipIf(skipWithoutTshark)('router capture judged by Wireshark', () => {
  it('is clean, and tshark sees the TTL fall hop by hop and the Time Exceeded messages', () => {
    const { net, out, alpha } = setup();
    for (let ttl = 1; ttl <= 3; ttl++) net.sim.schedule((ttl - 1) * 1e9, () => alpha.ping('10.2.0.20', { ttl: ttl === 3 ? 64 : ttl, sequenceNumber: ttl }));
    net.sim.run();
    const file = tempFile('routers.pcapng', out.bytes());
    expect(pcapVerdict(file).problems).toEqual([]);
    const rows = tsharkFields(file, ['frame.interface_name', 'frame.packet_flags_direction', 'ip.src', 'ip.dst', 'ip.ttl', 'icmp.type', 'icmp.seq'], ['-Y', 'icmp']);
    const seq3 = rows.filter((r) => r[6] === '3' && r[5] === '8' && r[1] === '0x00000002').map((r) => [r[0], r[4]]);
    expect(seq3).toEqual([
      ['alpha:eth0', '64'],
      ['r1:eth1', '63'],
      ['r2:eth1', '62'],
    ]);
    const timeExceeded = rows.filter((r) => r[5].startsWith('11') && r[0] === 'alpha:eth0').map((r) => r[2].split(',')[0]);
    expect(timeExceeded).toEqual(['10.1.0.1', '10.12.0.2']);
  });
});
