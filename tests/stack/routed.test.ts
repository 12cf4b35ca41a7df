import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect } from '../../codecs/capture-record.js';
import { IcmpType, TimeExceededCode } from '../../codecs/icmp.js';
import { DnsServer } from '../../src/nodes/dns-server.js';
import { Host, type HostConfig } from '../../src/nodes/host.js';
import { Topology } from '../../src/nodes/topology.js';
import type { DnsLookupResult } from '../../src/stack/dns-resolver.js';
import type { PingResult } from '../../src/stack/icmp-responder.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { SEED_ZONE } from './stack-fixtures.js';

/** laptop — home-router — isp-router — 8.8.8.8, three subnets and two routers between the ends. */
function twoRouters(seed = 5, mtu = 1500) {
  return new Topology({
    seed,
    hostFactory: (sim, spec) => {
      const config = spec as unknown as HostConfig;
      return spec.name === 'dns' ? new DnsServer(sim, { ...config, zone: SEED_ZONE }) : new Host(sim, config);
    },
  })
    .host({ name: 'laptop', interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', address: '192.168.1.100/24' }], gateway: '192.168.1.1', dnsServer: '8.8.8.8' })
    .router({
      name: 'home-router',
      interfaces: [
        { name: 'lan', mac: '02:00:00:00:01:01', address: '192.168.1.1/24' },
        { name: 'wan', mac: '02:00:00:00:01:02', address: '203.0.113.50/30' },
      ],
      routes: [{ prefix: '0.0.0.0/0', via: '203.0.113.49' }],
    })
    .router({
      name: 'isp-router',
      interfaces: [
        { name: 'cust', mac: '02:00:00:00:02:01', address: '203.0.113.49/30' },
        { name: 'core', mac: '02:00:00:00:02:02', address: '8.8.8.1/24' },
      ],
      routes: [{ prefix: '192.168.1.0/24', via: '203.0.113.50' }],
    })
    .host({ name: 'dns', interfaces: [{ name: 'eth0', mac: '02:00:00:00:08:08', address: '8.8.8.8/24' }], gateway: '8.8.8.1' })
    .link('laptop:eth0', 'home-router:lan', { delayNs: 500_000 })
    .link('home-router:wan', 'isp-router:cust', { delayNs: 5_000_000, mtu })
    .link('isp-router:core', 'dns:eth0', { delayNs: 1_000_000 })
    .build();
}

describe('a host across two routers', () => {
  it('routes by the default gateway and sees TTL 62 in the reply', () => {
    const net = twoRouters();
    const laptop = net.node<Host>('laptop');
    const results: PingResult[] = [];
    laptop.ping('8.8.8.8', {}, (r) => results.push(r));
    net.sim.run();
    expect(results).toMatchObject([{ kind: 'reply', from: '8.8.8.8', ttl: 62 }]);
    const decision = net.sim.log.ofKind('route-decision').find((e) => e.node === 'laptop');
    expect(decision).toMatchObject({ destination: '8.8.8.8', route: '0.0.0.0/0', nextHop: '192.168.1.1' });
    const serverDecision = net.sim.log.ofKind('route-decision').find((e) => e.node === 'dns');
    expect(serverDecision).toMatchObject({ destination: '192.168.1.100', route: '0.0.0.0/0', nextHop: '8.8.8.1' });
    expect(laptop.routeTable()).toEqual([
      { destination: '192.168.1.0/24', gateway: 'on-link', interface: 'eth0' },
      { destination: '0.0.0.0/0', gateway: '192.168.1.1', interface: 'eth0' },
    ]);
    // The laptop resolved its gateway, never the far host.
    expect(laptop.arpTable().map((r) => r.ip)).toEqual(['192.168.1.1']);
  });

  it('traces the path: Time Exceeded from each router in turn, then the reply', () => {
    const net = twoRouters();
    const laptop = net.node<Host>('laptop');
    const hops: PingResult[] = [];
    const probe = (ttl: number) => {
      laptop.ping('8.8.8.8', { ttl, sequence: ttl }, (r) => {
        hops.push(r);
        if (r.kind === 'error' && ttl < 5) probe(ttl + 1);
      });
    };
    probe(1);
    net.sim.run();
    expect(hops.map((h) => [h.kind, h.kind === 'error' ? h.reporter : h.kind === 'reply' ? h.from : '', h.kind === 'error' ? h.type : -1, h.sequence])).toEqual([
      ['error', '192.168.1.1', IcmpType.timeExceeded, 1],
      ['error', '203.0.113.49', IcmpType.timeExceeded, 2],
      ['reply', '8.8.8.8', -1, 3],
    ]);
    expect(hops[0]).toMatchObject({ code: TimeExceededCode.ttl });
  });

  it('resolves the seed name through both routers', () => {
    const net = twoRouters();
    const laptop = net.node<Host>('laptop');
    const results: DnsLookupResult[] = [];
    laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r));
    net.sim.run();
    expect(results).toMatchObject([{ ok: true, values: ['52.94.133.131'], ttl: 60, source: 'udp' }]);
    expect(net.node<DnsServer>('dns').dropCounts()).toEqual({});
  });

  it('hears "fragmentation needed" with the next-hop MTU from the router before a narrower link', () => {
    const net = twoRouters(5, 1000);
    const laptop = net.node<Host>('laptop');
    const results: PingResult[] = [];
    laptop.ping('8.8.8.8', { size: 1200, dontFragment: true }, (r) => results.push(r));
    net.sim.run();
    expect(results).toMatchObject([{ kind: 'error', type: IcmpType.destinationUnreachable, code: 4, nextHopMtu: 1000, reporter: '192.168.1.1' }]);
  });

  it('gets a datagram the router fragmented for a narrower link back whole at the far end', () => {
    const net = twoRouters(5, 1000);
    const got: number[] = [];
    net.node<DnsServer>('dns').udp.bind(9).onMessage((data, from) => got.push(data.length, from.ttl));
    net.node<Host>('laptop').udp.bind(5000).sendTo('8.8.8.8', 9, new Uint8Array(1400));
    net.sim.run();
    expect(got).toEqual([1400, 62]);
    expect(net.sim.log.ofKind('ip-reassembled').map((e) => e.node)).toEqual(['dns']);
  });
});

function capturedRun(seed: number) {
  const net = twoRouters(seed);
  const out = collect();
  net.capture(out.sink);
  const laptop = net.node<Host>('laptop');
  laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', () => {
    laptop.ping('8.8.8.8', {}, () => undefined);
    laptop.udp.bind().sendTo('8.8.8.8', 9, new Uint8Array(3000));
  });
  net.sim.run();
  const log = JSON.stringify(net.sim.log.events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return { bytes: out.bytes(), log };
}

describe('a captured run', () => {
  it('is the same byte for byte and event for event with the same seed, and differs with another', () => {
    const first = capturedRun(21);
    const again = capturedRun(21);
    const other = capturedRun(22);
    expect(again.log).toBe(first.log);
    expect(again.bytes).toEqual(first.bytes);
    expect(other.log).not.toBe(first.log);
  });

  describe.skipIf(skipWithoutTshark)('in Wireshark', () => {
    it('opens cleanly, with the DNS answer, the fragments and the port unreachable as tshark reads them', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'wirepath-stack-')), 'stack.pcapng');
      writeFileSync(file, capturedRun(21).bytes);
      // One capture holds each datagram at every link end it crossed, which Wireshark calls a DNS retransmission.
      const verdict = pcapVerdict(file, undefined, (m) => /DNS (query|response) retransmission/.test(m));
      expect(verdict.problems).toEqual([]);
      expect(verdict.clean).toBe(true);
      const answers = tsharkFields(file, ['dns.a', 'dns.resp.ttl'], ['-Y', 'dns.flags.response == 1 && frame.interface_name == "dns:eth0"']);
      expect(answers).toEqual([['52.94.133.131', '60']]);
      const reassembled = tsharkFields(file, ['ip.reassembled.length'], ['-Y', 'ip.reassembled.length && frame.interface_name == "dns:eth0"']);
      // tshark counts the reassembled payload: 3000 bytes of data and the 8-byte UDP header.
      expect(reassembled).toEqual([['3008']]);
      const unreachable = tsharkFields(file, ['icmp.type', 'icmp.code', 'ip.src'], ['-Y', 'icmp.type == 3 && frame.interface_name == "dns:eth0"']);
      // ip.src twice: the error's own source, then the quoted datagram's.
      expect(unreachable).toEqual([['3', '3', '8.8.8.8,192.168.1.100']]);
    });
  });
});
