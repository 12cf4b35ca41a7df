import { describe, expect, it } from 'vitest';
import { readCapture, readCaptureDetails } from '../../codecs/capture.js';
import { collect } from '../../codecs/capture-record.js';
import { NatRouter } from '../../src/nodes/nat-router.js';
import { Router } from '../../src/nodes/router.js';
import { Switch } from '../../src/nodes/switch.js';
import { buildTopology, Topology, TopologyError } from '../../src/nodes/topology.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { homeNetwork, tempFile } from '../helpers/networks.js';
import { type ProbeHost, probeHosts } from '../helpers/probe-host.js';

const eth = (mac: string, address?: string) => [{ name: 'eth0', mac, address }];

function pair() {
  return new Topology({ hostFactory: probeHosts })
    .host({ name: 'a', interfaces: eth('02:00:00:00:00:0a', '10.0.0.1/24') })
    .host({ name: 'b', interfaces: eth('02:00:00:00:00:0b', '10.0.0.2/24') });
}

function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError);
    return (error as Error).message;
  }
  throw new Error('the topology was accepted');
}

describe('topology validation names the culprit', () => {
  it('a MAC used twice', () => {
    const message = errorOf(() => pair().host({ name: 'c', interfaces: eth('02:00:00:00:00:0A', '10.0.0.3/24') }).build());
    expect(message).toBe('duplicate MAC 02:00:00:00:00:0A: a:eth0 and c:eth0');
  });

  it('an address used twice on one network, across a switch', () => {
    const message = errorOf(() =>
      pair()
        .host({ name: 'c', interfaces: eth('02:00:00:00:00:0c', '10.0.0.2/24') })
        .switch({ name: 'sw', ports: 4 })
        .link('a:eth0', 'sw:port1')
        .link('b:eth0', 'sw:port2')
        .link('c:eth0', 'sw:port3')
        .build(),
    );
    expect(message).toBe('duplicate IP 10.0.0.2 on one network: b:eth0 and c:eth0');
  });

  it('but not the same private address on two separate networks', () => {
    const net = pair()
      .host({ name: 'c', interfaces: eth('02:00:00:00:00:0c', '10.0.0.1/24') })
      .host({ name: 'd', interfaces: eth('02:00:00:00:00:0d', '10.0.0.2/24') })
      .link('a:eth0', 'b:eth0')
      .link('c:eth0', 'd:eth0')
      .build();
    expect(net.links).toHaveLength(2);
  });

  it('a link to an unknown node or interface', () => {
    expect(errorOf(() => pair().link('a:eth0', 'ghost:eth0').build())).toBe('link a:eth0 — ghost:eth0: unknown node ghost');
    expect(errorOf(() => pair().link('a:eth0', 'b:eth9').build())).toBe('link a:eth0 — b:eth9: b has no interface eth9 (it has eth0)');
    expect(errorOf(() => pair().link('a', 'b:eth0').build())).toBe('link a — b:eth0: "a" is not "node:interface"');
  });

  it('an interface linked twice', () => {
    const message = errorOf(() =>
      pair()
        .host({ name: 'c', interfaces: eth('02:00:00:00:00:0c', '10.0.0.3/24') })
        .link('a:eth0', 'b:eth0')
        .link('c:eth0', 'a:eth0')
        .build(),
    );
    expect(message).toBe('link c:eth0 — a:eth0: a:eth0 is already linked (link a:eth0 — b:eth0)');
  });

  it("a route's gateway outside the router's subnets", () => {
    const message = errorOf(() =>
      new Topology().router({
        name: 'isp-1',
        interfaces: [{ name: 'eth0', mac: '02:00:00:00:01:00', address: '203.0.113.1/24' }],
        routes: [{ prefix: '52.0.0.0/8', via: '198.51.100.2', name: 'AWS peering point' }],
      }),
    );
    expect(message).toBe('router isp-1: route 52.0.0.0/8 via 198.51.100.2: the gateway is on none of its subnets (eth0 203.0.113.1/24)');
  });

  it("a host's gateway on none of its subnets", () => {
    const message = errorOf(() => new Topology({ hostFactory: probeHosts }).host({ name: 'laptop', interfaces: eth('aa:aa:aa:aa:aa:aa', '192.168.1.100/24'), gateway: '192.168.2.1' }));
    expect(message).toBe('host laptop: gateway 192.168.2.1 is on none of its subnets (eth0 192.168.1.100/24)');
  });

  it('two nodes with one name, and a NAT router whose outside interface does not exist', () => {
    expect(errorOf(() => pair().host({ name: 'a', interfaces: eth('02:00:00:00:00:0e') }))).toBe('two nodes named a');
    const message = errorOf(() =>
      new Topology().natRouter({ name: 'home-router', outside: 'wan9', interfaces: [{ name: 'lan0', mac: '02:00:00:00:00:01', address: '192.168.1.1/24' }] }),
    );
    expect(message).toBe('router home-router: outside interface wan9 is not one of its interfaces');
  });
});

describe('the built network', () => {
  it('builds from one data object, with nodes by name and links', () => {
    const net = buildTopology(
      {
        seed: 7,
        switches: [{ name: 'sw', ports: 2 }],
        routers: [{ name: 'gw', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', address: '10.0.0.1/24' }] }],
        hosts: [{ name: 'h', interfaces: eth('02:00:00:00:00:02', '10.0.0.2/24'), gateway: '10.0.0.1' }],
        links: [
          { a: 'h:eth0', b: 'sw:port1' },
          { a: 'gw:eth0', b: 'sw:port2', delayNs: 1000 },
        ],
      },
      probeHosts,
    );
    expect(net.sim.rng.seed).toBe(7);
    expect(net.node('sw')).toBeInstanceOf(Switch);
    expect(net.node('gw')).toBeInstanceOf(Router);
    expect(net.linkOf('gw:eth0').delayNs).toBe(1000);
    expect(net.iface('h:eth0').label).toBe('h:eth0');
    expect(net.names()).toEqual([
      { address: '10.0.0.1', names: ['gw'] },
      { address: '10.0.0.2', names: ['h'] },
    ]);
    const h = net.node<ProbeHost>('h');
    h.ping('10.0.0.1');
    net.sim.run();
    expect(h.icmp).toHaveLength(1);
    expect(() => net.node('nobody')).toThrow('no node named nobody');
  });

  it('gives the home network its NAT router', () => {
    expect(homeNetwork().node('home-router')).toBeInstanceOf(NatRouter);
  });
});

/** The seed's home: a ping and a UDP exchange, captured at every link end. */
function capturedRun(seed: number) {
  const net = homeNetwork(seed);
  const out = collect();
  net.capture(out.sink, { comment: `seed ${seed}` });
  const laptop = net.node<ProbeHost>('laptop');
  const server = net.node<ProbeHost>('server');
  laptop.ping('52.94.133.131');
  net.sim.run();
  // The port is the run's choice, drawn from its seeded generator.
  laptop.sendUdp('52.94.133.131', net.sim.rng.int(49152, 65535), 443, 'hello');
  net.sim.run();
  const got = server.udp[0];
  server.sendUdp(got.from, 443, got.sourcePort, 'welcome');
  net.sim.run();
  return out.bytes();
}

describe('captures of a whole network', () => {
  it('tap every link end, one interface each, with names for the hosts and routers', () => {
    const bytes = capturedRun(1);
    const details = readCaptureDetails(bytes);
    expect(details.interfaces.map((i) => i.name)).toEqual([
      'laptop:eth0',
      'home-switch:port5',
      'home-router:lan0',
      'home-switch:port8',
      'home-router:wan0',
      'isp-1:eth0',
      'isp-1:eth1',
      'server:eth0',
    ]);
    const names = details.nameResolution.map((e) => [e.address, e.names.join()]);
    expect(names).toContainEqual(['192.168.1.100', 'laptop']);
    expect(names).toContainEqual(['203.0.113.50', 'home-router']);
    expect(names).toContainEqual(['52.94.133.1', 'isp-1']);
    expect(names.some(([, n]) => n === 'home-switch')).toBe(false);
    // Every frame is seen leaving one end and arriving at the other.
    const records = [...readCapture(bytes)];
    expect(records.filter((r) => r.flags === 2).length).toBe(records.filter((r) => r.flags === 1).length);
    expect(records.filter((r) => r.flags === 2).every((r) => r.comment !== undefined && r.comment.length > 0)).toBe(true);
  });

  it('are byte-identical for one seed, and differ where the seed chooses', () => {
    const first = capturedRun(11);
    expect(Buffer.from(capturedRun(11)).equals(Buffer.from(first))).toBe(true);
    const other = capturedRun(12);
    expect(Buffer.from(other).equals(Buffer.from(first))).toBe(false);
    // Same frames, same times: only the chosen values (IP ids, the port) differ.
    expect([...readCapture(other)].map((r) => [r.interfaceName, r.timestampNs, r.data.length])).toEqual([...readCapture(first)].map((r) => [r.interfaceName, r.timestampNs, r.data.length]));
  });

  it('can tap only some link ends', () => {
    const net = homeNetwork();
    const out = collect();
    net.capture(out.sink, { ends: ['home-router:wan0'] });
    net.node<ProbeHost>('laptop').ping('52.94.133.131');
    net.sim.run();
    const records = [...readCapture(out.bytes())];
    expect(new Set(records.map((r) => r.interfaceName))).toEqual(new Set(['home-router:wan0']));
    expect(records.length).toBeGreaterThan(0);
  });
});

describe.skipIf(skipWithoutTshark)('network capture judged by Wireshark', () => {
  it('is clean and shows interface names, directions, packet ids, comments and host names', () => {
    const file = tempFile('home.pcapng', capturedRun(1));
    const verdict = pcapVerdict(file);
    expect(verdict.problems).toEqual([]);
    const rows = tsharkFields(
      file,
      ['frame.interface_name', 'frame.packet_flags_direction', 'frame.packet_id', 'frame.comment', 'ip.src_host', 'ip.dst_host'],
      ['-N', 'n', '-o', 'nameres.use_external_name_resolver:FALSE', '-Y', 'icmp.type == 8'],
    );
    expect(rows.map((r) => r[0])).toEqual(['laptop:eth0', 'home-switch:port5', 'home-switch:port8', 'home-router:lan0', 'home-router:wan0', 'isp-1:eth0', 'isp-1:eth1', 'server:eth0']);
    expect(rows.map((r) => r[1])).toEqual(['0x00000002', '0x00000001', '0x00000002', '0x00000001', '0x00000002', '0x00000001', '0x00000002', '0x00000001']);
    expect(new Set(rows.map((r) => r[2])).size).toBe(1);
    expect(rows[0][3]).toBe('laptop: ICMP echo request to 52.94.133.131');
    expect(rows[0].slice(4)).toEqual(['laptop', 'server']);
    expect(rows[4].slice(4)).toEqual(['home-router', 'server']);
  });
});
