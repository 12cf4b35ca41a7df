import { describe, expect, it } from 'vitest';
import { readCapture } from '../../codecs/capture.js';
import { collect } from '../../codecs/capture-record.js';
import { IcmpType } from '../../codecs/icmp.js';
import type { NatRouter } from '../../src/nodes/nat-router.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { homeNetwork, tempFile } from '../helpers/networks.js';
import type { ProbeHost } from '../helpers/probe-host.js';

function setup(seed = 1) {
  const net = homeNetwork(seed);
  const out = collect();
  net.capture(out.sink, { comment: 'home network' });
  return { net, out, laptop: net.node<ProbeHost>('laptop'), server: net.node<ProbeHost>('server'), home: net.node<NatRouter>('home-router') };
}

/** The laptop sends a datagram out; the server answers it to where it came from. */
function exchange(seed = 1) {
  const s = setup(seed);
  s.laptop.sendUdp('52.94.133.131', 55555, 443, 'hello');
  s.net.sim.run();
  const got = s.server.udp[0];
  s.server.sendUdp(got.from, 443, got.sourcePort, 'welcome');
  s.net.sim.run();
  return s;
}

describe('NAT router', () => {
  it('translates the source on the way out, keeping the port, and back on the way in', () => {
    const { laptop, server, home, net } = exchange();
    expect(server.udp).toEqual([{ from: '203.0.113.50', sourcePort: 55555, destinationPort: 443, payload: 'hello' }]);
    expect(laptop.udp).toEqual([{ from: '52.94.133.131', sourcePort: 443, destinationPort: 55555, payload: 'welcome' }]);
    expect(home.natTable().map((r) => [r.protocol, r.internal, r.external, r.remote])).toEqual([['udp', '192.168.1.100:55555', '203.0.113.50:55555', '52.94.133.131:443']]);
    expect(home.formatNat()).toContain('External: 203.0.113.50:55555 ←→ Internal: 192.168.1.100:55555');
    const nat = net.sim.log.ofKind('nat');
    expect(nat.map((e) => [e.direction, e.protocol, e.inside, e.outside, e.remote, e.created])).toEqual([
      ['outbound', 'udp', '192.168.1.100:55555', '203.0.113.50:55555', '52.94.133.131:443', true],
      ['inbound', 'udp', '192.168.1.100:55555', '203.0.113.50:55555', '52.94.133.131:443', false],
    ]);
    expect(home.counters().nat).toMatchObject({ translatedOutbound: 1, translatedInbound: 1, created: 1 });
  });

  it('shows one packet id with the inside source on the inside link and the public one outside', () => {
    const { out } = exchange();
    const records = [...readCapture(out.bytes())];
    const sent = records.find((r) => r.comment?.startsWith('laptop: UDP'))!;
    const hops = records.filter((r) => r.packetId === sent.packetId);
    const sourceOf = (data: Uint8Array) => data.slice(26, 30).join('.');
    expect(hops.map((r) => [r.interfaceName, r.flags, sourceOf(r.data)])).toEqual([
      ['laptop:eth0', 2, '192.168.1.100'],
      ['home-switch:port5', 1, '192.168.1.100'],
      ['home-switch:port8', 2, '192.168.1.100'],
      ['home-router:lan0', 1, '192.168.1.100'],
      ['home-router:wan0', 2, '203.0.113.50'],
      ['isp-1:eth0', 1, '203.0.113.50'],
      ['isp-1:eth1', 2, '203.0.113.50'],
      ['server:eth0', 1, '203.0.113.50'],
    ]);
    const wan = hops.find((r) => r.interfaceName === 'home-router:wan0')!;
    expect(wan.comment).toMatch(/^home-router: ARP resolved/);
  });

  it('notes the SNAT on a packet sent straight away', () => {
    const { laptop, net, out } = exchange();
    laptop.sendUdp('52.94.133.131', 55555, 443, 'again');
    net.sim.run();
    const records = [...readCapture(out.bytes())];
    const last = records.filter((r) => r.interfaceName === 'home-router:wan0' && r.flags === 2).at(-1)!;
    expect(last.comment).toBe('home-router: LPM 0.0.0.0/0 → ISP, TTL 64→63, SNAT 192.168.1.100:55555→203.0.113.50:55555, out wan0');
  });

  it('drops and counts an unsolicited inbound packet, yet answers a ping to its public address', () => {
    const { server, home, net } = exchange();
    server.sendUdp('203.0.113.50', 443, 40000, 'unasked');
    net.sim.run();
    expect(home.counters()['nat-no-mapping']).toBe(1);
    expect(net.sim.log.ofKind('drop').filter((e) => e.node === 'home-router').map((e) => e.reason)).toEqual(['nat-no-mapping']);
    expect(net.node<ProbeHost>('laptop').udp).toHaveLength(1);
    server.ping('203.0.113.50');
    net.sim.run();
    expect(server.icmp.at(-1)).toMatchObject({ from: '203.0.113.50', type: IcmpType.echoReply });
  });

  it('maps ICMP echo ids for a ping from inside', () => {
    const { laptop, net, home } = setup();
    laptop.ping('52.94.133.131', { identifier: 0x1234 });
    net.sim.run();
    expect(laptop.icmp).toMatchObject([{ from: '52.94.133.131', type: IcmpType.echoReply, identifier: 0x1234, ttl: 62 }]);
    expect(net.sim.log.ofKind('nat')[0]).toMatchObject({ protocol: 'icmp', inside: '192.168.1.100:4660', direction: 'outbound' });
    expect(home.counters().forwarded + home.counters().releasedAfterArp).toBe(2);
  });
});

describe.skipIf(skipWithoutTshark)('NAT capture judged by Wireshark', () => {
  it('is clean, and tshark follows the packet id across the translation', () => {
    const { out } = exchange();
    const file = tempFile('nat.pcapng', out.bytes());
    expect(pcapVerdict(file).problems).toEqual([]);
    const rows = tsharkFields(file, ['frame.interface_name', 'frame.packet_id', 'ip.src', 'udp.srcport', 'udp.payload'], ['-Y', 'udp && frame.packet_flags_direction == 2']);
    const hello = rows.filter((r) => r[4] === Buffer.from('hello').toString('hex'));
    expect(new Set(hello.map((r) => r[1])).size).toBe(1);
    expect(hello.map((r) => [r[0], r[2], r[3]])).toEqual([
      ['laptop:eth0', '192.168.1.100', '55555'],
      ['home-switch:port8', '192.168.1.100', '55555'],
      ['home-router:wan0', '203.0.113.50', '55555'],
      ['isp-1:eth1', '203.0.113.50', '55555'],
    ]);
  });
});
