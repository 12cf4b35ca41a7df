import { describe, expect, it } from 'vitest';
import * as dns from '../../codecs/dns.js';
import * as ethernet from '../../codecs/ethernet.js';
import * as ipv4 from '../../codecs/ipv4.js';
import * as udp from '../../codecs/udp.js';
import { answerQuery, Rcode } from '../../src/nodes/dns-server.js';
import { Host, type StreamTransport } from '../../src/nodes/host.js';
import { Link } from '../../src/sim/link.js';
import { Simulator } from '../../src/sim/simulator.js';
import { type ByteStream, streamPair } from '../../src/stack/byte-stream.js';
import type { DnsLookupResult } from '../../src/stack/dns-resolver.js';
import { laptopAndDns, recordSent, SEED_ZONE } from './stack-fixtures.js';

function dnsMessages(sent: { bytes: Uint8Array }[]) {
  return sent
    .filter((f) => ethernet.decode(f.bytes).header.etherType === ethernet.EtherType.ipv4)
    .map((f) => ipv4.decode(f.bytes, 14))
    .filter((ip) => ip.header.protocol === 17)
    .map((ip) => {
      const u = udp.decode(ip.payload, 0, ip.payloadLength);
      return { ports: [u.header.sourcePort, u.header.destinationPort], message: dns.decode(u.payload).header };
    });
}

function query(name: string, type: string, extra: Partial<dns.DnsMessage> = {}): dns.DnsMessage {
  return {
    id: 77,
    flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name, type, class: 'IN' }],
    answers: [],
    authorities: [],
    additionals: [],
    ...extra,
  };
}

/** A stand-in TCP that joins a client to a server's listener with an in-memory stream pair, in virtual time. */
function fakeTcp(defer: (action: () => void) => void): { client: StreamTransport; server: StreamTransport; connections: string[] } {
  const listeners = new Map<number, (stream: ByteStream) => void>();
  const connections: string[] = [];
  const server: StreamTransport = {
    connect: () => {
      throw new Error('the server side does not connect');
    },
    listen: (port, accept) => listeners.set(port, accept),
  };
  const client: StreamTransport = {
    connect: (destination, port) => {
      connections.push(`${destination}:${port}`);
      const [near, far] = streamPair(defer);
      listeners.get(port)!(far);
      return near;
    },
    listen: () => undefined,
  };
  return { client, server, connections };
}

describe('the stub resolver and the DNS server', () => {
  it('resolves the seed name to 52.94.133.131 with TTL 60 over UDP', () => {
    const { sim, laptop } = laptopAndDns();
    const sent = recordSent(laptop.interfaces[0]);
    const results: DnsLookupResult[] = [];
    laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r));
    sim.run();
    expect(results).toEqual([
      { ok: true, name: 'ec2.us-east-1.amazonaws.com', type: 'A', answers: [{ name: 'ec2.us-east-1.amazonaws.com', type: 'A', ttl: 60, data: '52.94.133.131' }], values: ['52.94.133.131'], ttl: 60, source: 'udp' },
    ]);
    const [q] = dnsMessages(sent);
    expect(q.ports[1]).toBe(53);
    expect(q.ports[0]).toBeGreaterThanOrEqual(49152);
    expect(q.message.flags.rd).toBe(true);
    const queryEvent = sim.log.ofKind('dns-query')[0];
    expect(queryEvent).toMatchObject({ node: 'laptop', id: q.message.id, name: 'ec2.us-east-1.amazonaws.com', type: 'A', transport: 'udp' });
    expect(sim.log.ofKind('dns-response')[0]).toMatchObject({ id: q.message.id, ttl: 60, answers: [{ type: 'A', data: '52.94.133.131', ttl: 60 }] });
    // The query's socket is closed once the answer is in.
    expect(laptop.udp.isBound(q.ports[0])).toBe(false);
  });

  it('answers a second lookup within the TTL from the cache, sending no packet, and asks again once it expires', () => {
    const { sim, laptop } = laptopAndDns();
    const results: DnsLookupResult[] = [];
    laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r));
    sim.run();
    const sentBefore = sim.log.ofKind('dns-query').length;
    const sent = recordSent(laptop.interfaces[0]);
    sim.schedule(20e9, () => laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r)));
    sim.run();
    expect(sent).toHaveLength(0);
    expect(sim.log.ofKind('dns-query').length).toBe(sentBefore);
    expect(results[1]).toMatchObject({ ok: true, values: ['52.94.133.131'], source: 'cache' });
    const cacheEvents = sim.log.ofKind('dns-cache');
    expect(cacheEvents.map((e) => e.hit)).toEqual([false, true]);
    // Asked at about 10 ms, answered about 10 ms later; 20 s on, some 40 s remain.
    expect(cacheEvents[1].expiresInNs).toBeGreaterThan(39e9);
    expect(cacheEvents[1].expiresInNs).toBeLessThan(40.1e9);
    expect(laptop.resolver!.cacheTable()).toEqual([{ name: 'ec2.us-east-1.amazonaws.com', type: 'A', values: ['52.94.133.131'], expiresInNs: cacheEvents[1].expiresInNs }]);

    sim.schedule(41e9, () => laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r)));
    sim.run();
    expect(results[2]).toMatchObject({ ok: true, source: 'udp' });
    expect(dnsMessages(sent)).toHaveLength(1);
  });

  it('follows CNAMEs and says NXDOMAIN for names it does not hold', () => {
    const { sim, laptop } = laptopAndDns();
    const results: DnsLookupResult[] = [];
    laptop.resolve('www.example.com', 'A', (r) => results.push(r));
    laptop.resolve('nowhere.example.net', 'A', (r) => results.push(r));
    sim.run();
    expect(results[0]).toMatchObject({
      ok: true,
      values: ['93.184.216.34'],
      ttl: 120,
      answers: [
        { name: 'www.example.com', type: 'CNAME', data: 'example.com' },
        { name: 'example.com', type: 'A', data: '93.184.216.34' },
      ],
    });
    expect(results[1]).toEqual({ ok: false, name: 'nowhere.example.net', type: 'A', error: 'nxdomain', rcode: Rcode.nxDomain });
  });

  it('uses a fresh random id and ephemeral port for each question', () => {
    const { sim, laptop } = laptopAndDns();
    const sent = recordSent(laptop.interfaces[0]);
    for (const name of ['a.example', 'b.example', 'c.example']) laptop.resolve(name, 'A', () => undefined);
    sim.run();
    const qs = dnsMessages(sent);
    expect(new Set(qs.map((q) => q.message.id)).size).toBe(3);
    expect(new Set(qs.map((q) => q.ports[0])).size).toBe(3);
  });

  it('asks again after a timeout, then gives up', () => {
    const { sim, laptop, wire } = laptopAndDns();
    laptop.ping('8.8.8.8', {}, () => undefined);
    sim.run();
    wire.setUp(false);
    const start = sim.now;
    const results: DnsLookupResult[] = [];
    laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r));
    sim.run();
    expect(sim.log.ofKind('dns-query').map((e) => e.attempt)).toEqual([1, 2]);
    expect(results).toEqual([{ ok: false, name: 'ec2.us-east-1.amazonaws.com', type: 'A', error: 'timeout', rcode: undefined }]);
    expect(sim.now - start).toBe(2e9);
  });

  it('reports "unreachable" when the server answers with port unreachable', () => {
    const sim = new Simulator({ seed: 3 });
    const laptop = new Host(sim, { name: 'laptop', interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', address: '8.8.8.100/24' }], dnsServer: '8.8.8.8' });
    // A host at the server's address with nothing on port 53.
    const silent = new Host(sim, { name: 'not-a-server', interfaces: [{ name: 'eth0', mac: '02:00:00:00:08:08', address: '8.8.8.8/24' }] });
    new Link(sim, laptop.interfaces[0], silent.interfaces[0]);
    const results: DnsLookupResult[] = [];
    laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', (r) => results.push(r));
    sim.run();
    expect(results).toMatchObject([{ ok: false, error: 'unreachable' }]);
    expect(sim.log.ofKind('dns-query')).toHaveLength(1);
  });

  it('repeats a truncated question over TCP and takes the full answer', () => {
    const { sim, laptop, server } = laptopAndDns();
    const tcp = fakeTcp((action) => sim.schedule(0, action));
    laptop.attachTcp(tcp.client);
    server.attachTcp(tcp.server);
    const sent = recordSent(server.interfaces[0]);
    const results: DnsLookupResult[] = [];
    laptop.resolve('big.example.com', 'A', (r) => results.push(r));
    sim.run();
    const [truncated] = dnsMessages(sent);
    expect(truncated.message.flags.tc).toBe(true);
    expect(truncated.message.answers).toHaveLength(0);
    expect(tcp.connections).toEqual(['8.8.8.8:53']);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: true, source: 'tcp', ttl: 30 });
    if (results[0].ok) expect(results[0].values).toEqual(SEED_ZONE['big.example.com'].map((r) => r.data));
    expect(sim.log.ofKind('dns-query').map((e) => e.transport)).toEqual(['udp', 'tcp']);
    expect(sim.log.ofKind('dns-server-response').map((e) => [e.transport, e.truncated])).toEqual([
      ['udp', true],
      ['tcp', false],
    ]);
  });

  it('says "truncated" when the answer is cut and no TCP is attached', () => {
    const { sim, laptop } = laptopAndDns();
    const results: DnsLookupResult[] = [];
    laptop.resolve('big.example.com', 'A', (r) => results.push(r));
    sim.run();
    expect(results).toMatchObject([{ ok: false, error: 'truncated' }]);
  });
});

describe('answerQuery', () => {
  it('fits an answer to the EDNS size the client advertised', () => {
    const opt: dns.DnsOptRecord = { name: '', type: 'OPT', udpPayloadSize: 4096, extendedRcode: 0, version: 0, do: false, z: 0, options: [] };
    const plain = answerQuery(SEED_ZONE, query('big.example.com', 'A'), 'udp');
    expect(plain.flags.tc).toBe(true);
    const edns = answerQuery(SEED_ZONE, query('big.example.com', 'A', { additionals: [opt] }), 'udp');
    expect(edns.flags.tc).toBe(false);
    expect(edns.answers).toHaveLength(40);
    expect(dns.encodingLength(edns)).toBeGreaterThan(512);
    expect(edns.additionals[0]).toMatchObject({ type: 'OPT', udpPayloadSize: 1232 });
    // An advertised size below 512 still allows 512.
    const small = answerQuery(SEED_ZONE, query('ec2.us-east-1.amazonaws.com', 'A', { additionals: [{ ...opt, udpPayloadSize: 100 }] }), 'udp');
    expect(small.flags.tc).toBe(false);
  });

  it('refuses what it does not serve and rejects what is not a plain query', () => {
    expect(answerQuery(SEED_ZONE, query('ec2.us-east-1.amazonaws.com', 'A', { flags: { ...query('x', 'A').flags, opcode: 2 } }), 'udp').flags.rcode).toBe(Rcode.notImp);
    expect(answerQuery(SEED_ZONE, query('ec2.us-east-1.amazonaws.com', 'A', { questions: [] }), 'udp').flags.rcode).toBe(Rcode.formErr);
    expect(answerQuery(SEED_ZONE, query('example.com', 'AXFR'), 'tcp').flags.rcode).toBe(Rcode.refused);
    expect(answerQuery(SEED_ZONE, { ...query('example.com', 'A'), questions: [{ name: 'example.com', type: 'A', class: 'CH' }] }, 'udp').flags.rcode).toBe(Rcode.refused);
    const noData = answerQuery(SEED_ZONE, query('example.com', 'AAAA'), 'udp');
    expect([noData.flags.rcode, noData.answers.length]).toEqual([Rcode.noError, 0]);
  });

  it('answers as a recursive service by default and as an authority when asked, case-insensitively', () => {
    const r = answerQuery(SEED_ZONE, query('EC2.us-east-1.AmazonAWS.com', 'A'), 'udp');
    expect(r.flags).toMatchObject({ qr: true, aa: false, ra: true, rd: true, rcode: 0 });
    expect(r.answers[0]).toMatchObject({ name: 'EC2.us-east-1.AmazonAWS.com', data: '52.94.133.131', ttl: 60 });
    expect(answerQuery(SEED_ZONE, query('example.com', 'A'), 'udp', { authoritative: true }).flags).toMatchObject({ aa: true, ra: false });
  });

  it('stops a CNAME loop with SERVFAIL', () => {
    const loop = { 'a.test': [{ type: 'CNAME', ttl: 1, data: 'b.test' }], 'b.test': [{ type: 'CNAME', ttl: 1, data: 'a.test' }] };
    expect(answerQuery(loop, query('a.test', 'A'), 'udp').flags.rcode).toBe(Rcode.servFail);
  });
});

describe('the host tables in print', () => {
  it('prints the route table, the ARP cache and the DNS cache as tables', () => {
    const { sim, laptop } = laptopAndDns();
    laptop.resolve('ec2.us-east-1.amazonaws.com', 'A', () => undefined);
    sim.run();
    expect(laptop.formatRouteTable()).toBe(
      ['Destination        | Gateway          | Interface', '-------------------|------------------|----------', '8.8.8.0/24         | on-link          | eth0'].join('\n'),
    );
    expect(laptop.formatArpTable()).toBe(['laptop:eth0', 'IP              |  MAC', '----------------|------', '8.8.8.8         |  02:00:00:00:08:08'].join('\n'));
    expect(laptop.resolver!.formatCacheTable()).toBe(
      [
        'Name                        | Type  | Expires in | Values',
        '----------------------------|-------|------------|-------',
        // Printed just after the answer came in: all of its 60 s remain.
        'ec2.us-east-1.amazonaws.com | A     |     60.0 s | 52.94.133.131',
      ].join('\n'),
    );
  });
});
