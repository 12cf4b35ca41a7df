import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect as collectCapture } from '../../codecs/capture-record.js';
import type { Host } from '../../src/nodes/host.js';
import { standardHost } from '../../src/nodes/topology.js';
import { SeededRandom } from '../../src/sim/random.js';
import type { ByteStream } from '../../src/stack/byte-stream.js';
import { streamTransport } from '../../src/stack/tcp/stream-transport.js';
import { TcpStack } from '../../src/stack/tcp/tcp-stack.js';
import { homeNetwork } from '../helpers/networks.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';

/** The seed's path: laptop — switch — NAT router — ISP router — API server, over real links. */
function journey(seed: number, laptopMtu = 1500) {
  const network = homeNetwork(seed, { hostFactory: standardHost, laptopMtu });
  const laptop = network.node<Host>('laptop');
  const api = network.node<Host>('server');
  const laptopTcp = new TcpStack(network.sim, laptop.ip, { node: 'laptop' });
  const apiTcp = new TcpStack(network.sim, api.ip, { node: 'api' });
  laptop.attachTcp(streamTransport(laptopTcp));
  api.attachTcp(streamTransport(apiTcp));
  return { network, sim: network.sim, laptop, api, laptopTcp, apiTcp };
}

function echoExchange(seed: number, size: number, laptopMtu?: number) {
  const j = journey(seed, laptopMtu);
  // One capture per end: a file holding every hop would show tshark each segment again at each hop.
  const atLaptop = collectCapture();
  const atApi = collectCapture();
  j.network.capture(atLaptop.sink, { ends: ['laptop:eth0'] });
  j.network.capture(atApi.sink, { ends: ['server:eth0'] });
  const upload = new SeededRandom(seed).bytes(size);
  const received: Uint8Array[] = [];
  j.api.tcp!.listen(443, (stream: ByteStream) => {
    stream.on('data', (bytes) => received.push(bytes));
    stream.on('end', () => {
      stream.write(new TextEncoder().encode(`got ${Buffer.concat(received).length}`));
      stream.end();
    });
  });
  const stream = j.laptop.tcp!.connect('52.94.133.131', 443);
  const reply: Uint8Array[] = [];
  let closed = false;
  stream.on('data', (bytes) => reply.push(bytes));
  stream.on('close', (error) => {
    if (error) throw error;
    closed = true;
  });
  stream.write(upload);
  stream.end();
  j.sim.runUntil(() => closed, { untilNs: 120e9 });
  return { ...j, upload, received: Buffer.concat(received), reply: new TextDecoder().decode(Buffer.concat(reply)), laptopPcap: atLaptop.bytes(), apiPcap: atApi.bytes() };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function tempFile(bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wirepath-tcp-')), 'run.pcapng');
  writeFileSync(file, bytes);
  return file;
}

describe('TCP on hosts across real links, switch, NAT and router', () => {
  it('carries 200 kB up and a reply back through the NAT, and ends cleanly', () => {
    const run = echoExchange(21, 200_000);
    expect(sha(run.received)).toBe(sha(run.upload));
    expect(run.reply).toBe('got 200000');
    expect(run.laptopTcp.counters.retransmissions).toBe(0);
    expect(run.laptopTcp.table().map((r) => r.state)).toEqual(['TIME-WAIT']);
  });

  it('finds a smaller MTU from the IP layer\'s fragmentation-needed error and goes on in smaller segments', () => {
    const run = echoExchange(22, 60_000, 1280);
    expect(sha(run.received)).toBe(sha(run.upload));
    const error = run.sim.log.ofKind('tcp-icmp-error').find((e) => e.node === 'laptop' && e.nextHopMtu === 1280);
    expect(error).toBeDefined();
    const after = run.sim.log.ofKind('tcp-segment-sent').filter((e) => e.node === 'laptop' && e.timeNs > error!.timeNs);
    // 1280 less 40 bytes of headers and 12 of timestamps.
    expect(Math.max(...after.map((e) => e.len as number))).toBe(1228);
  });

  describe.skipIf(skipWithoutTshark)('judged by tshark', () => {
    it('writes a capture tshark reads without a bad checksum or expert warning, with the SYN options it expects', () => {
      const run = echoExchange(23, 50_000);
      const laptopFile = tempFile(run.laptopPcap);
      const apiFile = tempFile(run.apiPcap);
      for (const file of [laptopFile, apiFile]) expect(pcapVerdict(file).problems).toEqual([]);
      const fields = ['frame.interface_name', 'ip.src', 'tcp.srcport', 'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.sack_perm', 'tcp.options.timestamp.tsval'];
      const synOnly = ['-Y', 'tcp.flags.syn==1 && tcp.flags.ack==0'];
      const [atLaptop] = tsharkFields(laptopFile, fields, synOnly);
      const [atServer] = tsharkFields(apiFile, fields, synOnly);
      expect(atLaptop[1]).toBe('192.168.1.100');
      expect(atLaptop[3]).toBe('1460');
      expect(atLaptop[4]).toBe('7');
      expect(atLaptop[5]).not.toBe('');
      // Source NAT: the same port, the public address.
      expect(atServer[1]).toBe('203.0.113.50');
      expect(atServer[2]).toBe(atLaptop[2]);
      const lengths = tsharkFields(laptopFile, ['tcp.len'], ['-Y', 'frame.interface_name=="laptop:eth0" && ip.src==192.168.1.100 && tcp.len>0']).map((f) => Number(f[0]));
      expect(lengths.reduce((a, b) => a + b, 0)).toBe(50_000);
      expect(Math.max(...lengths)).toBe(1448);
    });
  });
});
