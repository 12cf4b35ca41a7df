import { describe, expect, it } from 'vitest';
import { ipv4ToUint32, uint32ToIpv4 } from '../../codecs/address.js';
import { decode } from '../../codecs/tcp.js';
import type { TcpConnection } from '../../src/stack/tcp/connection.js';
import type { TcpError } from '../../src/stack/tcp/errors.js';
import { CLIENT, SERVER, collect, stackPair } from './tcp-fake-ip.js';

describe('TCP opening', () => {
  it('drops SYNs beyond the listen backlog and lets the retried SYN in once the application accepts', () => {
    const { sim, client, server } = stackPair();
    const listener = server.listen(443, { backlog: 2 });
    const conns = [0, 1, 2].map(() => client.connect({ address: SERVER, port: 443 }));
    sim.run({ untilNs: 500_000_000 });
    expect(conns.map((c) => c.state)).toEqual(['ESTABLISHED', 'ESTABLISHED', 'SYN-SENT']);
    expect(server.drops.backlogFull).toBe(1);
    expect(listener.pending).toBe(2);
    expect(sim.log.ofKind('tcp-backlog-full')).toHaveLength(1);
    const first = listener.accept();
    expect(first?.remotePort).toBe(conns[0].localPort);
    // The client's SYN timer (1 s) fires and the retry finds room.
    sim.run({ untilNs: 1_500_000_000 });
    expect(conns[2].state).toBe('ESTABLISHED');
    expect(sim.log.ofKind('tcp-timeout').filter((e) => e.node === 'laptop')).toHaveLength(1);
    expect(listener.accept()?.remotePort).toBe(conns[1].localPort);
    expect(listener.accept()?.remotePort).toBe(conns[2].localPort);
    expect(listener.accept()).toBeUndefined();
  });

  it('delivers data that arrived before accept() once the application listens for it', () => {
    const { sim, client, server } = stackPair();
    const listener = server.listen(443);
    const conn = client.connect({ address: SERVER, port: 443 });
    conn.write(new TextEncoder().encode('early'));
    sim.run({ untilNs: 200_000_000 });
    const accepted = listener.accept()!;
    const got = collect(accepted);
    sim.run({ untilNs: 300_000_000 });
    expect(new TextDecoder().decode(got.bytes())).toBe('early');
  });

  it('opens simultaneously: both SYN-SENT, both SYN-RECEIVED, both ESTABLISHED', () => {
    const { sim, net, client, server } = stackPair();
    const a = client.connect({ address: SERVER, port: 5000, localPort: 6000 });
    const b = server.connect({ address: CLIENT, port: 6000, localPort: 5000 });
    const connects: string[] = [];
    a.on('connect', () => connects.push('a'));
    b.on('connect', () => connects.push('b'));
    sim.run({ untilNs: 200_000_000 });
    expect(a.state).toBe('ESTABLISHED');
    expect(b.state).toBe('ESTABLISHED');
    expect(connects.sort()).toEqual(['a', 'b']);
    for (const node of ['laptop', 'api']) {
      expect(sim.log.ofKind('tcp-state').filter((e) => e.node === node).map((e) => e.to)).toEqual(['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']);
    }
    const flags = net.log.map((d) => decode(d.bytes).header.flags);
    expect(flags.filter((f) => f.syn && !f.ack)).toHaveLength(2);
    expect(flags.filter((f) => f.syn && f.ack)).toHaveLength(2);
    const gotB = collect(b);
    a.write(new TextEncoder().encode('after a simultaneous open'));
    sim.run({ untilNs: 400_000_000 });
    expect(new TextDecoder().decode(gotB.bytes())).toBe('after a simultaneous open');
  });

  it('retransmits a lost SYN-ACK when the client repeats its SYN', () => {
    const { sim, net, client, server } = stackPair();
    server.listen(443);
    net.dropWhen = ({ index }) => index === 1;
    const conn = client.connect({ address: SERVER, port: 443 });
    sim.run({ untilNs: 2_000_000_000 });
    expect(conn.state).toBe('ESTABLISHED');
    const synAcks = net.log.filter((d) => decode(d.bytes).header.flags.syn && decode(d.bytes).header.flags.ack);
    expect(synAcks.length).toBeGreaterThanOrEqual(2);
    expect(synAcks[0].dropped).toBe(true);
  });

  it('aborts a SYN-SENT connection on an ICMP port unreachable, a hard error', () => {
    const { sim, net, client } = stackPair();
    const conn = client.connect({ address: SERVER, port: 443 });
    let error: TcpError | undefined;
    conn.on('close', (e) => (error = e as TcpError));
    net.unplugged.add(ipv4ToUint32(SERVER));
    sim.run({ untilNs: 5_000_000 });
    const syn = net.log[0].bytes;
    net.icmpError(CLIENT, { type: 3, code: 3, reporter: ipv4ToUint32(SERVER), quotedSource: ipv4ToUint32(CLIENT), quotedDestination: ipv4ToUint32(SERVER), quotedProtocol: 6, quotedTransport: syn.subarray(0, 8) });
    expect(conn.state).toBe('CLOSED');
    expect(error?.code).toBe('ECONNREFUSED');
  });

  it('keeps a soft ICMP error and reports it when the SYN finally times out', () => {
    const { sim, net, client } = stackPair();
    net.unplugged.add(ipv4ToUint32(SERVER));
    const conn = client.connect({ address: SERVER, port: 443 });
    let error: TcpError | undefined;
    conn.on('close', (e) => (error = e as TcpError));
    sim.run({ untilNs: 5_000_000 });
    net.icmpError(CLIENT, { type: 3, code: 1, reporter: ipv4ToUint32('203.0.113.1'), quotedSource: ipv4ToUint32(CLIENT), quotedDestination: ipv4ToUint32(SERVER), quotedProtocol: 6, quotedTransport: net.log[0].bytes.subarray(0, 8) });
    expect(conn.state).toBe('SYN-SENT');
    sim.run({ untilNs: 600e9 });
    expect(conn.state).toBe('CLOSED');
    expect(error?.code).toBe('EHOSTUNREACH');
    // 1 + 2 + 4 + 8 + 16 + 32 s of SYN timers, then one held at the 60 s ceiling that gives up.
    expect(sim.log.ofKind('tcp-timeout')).toHaveLength(6);
    expect(sim.log.ofKind('tcp-state').at(-1)?.timeNs).toBe(123e9);
  });

  it('lowers the segment size when the path says fragmentation is needed', () => {
    const { sim, net, client, server } = stackPair();
    let serverConn: TcpConnection | undefined;
    server.listen(443).on('connection', (c) => (serverConn = c));
    const conn = client.connect({ address: SERVER, port: 443 });
    sim.runUntil(() => serverConn !== undefined);
    const got = collect(serverConn!);
    const before = net.log.length;
    const quoted = net.log[0].bytes.subarray(0, 8);
    net.icmpError(CLIENT, { type: 3, code: 4, nextHopMtu: 1400, reporter: ipv4ToUint32('203.0.113.1'), quotedSource: ipv4ToUint32(CLIENT), quotedDestination: ipv4ToUint32(SERVER), quotedProtocol: 6, quotedTransport: quoted });
    conn.write(new Uint8Array(20000).fill(7));
    sim.run({ untilNs: sim.now + 1e9 });
    const sizes = net.log.slice(before).filter((d) => uint32ToIpv4(d.source) === CLIENT).map((d) => decode(d.bytes).payloadLength);
    // 1400 less 40 bytes of headers and 12 of timestamps.
    expect(Math.max(...sizes)).toBe(1348);
    expect(got.bytes().length).toBe(20000);
  });
});
