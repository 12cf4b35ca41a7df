import { describe, expect, it } from 'vitest';
import { uint32ToIpv4 } from '../../codecs/address.js';
import { decode } from '../../codecs/tcp.js';
import { FakeNetwork, SERVER, collect, stackPair } from './tcp-fake-ip.js';

function segments(net: FakeNetwork) {
  return net.log.map((d) => ({ ...decode(d.bytes, 0, d.bytes.length, { source: uint32ToIpv4(d.source), destination: uint32ToIpv4(d.destination) }), from: uint32ToIpv4(d.source) }));
}

describe('TCP three-way handshake', () => {
  it('puts a modern client SYN on the wire and agrees the options', () => {
    const { sim, net, client, server } = stackPair();
    const listener = server.listen(443);
    let accepted = 0;
    listener.on('connection', () => accepted++);
    const conn = client.connect({ address: SERVER, port: 443 });
    let connected = false;
    conn.on('connect', () => (connected = true));
    sim.run({ untilNs: 100_000_000 });
    expect(connected).toBe(true);
    expect(accepted).toBe(1);
    const [syn, synAck, ack] = segments(net);
    expect(syn.header.flags).toMatchObject({ syn: true, ack: false });
    expect(syn.header.checksumValid).toBe(true);
    expect(syn.header.window).toBe(64240);
    expect(syn.header.options.map((o) => o.kind)).toEqual(['mss', 'sackPermitted', 'timestamps', 'nop', 'windowScale']);
    expect(syn.header.options[0]).toEqual({ kind: 'mss', value: 1460 });
    expect(syn.header.options[4]).toEqual({ kind: 'windowScale', shiftCount: 7 });
    const synTs = syn.header.options[2] as { value: number; echoReply: number };
    expect(synTs.echoReply).toBe(0);
    expect(syn.header.sourcePort).toBeGreaterThanOrEqual(32768);
    expect(syn.header.sourcePort).toBeLessThanOrEqual(60999);

    expect(synAck.header.flags).toMatchObject({ syn: true, ack: true });
    expect(synAck.header.checksumValid).toBe(true);
    expect(synAck.header.acknowledgmentNumber).toBe((syn.header.sequenceNumber + 1) >>> 0);
    const synAckTs = synAck.header.options.find((o) => o.kind === 'timestamps') as { value: number; echoReply: number };
    expect(synAckTs.echoReply).toBe(synTs.value);

    expect(ack.header.flags).toMatchObject({ syn: false, ack: true });
    expect(ack.header.sequenceNumber).toBe((syn.header.sequenceNumber + 1) >>> 0);
    expect(ack.header.acknowledgmentNumber).toBe((synAck.header.sequenceNumber + 1) >>> 0);
    // After the handshake the whole 256 KiB buffer is offered, scaled by 2^7.
    expect(ack.header.window).toBe((256 * 1024) / 128);
    expect(ack.header.options.map((o) => o.kind)).toEqual(['nop', 'nop', 'timestamps']);

    const states = sim.log.ofKind('tcp-state').map((e) => `${e.node}:${e.from}->${e.to}`);
    expect(states).toEqual(['laptop:CLOSED->SYN-SENT', 'api:CLOSED->LISTEN', 'api:LISTEN->SYN-RECEIVED', 'laptop:SYN-SENT->ESTABLISHED', 'api:SYN-RECEIVED->ESTABLISHED']);
    expect(conn.state).toBe('ESTABLISHED');
    expect(client.table()[0]).toMatchObject({ state: 'ESTABLISHED', remote: `${SERVER}:443` });
  });

  it('draws initial sequence numbers from the seed', () => {
    const isn = (seed: number) => {
      const { sim, net, client, server } = stackPair(seed);
      server.listen(80);
      client.connect({ address: SERVER, port: 80 });
      sim.run({ untilNs: 50_000_000 });
      return segments(net).map((s) => [s.header.sourcePort, s.header.sequenceNumber]);
    };
    expect(isn(5)).toEqual(isn(5));
    expect(isn(5)).not.toEqual(isn(6));
  });

  it('carries data both ways once connected', () => {
    const { sim, client, server } = stackPair();
    server.listen(443).on('connection', (c) => {
      c.on('data', (bytes) => c.write(bytes.map((b) => b ^ 0xff)));
    });
    const conn = client.connect({ address: SERVER, port: 443 });
    conn.write(new TextEncoder().encode('hello'));
    const got = collect(conn);
    sim.run({ untilNs: 200_000_000 });
    expect([...got.bytes()]).toEqual([...new TextEncoder().encode('hello')].map((b) => b ^ 0xff));
  });
});
