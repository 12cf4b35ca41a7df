import { describe, expect, it } from 'vitest';
import { ipv4ToUint32, uint32ToIpv4 } from '../../codecs/address.js';
import { type TcpHeader, decode, encode } from '../../codecs/tcp.js';
import { makeFlags } from '../../src/stack/tcp/segment.js';
import type { TcpConnection } from '../../src/stack/tcp/connection.js';
import { TcpError } from '../../src/stack/tcp/errors.js';
import { CLIENT, FakeNetwork, SERVER, collect, stackPair } from './tcp-fake-ip.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

function connected(seed = 1) {
  const p = stackPair(seed);
  let serverConn: TcpConnection | undefined;
  p.server.listen(443).on('connection', (c) => (serverConn = c));
  const conn = p.client.connect({ address: SERVER, port: 443 });
  p.sim.runUntil(() => serverConn !== undefined);
  p.sim.run({ untilNs: p.sim.now + 50_000_000 });
  return { ...p, conn, serverConn: serverConn! };
}

function flagsOnWire(net: FakeNetwork, from: string) {
  return net.log.filter((d) => uint32ToIpv4(d.source) === from).map((d) => decode(d.bytes).header.flags);
}

describe('TCP teardown', () => {
  it('half-closes: the side that ended still receives until the peer ends too', () => {
    const { sim, conn, serverConn } = connected();
    const atServer = collect(serverConn);
    const atClient = collect(conn);
    let serverSawEnd = false;
    let clientSawEnd = false;
    serverConn.on('end', () => (serverSawEnd = true));
    conn.on('end', () => (clientSawEnd = true));
    conn.write(text('request'));
    conn.end();
    sim.run({ untilNs: sim.now + 100_000_000 });
    expect(serverSawEnd).toBe(true);
    expect(conn.state).toBe('FIN-WAIT-2');
    expect(serverConn.state).toBe('CLOSE-WAIT');
    expect(() => conn.write(text('more'))).toThrow(/after end/);
    serverConn.write(text('response after the client ended'));
    sim.run({ untilNs: sim.now + 100_000_000 });
    expect(read(atServer.bytes())).toBe('request');
    expect(read(atClient.bytes())).toBe('response after the client ended');
    expect(clientSawEnd).toBe(false);
    serverConn.end();
    sim.run({ untilNs: sim.now + 100_000_000 });
    expect(clientSawEnd).toBe(true);
    expect(conn.state).toBe('TIME-WAIT');
    expect(serverConn.state).toBe('CLOSED');
    const serverStates = sim.log.ofKind('tcp-state').filter((e) => e.node === 'api').map((e) => e.to);
    expect(serverStates).toEqual(['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  });

  it('keeps TIME-WAIT for 2 MSL (60 s) of virtual time, then forgets the connection', () => {
    const { sim, client, conn, serverConn } = connected();
    let closedAt: number | undefined;
    conn.on('close', () => (closedAt = sim.now));
    conn.end();
    serverConn.on('end', () => serverConn.end());
    sim.runUntil(() => conn.state === 'TIME-WAIT');
    const enteredAt = sim.now;
    expect(closedAt).toBe(enteredAt);
    sim.run({ untilNs: enteredAt + 59_999_000_000 });
    expect(conn.state).toBe('TIME-WAIT');
    expect(client.table().map((r) => r.state)).toEqual(['TIME-WAIT']);
    sim.run({ untilNs: enteredAt + 60_000_000_001 });
    expect(conn.state).toBe('CLOSED');
    expect(client.table()).toEqual([]);
  });

  it('closes simultaneously through CLOSING on both sides', () => {
    const { sim, conn, serverConn } = connected();
    conn.end();
    serverConn.end();
    sim.run({ untilNs: sim.now + 100_000_000 });
    expect(conn.state).toBe('TIME-WAIT');
    expect(serverConn.state).toBe('TIME-WAIT');
    for (const node of ['laptop', 'api']) {
      const states = sim.log.ofKind('tcp-state').filter((e) => e.node === node).map((e) => e.to);
      expect(states.slice(-3)).toEqual(['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT']);
    }
  });

  it('aborts with a reset that the peer reports as ECONNRESET', () => {
    const { sim, net, conn, serverConn } = connected();
    let serverError: Error | undefined;
    let clientError: Error | undefined;
    serverConn.on('close', (e) => (serverError = e));
    conn.on('close', (e) => (clientError = e));
    conn.abort();
    sim.run({ untilNs: sim.now + 100_000_000 });
    expect(flagsOnWire(net, CLIENT).at(-1)).toMatchObject({ rst: true });
    expect(clientError).toBeInstanceOf(TcpError);
    expect((clientError as TcpError).code).toBe('ECONNABORTED');
    expect((serverError as TcpError).code).toBe('ECONNRESET');
    expect(serverConn.state).toBe('CLOSED');
  });

  it('answers a SYN to a closed port with RST,ACK and the client reports ECONNREFUSED', () => {
    const { sim, net, client, server } = stackPair();
    const conn = client.connect({ address: SERVER, port: 8080 });
    let error: Error | undefined;
    conn.on('close', (e) => (error = e));
    sim.run({ untilNs: 100_000_000 });
    const [syn, rst] = net.log.map((d) => decode(d.bytes, 0, d.bytes.length, { source: uint32ToIpv4(d.source), destination: uint32ToIpv4(d.destination) }).header);
    expect(rst.flags).toMatchObject({ rst: true, ack: true, syn: false });
    expect(rst.checksumValid).toBe(true);
    expect(rst.sequenceNumber).toBe(0);
    expect(rst.acknowledgmentNumber).toBe((syn.sequenceNumber + 1) >>> 0);
    expect(rst.sourcePort).toBe(8080);
    expect(rst.destinationPort).toBe(syn.sourcePort);
    expect((error as TcpError).code).toBe('ECONNREFUSED');
    expect(server.drops.noConnection).toBe(1);
    expect(conn.state).toBe('CLOSED');
  });

  it('answers a stray ACK at a listening port with a reset carrying its acknowledgment number', () => {
    const { sim, net, server } = stackPair();
    server.listen(443);
    const raw = net.host('10.9.9.9');
    const replies: TcpHeader[] = [];
    raw.register(6, (payload) => replies.push(decode(payload).header));
    const stray: TcpHeader = {
      sourcePort: 40000,
      destinationPort: 443,
      sequenceNumber: 1234,
      acknowledgmentNumber: 0xfffffff0,
      dataOffset: 5,
      reserved: 0,
      flags: makeFlags({ ack: true }),
      window: 1000,
      checksum: 0,
      urgentPointer: 0,
      options: [],
    };
    raw.send(ipv4ToUint32(SERVER), 6, encode(stray, text('late data'), { pseudoHeader: { source: '10.9.9.9', destination: SERVER } }));
    sim.run({ untilNs: 100_000_000 });
    expect(replies).toHaveLength(1);
    expect(replies[0].flags).toMatchObject({ rst: true, ack: false });
    expect(replies[0].sequenceNumber).toBe(0xfffffff0);
    expect(server.drops.noConnection).toBe(1);
    // A reset in reply to nothing gets nothing back.
    raw.send(ipv4ToUint32(SERVER), 6, encode({ ...stray, flags: makeFlags({ rst: true }) }, new Uint8Array(0), { pseudoHeader: { source: '10.9.9.9', destination: SERVER } }));
    sim.run({ untilNs: 200_000_000 });
    expect(replies).toHaveLength(1);
  });

  it('backs off the retransmission timer when the peer disappears, then gives up with ETIMEDOUT', () => {
    const { sim, net, conn } = connected();
    let error: Error | undefined;
    conn.on('close', (e) => (error = e));
    net.unplugged.add(net.log[0].destination);
    const startedAt = sim.now;
    conn.write(text('into the void'));
    sim.run({ untilNs: startedAt + 3600e9 });
    const timeouts = sim.log.ofKind('tcp-timeout').filter((e) => e.node === 'laptop');
    expect(timeouts).toHaveLength(8);
    const gaps = timeouts.map((e, i) => e.timeNs - (i === 0 ? startedAt : timeouts[i - 1].timeNs));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeCloseTo(gaps[i - 1] * 2, -3);
    expect((error as TcpError).code).toBe('ETIMEDOUT');
    expect(conn.state).toBe('CLOSED');
  });
});
