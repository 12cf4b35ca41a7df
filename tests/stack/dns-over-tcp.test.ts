import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect } from '../../codecs/capture-record.js';
import { Capture } from '../../src/sim/capture.js';
import type { DnsLookupResult } from '../../src/stack/dns-resolver.js';
import { streamTransport, TcpStack } from '../../src/stack/tcp/index.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { laptopAndDns, SEED_ZONE } from './stack-fixtures.js';

/** The laptop and 8.8.8.8 with real TCP attached, and a capture of the link. */
function withTcp(seed = 31) {
  const t = laptopAndDns(seed);
  t.laptop.attachTcp(streamTransport(new TcpStack(t.sim, t.laptop.ip, { node: 'laptop' })));
  t.server.attachTcp(streamTransport(new TcpStack(t.sim, t.server.ip, { node: 'dns' })));
  const out = collect();
  const capture = new Capture(t.sim, out.sink);
  capture.tap(t.laptop.interfaces[0]);
  return { ...t, bytes: () => out.bytes() };
}

describe('DNS over TCP after a truncated answer', () => {
  it('takes the full answer over a real TCP connection', () => {
    const { sim, laptop, server } = withTcp();
    const results: DnsLookupResult[] = [];
    laptop.resolve('big.example.com', 'A', (r) => results.push(r));
    sim.run();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: true, source: 'tcp', ttl: 30 });
    if (results[0].ok) expect(results[0].values).toEqual(SEED_ZONE['big.example.com'].map((r) => r.data));
    expect(sim.log.ofKind('dns-server-response').map((e) => [e.node, e.transport, e.truncated])).toEqual([
      ['dns', 'udp', true],
      ['dns', 'tcp', false],
    ]);
    expect(server.dropCounts()).toEqual({});
  });

  describe.skipIf(skipWithoutTshark)('in Wireshark', () => {
    it('shows the truncated UDP answer, then the TCP query and its 40 addresses', () => {
      const { sim, laptop, bytes } = withTcp();
      laptop.resolve('big.example.com', 'A', () => undefined);
      sim.run();
      const file = join(mkdtempSync(join(tmpdir(), 'wirepath-dns-tcp-')), 'dns-tcp.pcapng');
      writeFileSync(file, bytes());
      const verdict = pcapVerdict(file);
      expect(verdict.problems).toEqual([]);
      const responses = tsharkFields(file, ['dns.flags.truncated', 'dns.count.answers', 'tcp.srcport'], ['-Y', 'dns.flags.response == 1']);
      expect(responses).toEqual([
        ['1', '0', ''],
        ['0', '40', '53'],
      ]);
    });
  });
});
