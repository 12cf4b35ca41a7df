/**
 * 1 MiB over TCP from a laptop behind a NAT router, across two routers, with
 * 2% of the frames lost on one link: the server must get exactly the bytes
 * sent, and Wireshark must find nothing wrong with the capture but the
 * retransmissions that the loss calls for.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect } from '../../codecs/capture-record.js';
import type { Host } from '../../src/nodes/host.js';
import { type Network, Topology } from '../../src/nodes/topology.js';
import { SeededRandom } from '../../src/sim/random.js';
import { TcpStack } from '../../src/stack/tcp/tcp-stack.js';
import { streamTransport } from '../../src/stack/tcp/stream-transport.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';

const MiB = 1 << 20;

function lossyPath(seed: number): Network {
  return new Topology({ seed })
    .host({ name: 'laptop', interfaces: [{ name: 'eth0', mac: '02:aa:00:00:00:01', address: '192.168.1.100/24' }], gateway: '192.168.1.1' })
    .natRouter({
      name: 'home-router',
      outside: 'wan0',
      interfaces: [
        { name: 'lan0', mac: '02:aa:00:00:01:01', address: '192.168.1.1/24' },
        { name: 'wan0', mac: '02:aa:00:00:01:02', address: '203.0.113.50/24' },
      ],
      routes: [{ prefix: '0.0.0.0/0', via: '203.0.113.1', name: 'ISP' }],
    })
    .router({
      name: 'isp-1',
      interfaces: [
        { name: 'eth0', mac: '02:aa:00:00:02:01', address: '203.0.113.1/24' },
        { name: 'eth1', mac: '02:aa:00:00:02:02', address: '198.51.100.1/30' },
      ],
      routes: [{ prefix: '52.0.0.0/8', via: '198.51.100.2' }],
    })
    .router({
      name: 'isp-2',
      interfaces: [
        { name: 'eth0', mac: '02:aa:00:00:03:01', address: '198.51.100.2/30' },
        { name: 'eth1', mac: '02:aa:00:00:03:02', address: '52.94.133.1/24' },
      ],
      routes: [{ prefix: '0.0.0.0/0', via: '198.51.100.1' }],
    })
    .host({ name: 'server', interfaces: [{ name: 'eth0', mac: '02:aa:00:00:04:01', address: '52.94.133.131/24' }], gateway: '52.94.133.1' })
    .link('laptop:eth0', 'home-router:lan0', { delayNs: 50_000 })
    .link('home-router:wan0', 'isp-1:eth0', { delayNs: 5_000_000, bandwidthBps: 100e6 })
    .link('isp-1:eth1', 'isp-2:eth0', { delayNs: 10_000_000, lossRate: 0.02 })
    .link('isp-2:eth1', 'server:eth0', { delayNs: 1_000_000 })
    .build();
}

function run(seed: number) {
  const net = lossyPath(seed);
  const out = collect();
  // The sender's own link: each segment is seen once there, so Wireshark's
  // TCP analysis reads the loss as what it is.
  net.capture(out.sink, { ends: ['laptop:eth0'] });
  const laptop = net.node<Host>('laptop');
  const server = net.node<Host>('server');
  laptop.attachTcp(streamTransport(new TcpStack(net.sim, laptop.ip, { node: 'laptop' })));
  server.attachTcp(streamTransport(new TcpStack(net.sim, server.ip, { node: 'server' })));
  const sent = new SeededRandom(seed).bytes(MiB);
  const chunks: Uint8Array[] = [];
  let received = 0;
  server.tcp!.listen(443, (stream) =>
    stream.on('data', (bytes) => {
      chunks.push(bytes.slice());
      received += bytes.length;
    }),
  );
  const stream = laptop.tcp!.connect('52.94.133.131', 443);
  stream.write(sent);
  stream.end();
  net.sim.runUntil(() => received >= MiB, { untilNs: 600e9 });
  net.sim.run({ untilNs: net.sim.now + 5e9 });
  const link = net.linkOf('isp-1:eth1');
  return { sent, received: Buffer.concat(chunks), lost: link.drops.lost, capture: out.bytes(), events: net.sim.log.events };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('1 MiB over TCP through a NAT router and two routers, 2% loss on one link', () => {
  const result = run(11);

  it('delivers exactly the bytes sent, though frames were lost and resent', () => {
    expect(result.lost).toBeGreaterThan(5);
    expect(result.received.length).toBe(MiB);
    expect(sha(result.received)).toBe(sha(result.sent));
    expect(result.events.some((e) => e.kind === 'tcp-retransmit')).toBe(true);
  });

  it.skipIf(skipWithoutTshark)('gives a capture whose only complaints are the retransmissions', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wirepath-lossy-')), 'lossy.pcapng');
    writeFileSync(file, result.capture);
    // A hole resent soon after newer data is what Wireshark calls a "suspected
    // out-of-order segment"; it is still a retransmission, checked below.
    const verdict = pcapVerdict(file, undefined, (line) => /retransmission|suspected\) out-of-order/i.test(line));
    expect(verdict.problems).toEqual([]);
    const segments = tsharkFields(file, ['frame.number', 'tcp.seq_raw', 'tcp.len', 'tcp.analysis.out_of_order', 'tcp.analysis.retransmission', 'tcp.analysis.fast_retransmission'], ['-Y', 'tcp.srcport != 443']);
    const seen = new Set<string>();
    let resent = 0;
    for (const [, seq, len, outOfOrder, retransmission, fast] of segments) {
      const flagged = outOfOrder !== '' || retransmission !== '' || fast !== '';
      if (flagged) {
        resent++;
        expect(seen.has(`${seq}/${len}`), `segment seq ${seq} flagged but never sent before`).toBe(true);
      }
      seen.add(`${seq}/${len}`);
    }
    expect(resent).toBeGreaterThan(0);
  });
});
