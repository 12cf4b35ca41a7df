import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { uint32ToIpv4 } from '../../codecs/address.js';
import { decode } from '../../codecs/tcp.js';
import { SeededRandom } from '../../src/sim/random.js';
import { Simulator } from '../../src/sim/simulator.js';
import { CLIENT, FakeNetwork, SERVER, collect } from './tcp-fake-ip.js';

const MiB = 1024 * 1024;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function transfer(options: { seed: number; lossRate: number; jitterNs: number; size: number; writeSize: number }) {
  const sim = new Simulator({ seed: options.seed });
  const net = new FakeNetwork(sim, { delayNs: 10_000_000, jitterNs: options.jitterNs, lossRate: options.lossRate, seed: options.seed * 31 + 1 });
  const client = net.stack(CLIENT, { node: 'laptop' });
  const server = net.stack(SERVER, { node: 'api' });
  const data = new SeededRandom(options.seed).bytes(options.size);
  let received: ReturnType<typeof collect> | undefined;
  let ended = false;
  server.listen(443).on('connection', (c) => {
    received = collect(c);
    c.on('end', () => {
      ended = true;
      c.end();
    });
  });
  const conn = client.connect({ address: SERVER, port: 443 });
  let closed = false;
  conn.on('close', (error) => {
    if (error) throw error;
    closed = true;
  });
  for (let i = 0; i < data.length; i += options.writeSize) conn.write(data.subarray(i, i + options.writeSize));
  conn.end();
  sim.runUntil(() => ended && closed, { untilNs: 600e9 });
  return { sim, net, client, server, data, received: received!.bytes() };
}

describe('TCP bulk transfer', () => {
  it('moves 1 MiB intact through 2% loss and reordering, with fast retransmits and SACK', () => {
    const { sim, client, server, data, received } = transfer({ seed: 3, lossRate: 0.02, jitterNs: 2_000_000, size: MiB, writeSize: 16384 });
    expect(received.length).toBe(MiB);
    expect(sha256(received)).toBe(sha256(data));
    expect(client.counters.retransmissions).toBeGreaterThan(0);
    expect(client.counters.fastRetransmits).toBeGreaterThan(0);
    expect(client.counters.duplicateAcksReceived).toBeGreaterThan(3);
    expect(server.counters.outOfOrderSegments).toBeGreaterThan(0);
    expect(server.counters.sackBlocksSent).toBeGreaterThan(0);
    const reasons = new Set(sim.log.ofKind('tcp-retransmit').map((e) => e.reason));
    expect(reasons.has('fast-retransmit')).toBe(true);
    // Holes past the first, reported by SACK, are resent during the same recovery.
    expect(reasons.has('sack-hole')).toBe(true);
  });

  it('moves 1 MiB without loss in MSS-sized segments that carry timestamps', () => {
    const { net, client, data, received } = transfer({ seed: 4, lossRate: 0, jitterNs: 0, size: MiB, writeSize: 65536 });
    expect(sha256(received)).toBe(sha256(data));
    expect(client.counters.retransmissions).toBe(0);
    const fromClient = net.log.filter((d) => uint32ToIpv4(d.source) === CLIENT).map((d) => decode(d.bytes));
    const sizes = fromClient.map((s) => s.payloadLength).filter((n) => n > 0);
    // 1460 less the 12 bytes of timestamps, as Linux sends.
    expect(Math.max(...sizes)).toBe(1448);
    expect(sizes.filter((n) => n === 1448).length).toBe(Math.floor(MiB / 1448));
  });

  it('advertises a zero window when the reader stops, probes it, and goes on when it reads again', () => {
    const sim = new Simulator({ seed: 9 });
    const net = new FakeNetwork(sim, { delayNs: 5_000_000 });
    const client = net.stack(CLIENT, { node: 'laptop', receiveBuffer: 32 * 1024 });
    const server = net.stack(SERVER, { node: 'api', receiveBuffer: 32 * 1024 });
    const data = new SeededRandom(9).bytes(200_000);
    let serverConn: import('../../src/stack/tcp/connection.js').TcpConnection | undefined;
    let received: ReturnType<typeof collect> | undefined;
    server.listen(80).on('connection', (c) => {
      serverConn = c;
      c.pause();
      received = collect(c);
    });
    const conn = client.connect({ address: SERVER, port: 80 });
    conn.write(data);
    sim.run({ untilNs: 5e9 });
    expect(serverConn!.bufferedBytes).toBeGreaterThan(30 * 1024);
    expect(serverConn!.bufferedBytes).toBeLessThanOrEqual(32 * 1024);
    expect(client.counters.zeroWindowProbes).toBeGreaterThan(0);
    const zeroWindows = net.log.filter((d) => uint32ToIpv4(d.source) === SERVER && decode(d.bytes).header.window === 0);
    expect(zeroWindows.length).toBeGreaterThan(0);
    serverConn!.resume();
    sim.runUntil(() => (received?.bytes().length ?? 0) === data.length, { untilNs: 100e9 });
    expect(sha256(received!.bytes())).toBe(sha256(data));
  });

  it('holds small writes behind unacknowledged data with Nagle on, and sends each at once with it off', () => {
    const segmentsFor = (noDelay: boolean) => {
      const sim = new Simulator({ seed: 2 });
      const net = new FakeNetwork(sim, { delayNs: 10_000_000 });
      const client = net.stack(CLIENT, { node: 'laptop', noDelay });
      const server = net.stack(SERVER, { node: 'api' });
      let got: ReturnType<typeof collect> | undefined;
      server.listen(80).on('connection', (c) => (got = collect(c)));
      const conn = client.connect({ address: SERVER, port: 80 });
      conn.on('connect', () => {
        for (let i = 0; i < 10; i++) conn.write(new Uint8Array([i]));
      });
      sim.run({ untilNs: 1e9 });
      expect([...got!.bytes()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      return net.log.filter((d) => uint32ToIpv4(d.source) === CLIENT).map((d) => decode(d.bytes).payloadLength).filter((n) => n > 0);
    };
    expect(segmentsFor(true)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(segmentsFor(false)).toEqual([1, 9]);
  });

  it('delays the ACK of a lone segment by 40 ms and acknowledges every second one at once', () => {
    const sim = new Simulator({ seed: 2 });
    const net = new FakeNetwork(sim, { delayNs: 10_000_000 });
    const client = net.stack(CLIENT, { node: 'laptop' });
    const server = net.stack(SERVER, { node: 'api' });
    server.listen(80);
    const conn = client.connect({ address: SERVER, port: 80 });
    sim.run({ untilNs: 100_000_000 });
    const ackTimes = () => sim.log.ofKind('tcp-segment-sent').filter((e) => e.node === 'api' && e.flags === 'ACK').map((e) => e.timeNs);
    const sentAt = sim.now;
    conn.write(new Uint8Array(100));
    sim.run({ untilNs: sentAt + 200_000_000 });
    expect(ackTimes()).toEqual([sentAt + 10_000_000 + 40_000_000]);
    const twoAt = sim.now;
    conn.write(new Uint8Array(2 * 1448));
    sim.run({ untilNs: twoAt + 200_000_000 });
    expect(ackTimes().at(-1)).toBe(twoAt + 10_000_000);
  });
});
