import { describe, expect, it } from 'vitest';
import { readCapture } from '../../codecs/capture.js';
import { collect } from '../../codecs/capture-record.js';
import { IcmpType } from '../../codecs/icmp.js';
import type { Host } from '../../src/nodes/host.js';
import type { Switch } from '../../src/nodes/switch.js';
import { Topology } from '../../src/nodes/topology.js';
import type { PingResult } from '../../src/stack/icmp-responder.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { switchedLan, tempFile } from '../helpers/networks.js';
import type { ProbeHost } from '../helpers/probe-host.js';

function pingAcrossSwitch(seed = 1) {
  const net = switchedLan(seed);
  const out = collect();
  const capture = net.capture(out.sink);
  const laptop = net.node<ProbeHost>('laptop');
  const desktop = net.node<ProbeHost>('desktop');
  const sw = net.node<Switch>('home-switch');
  const before = sw.format();
  laptop.ping('192.168.1.101', { sequenceNumber: 1 });
  net.sim.run();
  desktop.ping('192.168.1.100', { sequenceNumber: 2 });
  net.sim.run();
  return { net, laptop, desktop, sw, before, capture, bytes: out.bytes() };
}

describe('switch', () => {
  it('lets two standard hosts ping each other', () => {
    const net = new Topology({ seed: 3 })
      .host({ name: 'laptop', interfaces: [{ name: 'eth0', mac: 'aa:aa:aa:aa:aa:aa', address: '192.168.1.100/24' }] })
      .host({ name: 'desktop', interfaces: [{ name: 'eth0', mac: '02:bb:bb:bb:bb:bb', address: '192.168.1.101/24' }] })
      .switch({ name: 'home-switch', ports: 8 })
      .link('laptop:eth0', 'home-switch:port5')
      .link('desktop:eth0', 'home-switch:port8')
      .build();
    const results: PingResult[] = [];
    net.node<Host>('laptop').ping('192.168.1.101', {}, (r) => results.push(r));
    net.sim.run();
    net.node<Host>('desktop').ping('192.168.1.100', {}, (r) => results.push(r));
    net.sim.run();
    expect(results.map((r) => [r.kind, r.kind === 'reply' ? r.from : '', r.kind === 'reply' ? r.ttl : 0])).toEqual([
      ['reply', '192.168.1.101', 64],
      ['reply', '192.168.1.100', 64],
    ]);
    expect(net.node<Switch>('home-switch').table().map((r) => [r.port, r.owner])).toEqual([
      [5, 'laptop'],
      [8, 'desktop'],
    ]);
  });

  it('carries a ping both ways between two hosts', () => {
    const { laptop, desktop } = pingAcrossSwitch();
    expect(laptop.icmp.map((m) => [m.from, m.type, m.sequenceNumber])).toEqual([
      ['192.168.1.101', IcmpType.echoReply, 1],
      ['192.168.1.101', IcmpType.echoRequest, 2],
    ]);
    expect(desktop.icmp.map((m) => [m.from, m.type, m.sequenceNumber])).toEqual([
      ['192.168.1.100', IcmpType.echoRequest, 1],
      ['192.168.1.100', IcmpType.echoReply, 2],
    ]);
    // No router in between: the TTL arrives as sent.
    expect(laptop.icmp[0].ttl).toBe(64);
  });

  it('learns sources, floods the broadcast ARP to every other port, then forwards to one port', () => {
    const { net, sw, before } = pingAcrossSwitch();
    const events = net.sim.log.ofKind('switch-forward');
    // The laptop's ARP request is broadcast: flooded to every cabled port but port5.
    expect(events[0]).toMatchObject({ ingress: 'port5', destination: 'ff:ff:ff:ff:ff:ff', learnt: 'aa:aa:aa:aa:aa:aa' });
    expect(events[0].flooded).toEqual(['port2', 'port7']);
    // The reply to a learnt MAC goes out of that one port.
    expect(events[1]).toMatchObject({ ingress: 'port2', destination: 'aa:aa:aa:aa:aa:aa', egress: 'port5' });
    expect(events.slice(1).every((e) => e.egress !== undefined && e.flooded === undefined)).toBe(true);
    expect(before).toBe('Port  |  MAC\n------|------\n(empty)');
    expect(sw.format()).toBe(['Port  |  MAC', '------|------', '2     |  02:bb:bb:bb:bb:bb (desktop)', '5     |  aa:aa:aa:aa:aa:aa (your computer)'].join('\n'));
    expect(sw.table().map((r) => [r.port, r.interface, r.mac])).toEqual([
      [2, 'port2', '02:bb:bb:bb:bb:bb'],
      [5, 'port5', 'aa:aa:aa:aa:aa:aa'],
    ]);
    expect(sw.counters()).toMatchObject({ flooded: 1, received: events.length, forwarded: events.length - 1, filtered: 0 });
    // The printer saw the flooded ARP request and nothing else.
    const printer = net.node<ProbeHost>('printer');
    expect(printer.drops.total()).toBe(0);
    expect(printer.icmp).toEqual([]);
  });

  it('forgets addresses after 300 s of virtual time and floods again', () => {
    const { net, sw, laptop } = pingAcrossSwitch();
    let justBefore: unknown[] = [];
    let justAfter: unknown[] = [];
    net.sim.schedule(299e9, () => (justBefore = sw.table()));
    net.sim.schedule(300.5e9, () => (justAfter = sw.table()));
    net.sim.schedule(301e9, () => laptop.ping('192.168.1.101', { sequenceNumber: 3 }));
    net.sim.run();
    expect(justBefore).toHaveLength(2);
    expect(justAfter).toEqual([]);
    const after = net.sim.log.ofKind('switch-forward').filter((e) => e.timeNs >= 301e9);
    expect(after.some((e) => Array.isArray(e.flooded))).toBe(true);
    expect(laptop.icmp.at(-1)).toMatchObject({ type: IcmpType.echoReply, sequenceNumber: 3 });
  });

  it('never sends a frame back out of the port it came in on', () => {
    const { net, sw, laptop } = pingAcrossSwitch();
    // A frame from port5 to a MAC learnt on port5 is filtered, not reflected.
    const frame = new Uint8Array(60);
    frame.set([0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x02, 0, 0, 0, 0, 0x99, 0x08, 0x00]);
    const sent: string[] = [];
    for (const port of sw.interfaces) port.taps.push({ frame: (iface, direction) => direction === 'outbound' && sent.push(iface.name) });
    laptop.interfaces[0].send({ bytes: frame, packetId: net.sim.nextPacketId() });
    net.sim.run();
    expect(sent).toEqual([]);
    expect(sw.counters().filtered).toBe(1);
  });

  it('writes the flood and the forwarding into the capture with its reason', () => {
    const { bytes } = pingAcrossSwitch();
    const records = [...readCapture(bytes)];
    const switchOut = records.filter((r) => r.interfaceName?.startsWith('home-switch:') && r.flags === 2);
    expect(switchOut.filter((r) => r.comment?.includes('flood broadcast')).map((r) => r.interfaceName)).toEqual([
      'home-switch:port2',
      'home-switch:port7',
    ]);
    expect(switchOut.some((r) => r.comment === 'home-switch: aa:aa:aa:aa:aa:aa learnt on port5, in port2 → out port5')).toBe(true);
  });
});

describe.skipIf(skipWithoutTshark)('switch capture judged by Wireshark', () => {
  it('is clean and names every link end', () => {
    const { bytes } = pingAcrossSwitch();
    const file = tempFile('switch.pcapng', bytes);
    expect(pcapVerdict(file).problems).toEqual([]);
    const rows = tsharkFields(file, ['frame.interface_name', 'eth.src', 'eth.dst']);
    const names = new Set(rows.map((r) => r[0]));
    expect([...names].sort()).toEqual(['desktop:eth0', 'home-switch:port2', 'home-switch:port5', 'home-switch:port7', 'laptop:eth0', 'printer:eth0']);
  });
});
