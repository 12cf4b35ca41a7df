import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Nat, NatResult } from '../../src/forward/nat.js';
import { FlowTable } from '../../src/forward/flow-table.js';
import { fixturePath, fromHex } from '../helpers/fixtures.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { classicPcap } from './pcap-file.js';
import { API, DNS, LAPTOP, OTHER, OUTSIDE, S, echoPacket, icmpErrorPacket, ipChecksumOk, ipPacket, tcpPacket, transportChecksumOk, udpPacket } from './nat-packets.js';

function newNat(options: Partial<ConstructorParameters<typeof Nat>[0]> = {}): Nat {
  return new Nat({ outsideAddress: OUTSIDE, ...options });
}

function out(nat: Nat, p: Uint8Array, now = 0): number {
  return nat.outbound(p, 0, now);
}

function inn(nat: Nat, p: Uint8Array, now = 0): number {
  return nat.inbound(p, 0, now);
}

describe('Nat: UDP and TCP', () => {
  it('keeps a free source port and rewrites only the source (seed: 192.168.1.100:55555 → 203.0.113.50:55555)', () => {
    const nat = newNat();
    const p = udpPacket(LAPTOP, 55555, DNS, 53);
    expect(out(nat, p)).toBe(NatResult.translated);
    expect(p).toEqual(udpPacket(OUTSIDE, 55555, DNS, 53));
    expect(nat.describeLast()).toEqual({ protocol: 'udp', inside: `${LAPTOP}:55555`, outside: `${OUTSIDE}:55555`, remote: `${DNS}:53`, direction: 'outbound', created: true, icmpError: false });
    expect(nat.format(0)).toContain(`External: ${OUTSIDE}:55555 ←→ Internal: ${LAPTOP}:55555`);
    expect(nat.table(0)).toEqual([{ protocol: 'udp', external: `${OUTSIDE}:55555`, internal: `${LAPTOP}:55555`, remote: `${DNS}:53`, state: 'active', expiresInNs: 300 * S }]);
  });

  it('translates the reply back to the inside host, byte for byte', () => {
    const nat = newNat();
    out(nat, udpPacket(LAPTOP, 55555, DNS, 53));
    const reply = udpPacket(DNS, 53, OUTSIDE, 55555, new Uint8Array([9, 8, 7]));
    expect(inn(nat, reply, 1 * S)).toBe(NatResult.translated);
    expect(reply).toEqual(udpPacket(DNS, 53, LAPTOP, 55555, new Uint8Array([9, 8, 7])));
    expect(nat.describeLast()?.direction).toBe('inbound');
    expect(nat.describeLast()?.created).toBe(false);
  });

  it('describes the last translation even after its session expired and was swept', () => {
    const nat = newNat({ capacity: 4 });
    expect(nat.describeLast()).toBeUndefined();
    out(nat, tcpPacket(LAPTOP, 40000, API, 443, { syn: true }));
    out(nat, udpPacket(OTHER, 55555, DNS, 53));
    const rejected = udpPacket(LAPTOP, 1, DNS, 53);
    rejected[9] = 47;
    expect(out(nat, rejected)).toBe(NatResult.notApplicable);
    nat.sweep(1000 * S, 4);
    expect(nat.size).toBe(0);
    expect(nat.describeLast()).toEqual({ protocol: 'udp', inside: `${OTHER}:55555`, outside: `${OUTSIDE}:55555`, remote: `${DNS}:53`, direction: 'outbound', created: true, icmpError: false });
  });

  it('allocates another port when two inside hosts use the same source port', () => {
    const nat = newNat();
    out(nat, tcpPacket(LAPTOP, 55555, API, 443, { syn: true }));
    const second = tcpPacket(OTHER, 55555, API, 443, { syn: true });
    expect(out(nat, second)).toBe(NatResult.translated);
    const port = (second[20] << 8) | second[21];
    expect(port).not.toBe(55555);
    expect(port).toBeGreaterThanOrEqual(1024);
    expect(second).toEqual(tcpPacket(OUTSIDE, port, API, 443, { syn: true }));
    const reply = tcpPacket(API, 443, OUTSIDE, port, { syn: true, ack: true });
    expect(inn(nat, reply)).toBe(NatResult.translated);
    expect(reply).toEqual(tcpPacket(API, 443, OTHER, 55555, { syn: true, ack: true }));
    const first = tcpPacket(API, 443, OUTSIDE, 55555, { syn: true, ack: true });
    expect(inn(nat, first)).toBe(NatResult.translated);
    expect(first).toEqual(tcpPacket(API, 443, LAPTOP, 55555, { syn: true, ack: true }));
  });

  it('reuses the mapping of an inside endpoint for other destinations, but lets in only the remotes it opened to', () => {
    const nat = newNat();
    out(nat, udpPacket(OTHER, 4000, DNS, 53)); // takes 4000
    const a = udpPacket(LAPTOP, 4000, DNS, 53);
    out(nat, a);
    const mapped = (a[20] << 8) | a[21];
    expect(mapped).not.toBe(4000);
    const b = udpPacket(LAPTOP, 4000, API, 123);
    expect(out(nat, b)).toBe(NatResult.translated);
    expect((b[20] << 8) | b[21]).toBe(mapped);
    expect(nat.describeLast()?.created).toBe(true);
    const stranger = udpPacket('198.51.100.7', 53, OUTSIDE, mapped);
    const before = stranger.slice();
    expect(inn(nat, stranger)).toBe(NatResult.noMapping);
    expect(stranger).toEqual(before);
    expect(nat.counters()['nat-no-mapping']).toBe(1);
  });

  it('drops unasked inbound packets and leaves them unchanged', () => {
    const nat = newNat();
    const p = tcpPacket(API, 443, OUTSIDE, 55555, { syn: true });
    const before = p.slice();
    expect(inn(nat, p)).toBe(NatResult.noMapping);
    expect(p).toEqual(before);
  });

  it('keeps a zero UDP checksum zero', () => {
    const nat = newNat();
    const p = udpPacket(LAPTOP, 5353, DNS, 53, undefined, { zeroChecksum: true });
    out(nat, p);
    expect(p).toEqual(udpPacket(OUTSIDE, 5353, DNS, 53, undefined, { zeroChecksum: true }));
    expect((p[26] << 8) | p[27]).toBe(0);
  });

  it('works at a non-zero offset and touches nothing outside the IP packet', () => {
    const nat = newNat();
    const packet = udpPacket(LAPTOP, 55555, DNS, 53);
    const frame = new Uint8Array(14 + packet.length + 6).fill(0xa5);
    frame.set(packet, 14);
    expect(nat.outbound(frame, 14, 0)).toBe(NatResult.translated);
    expect(frame.subarray(0, 14).every((b) => b === 0xa5)).toBe(true);
    expect(frame.subarray(14 + packet.length).every((b) => b === 0xa5)).toBe(true);
    expect(frame.subarray(14, 14 + packet.length)).toEqual(udpPacket(OUTSIDE, 55555, DNS, 53));
  });

  it('translates a first fragment and drops later fragments, which carry no ports (noMapping)', () => {
    const nat = newNat();
    const first = udpPacket(LAPTOP, 55555, DNS, 53, new Uint8Array(16), { moreFragments: true });
    expect(out(nat, first)).toBe(NatResult.translated);
    expect(first).toEqual(udpPacket(OUTSIDE, 55555, DNS, 53, new Uint8Array(16), { moreFragments: true }));
    const later = ipPacket(LAPTOP, DNS, 17, new Uint8Array(16), { fragmentOffset: 24 });
    const before = later.slice();
    expect(out(nat, later)).toBe(NatResult.noMapping);
    expect(later).toEqual(before);
    const laterIn = ipPacket(DNS, OUTSIDE, 17, new Uint8Array(16), { fragmentOffset: 24 });
    expect(inn(nat, laterIn)).toBe(NatResult.noMapping);
  });

  it('leaves protocols it does not translate, and packets for other addresses, as notApplicable', () => {
    const nat = newNat();
    const gre = ipPacket(LAPTOP, API, 47, new Uint8Array(8));
    expect(out(nat, gre)).toBe(NatResult.notApplicable);
    const transit = udpPacket(DNS, 53, '198.51.100.1', 55555);
    expect(inn(nat, transit)).toBe(NatResult.notApplicable);
    const ping = echoPacket(DNS, OUTSIDE, 8, 77);
    expect(inn(nat, ping)).toBe(NatResult.notApplicable);
    expect(nat.counters().notApplicable).toBe(3);
  });
});

describe('Nat: ICMP', () => {
  it('maps echo ids like ports, allocating on collision', () => {
    const nat = newNat();
    const a = echoPacket(LAPTOP, DNS, 8, 0x1c46);
    expect(out(nat, a)).toBe(NatResult.translated);
    expect(a).toEqual(echoPacket(OUTSIDE, DNS, 8, 0x1c46));
    const b = echoPacket(OTHER, DNS, 8, 0x1c46);
    expect(out(nat, b)).toBe(NatResult.translated);
    const id = (b[24] << 8) | b[25];
    expect(id).not.toBe(0x1c46);
    expect(b).toEqual(echoPacket(OUTSIDE, DNS, 8, id));
    const replyB = echoPacket(DNS, OUTSIDE, 0, id);
    expect(inn(nat, replyB)).toBe(NatResult.translated);
    expect(replyB).toEqual(echoPacket(DNS, OTHER, 0, 0x1c46));
    const replyA = echoPacket(DNS, OUTSIDE, 0, 0x1c46);
    expect(inn(nat, replyA)).toBe(NatResult.translated);
    expect(replyA).toEqual(echoPacket(DNS, LAPTOP, 0, 0x1c46));
    expect(nat.table(0).map((r) => r.protocol)).toEqual(['icmp', 'icmp']);
  });

  const router = '198.51.100.1';
  const cases = [
    { name: 'Time Exceeded quoting UDP (8 bytes)', type: 11 as const, code: 0, make: (src: string, port: number) => udpPacket(src, port, DNS, 33434, new Uint8Array(12), { ttl: 1 }), quote: 28 },
    { name: 'Port Unreachable quoting UDP (all of it)', type: 3 as const, code: 3, make: (src: string, port: number) => udpPacket(src, port, DNS, 33434, new Uint8Array(12)), quote: 40 },
    { name: 'Time Exceeded quoting TCP with its checksum', type: 11 as const, code: 0, make: (src: string, port: number) => tcpPacket(src, port, API, 443, { syn: true }, undefined, { ttl: 1 }), quote: 40 },
    { name: 'Port Unreachable quoting TCP (8 bytes, no checksum)', type: 3 as const, code: 3, make: (src: string, port: number) => tcpPacket(src, port, API, 443, { syn: true }), quote: 28 },
    { name: 'Time Exceeded quoting an echo request', type: 11 as const, code: 0, make: (src: string, id: number) => echoPacket(src, DNS, 8, id), quote: 28 },
  ];
  for (const c of cases) {
    it(`translates ${c.name} back to the inside host (RFC 5508)`, () => {
      const nat = newNat();
      out(nat, c.make(OTHER, 40000)); // so the laptop's flow gets another port
      const original = c.make(LAPTOP, 40000);
      const sent = original.slice();
      expect(out(nat, sent)).toBe(NatResult.translated);
      const error = icmpErrorPacket(router, OUTSIDE, c.type, c.code, sent, c.quote);
      expect(inn(nat, error)).toBe(NatResult.translated);
      // What the laptop would get had there been no NAT: every field and checksum.
      expect(error).toEqual(icmpErrorPacket(router, LAPTOP, c.type, c.code, original, c.quote));
      expect(ipChecksumOk(error)).toBe(true);
      expect(transportChecksumOk(error)).toBe(true);
      expect(ipChecksumOk(error, 28)).toBe(true);
      expect(nat.describeLast()).toMatchObject({ inside: `${LAPTOP}:40000`, icmpError: true, direction: 'inbound' });
    });
  }

  it('drops an ICMP error about a flow it does not know', () => {
    const nat = newNat();
    const error = icmpErrorPacket(router, OUTSIDE, 11, 0, udpPacket(OUTSIDE, 40000, DNS, 33434), 28);
    expect(inn(nat, error)).toBe(NatResult.noMapping);
  });

  it('translates an error an inside host sends about an inbound packet of a session', () => {
    const nat = newNat();
    out(nat, udpPacket(OTHER, 40000, DNS, 53));
    out(nat, udpPacket(LAPTOP, 40000, DNS, 53));
    const mapped = nat.table(0).find((r) => r.internal === `${LAPTOP}:40000`)!.external.split(':')[1];
    const port = Number(mapped);
    const arrived = udpPacket(DNS, 53, OUTSIDE, port);
    inn(nat, arrived);
    const error = icmpErrorPacket(LAPTOP, DNS, 3, 3, arrived, 28);
    expect(out(nat, error)).toBe(NatResult.translated);
    expect(error).toEqual(icmpErrorPacket(OUTSIDE, DNS, 3, 3, udpPacket(DNS, 53, OUTSIDE, port), 28));
  });
});

describe('Nat: timeouts in virtual time', () => {
  it('expires UDP after 300 s of silence, and refreshes on traffic', () => {
    const nat = newNat();
    out(nat, udpPacket(LAPTOP, 55555, DNS, 53), 0);
    out(nat, udpPacket(LAPTOP, 55555, DNS, 53), 200 * S);
    expect(inn(nat, udpPacket(DNS, 53, OUTSIDE, 55555), 499 * S)).toBe(NatResult.translated);
    expect(nat.table(499 * S)[0].expiresInNs).toBe(300 * S);
    expect(inn(nat, udpPacket(DNS, 53, OUTSIDE, 55555), 799 * S)).toBe(NatResult.noMapping);
    expect(nat.table(799 * S)).toEqual([]);
    expect(nat.size).toBe(0);
  });

  it('keeps an established TCP connection 2 h 4 min, then lets it go', () => {
    const nat = newNat();
    out(nat, tcpPacket(LAPTOP, 55555, API, 443, { syn: true }), 0);
    expect(nat.table(0)[0].state).toBe('transitory');
    inn(nat, tcpPacket(API, 443, OUTSIDE, 55555, { syn: true, ack: true }), 1e6);
    out(nat, tcpPacket(LAPTOP, 55555, API, 443, { ack: true }), 2e6);
    expect(nat.table(2e6)[0]).toMatchObject({ state: 'established', expiresInNs: 7440 * S });
    expect(inn(nat, tcpPacket(API, 443, OUTSIDE, 55555, { ack: true }), 2e6 + 7439 * S)).toBe(NatResult.translated);
    expect(inn(nat, tcpPacket(API, 443, OUTSIDE, 55555, { ack: true }), 2e6 + 2 * 7439 * S + S)).toBe(NatResult.noMapping);
  });

  it('moves TCP to transitory on FIN and expires it 4 min later', () => {
    const nat = newNat();
    out(nat, tcpPacket(LAPTOP, 55555, API, 443, { syn: true }), 0);
    inn(nat, tcpPacket(API, 443, OUTSIDE, 55555, { syn: true, ack: true }), 0);
    out(nat, tcpPacket(LAPTOP, 55555, API, 443, { ack: true }), 0);
    inn(nat, tcpPacket(API, 443, OUTSIDE, 55555, { fin: true, ack: true }), 10 * S);
    expect(nat.table(10 * S)[0]).toMatchObject({ state: 'closing', expiresInNs: 240 * S });
    expect(inn(nat, tcpPacket(API, 443, OUTSIDE, 55555, { ack: true }), 249 * S)).toBe(NatResult.translated);
    expect(inn(nat, tcpPacket(API, 443, OUTSIDE, 55555, { ack: true }), 489 * S + 1)).toBe(NatResult.noMapping);
  });

  it('treats an unanswered SYN as transitory (4 min) and RST as closing', () => {
    const nat = newNat();
    out(nat, tcpPacket(LAPTOP, 1111, API, 443, { syn: true }), 0);
    out(nat, tcpPacket(LAPTOP, 2222, API, 443, { syn: true }), 0);
    inn(nat, tcpPacket(API, 443, OUTSIDE, 2222, { rst: true, ack: true }), S);
    expect(nat.table(S).map((r) => r.state)).toEqual(['transitory', 'closing']);
    expect(nat.table(240 * S)).toHaveLength(1);
    expect(nat.table(241 * S)).toHaveLength(0);
  });

  it('expires ICMP mappings after 60 s', () => {
    const nat = newNat();
    out(nat, echoPacket(LAPTOP, DNS, 8, 0x4007), 0);
    expect(inn(nat, echoPacket(DNS, OUTSIDE, 0, 0x4007), 59 * S)).toBe(NatResult.translated);
    expect(inn(nat, echoPacket(DNS, OUTSIDE, 0, 0x4007), 120 * S)).toBe(NatResult.noMapping);
  });

  it('reclaims expired sessions with a bounded sweep, freeing their ports', () => {
    const nat = newNat({ capacity: 64 });
    for (let i = 0; i < 40; i++) out(nat, udpPacket(LAPTOP, 10000 + i, DNS, 53), 0);
    expect(nat.size).toBe(40);
    expect(nat.sweep(301 * S, 16)).toBeLessThanOrEqual(16);
    let rounds = 0;
    while (nat.size > 0 && rounds++ < 10) nat.sweep(301 * S, 16);
    expect(nat.size).toBe(0);
    expect(nat.counters().expired).toBe(40);
  });
});

describe('Nat: exhaustion', () => {
  it('drops and counts when no port is left, and recovers once one is freed', () => {
    const nat = newNat({ portRange: [5000, 5001] });
    expect(out(nat, udpPacket('192.168.1.2', 5000, DNS, 53), 0)).toBe(NatResult.translated);
    expect(out(nat, udpPacket('192.168.1.3', 5000, DNS, 53), 0)).toBe(NatResult.translated);
    const third = udpPacket('192.168.1.4', 5000, DNS, 53);
    const before = third.slice();
    expect(out(nat, third, 0)).toBe(NatResult.portsExhausted);
    expect(third).toEqual(before);
    expect(nat.counters()['nat-ports-exhausted']).toBe(1);
    // A port outside the range is not kept either.
    expect(out(nat, udpPacket('192.168.1.5', 80, DNS, 53), 0)).toBe(NatResult.portsExhausted);
    expect(out(nat, third, 400 * S)).toBe(NatResult.translated);
  });

  it('drops and counts when the session table is full', () => {
    const nat = newNat({ capacity: 4 });
    for (let i = 0; i < 4; i++) expect(out(nat, udpPacket(LAPTOP, 6000 + i, DNS, 53))).toBe(NatResult.translated);
    expect(out(nat, udpPacket(LAPTOP, 7000, DNS, 53))).toBe(NatResult.portsExhausted);
    expect(nat.counters()['nat-ports-exhausted']).toBe(1);
  });
});

describe('Nat: properties', () => {
  const insideIp = fc.constantFrom('192.168.1.2', '192.168.1.3', '10.0.0.9');
  const remoteIp = fc.constantFrom('8.8.8.8', '52.94.133.131', '198.51.100.20');
  const port = fc.integer({ min: 1, max: 65535 });
  const data = fc.uint8Array({ minLength: 0, maxLength: 40 });
  const flow = fc.record({
    kind: fc.constantFrom('udp', 'udp0', 'tcp', 'echo'),
    inside: insideIp,
    remote: remoteIp,
    insidePort: port,
    remotePort: port,
    data,
  });
  type Flow = typeof flow extends fc.Arbitrary<infer T> ? T : never;

  function request(f: Flow, source: string): Uint8Array {
    if (f.kind === 'tcp') return tcpPacket(source, f.insidePort, f.remote, f.remotePort, { ack: true, psh: true }, f.data);
    if (f.kind === 'echo') return echoPacket(source, f.remote, 8, f.insidePort);
    return udpPacket(source, f.insidePort, f.remote, f.remotePort, f.data, { zeroChecksum: f.kind === 'udp0' });
  }

  function reply(f: Flow, destination: string, destinationPort: number): Uint8Array {
    if (f.kind === 'tcp') return tcpPacket(f.remote, f.remotePort, destination, destinationPort, { ack: true }, f.data);
    if (f.kind === 'echo') return echoPacket(f.remote, destination, 0, destinationPort);
    return udpPacket(f.remote, f.remotePort, destination, destinationPort, f.data, { zeroChecksum: f.kind === 'udp0' });
  }

  it('keeps every checksum equal to a full recomputation, and a reply comes back to the original endpoint', () => {
    fc.assert(
      fc.property(fc.array(flow, { minLength: 1, maxLength: 30 }), (flows) => {
        const nat = newNat({ capacity: 64 });
        for (const f of flows) {
          const p = request(f, f.inside);
          expect(out(nat, p)).toBe(NatResult.translated);
          expect(ipChecksumOk(p)).toBe(true);
          expect(transportChecksumOk(p)).toBe(true);
          const mapped = (p[24 - (f.kind === 'echo' ? 0 : 4)] << 8) | p[25 - (f.kind === 'echo' ? 0 : 4)];
          expect(p).toEqual(request({ ...f, insidePort: mapped }, OUTSIDE));
          const back = reply(f, OUTSIDE, mapped);
          expect(inn(nat, back)).toBe(NatResult.translated);
          expect(ipChecksumOk(back)).toBe(true);
          expect(transportChecksumOk(back)).toBe(true);
          expect(back).toEqual(reply(f, f.inside, f.insidePort));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on random or mutated packets, and leaves rejected packets unchanged', () => {
    const seeds = [
      udpPacket(LAPTOP, 55555, DNS, 53),
      tcpPacket(LAPTOP, 55555, API, 443, { syn: true }),
      echoPacket(LAPTOP, DNS, 8, 4242),
      icmpErrorPacket('198.51.100.1', OUTSIDE, 11, 0, udpPacket(OUTSIDE, 55555, DNS, 53), 28),
      icmpErrorPacket('198.51.100.1', OUTSIDE, 3, 3, tcpPacket(OUTSIDE, 55555, API, 443, { syn: true }), 40),
      udpPacket(DNS, 53, OUTSIDE, 55555),
    ];
    const mutated = fc
      .record({ seed: fc.constantFrom(...seeds), edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), cut: fc.nat() })
      .map(({ seed, edits, cut }) => {
        const p = seed.slice(0, seed.length - (cut % (seed.length + 1)));
        for (const [at, value] of edits) if (p.length > 0) p[at % p.length] = value;
        return p;
      });
    const packet = fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated);
    fc.assert(
      fc.property(packet, fc.integer({ min: 0, max: 3 }), fc.boolean(), (p, offset, inbound) => {
        const nat = newNat({ capacity: 16 });
        out(nat, udpPacket(LAPTOP, 55555, DNS, 53));
        out(nat, tcpPacket(LAPTOP, 55555, API, 443, { syn: true }));
        const buf = new Uint8Array(offset + p.length);
        buf.set(p, offset);
        const before = buf.slice();
        const result = inbound ? nat.inbound(buf, offset, 1) : nat.outbound(buf, offset, 1);
        expect([0, 1, 2, 3, 4]).toContain(result);
        if (result !== NatResult.translated) expect(buf).toEqual(before);
      }),
      { numRuns: 2000 },
    );
  });

  it('reports truncated headers, bad IHL and lengths beyond the buffer as malformed', () => {
    const nat = newNat();
    const good = udpPacket(LAPTOP, 55555, DNS, 53);
    expect(out(nat, good.slice(0, 19))).toBe(NatResult.malformed);
    const badIhl = good.slice();
    badIhl[0] = 0x44;
    expect(out(nat, badIhl)).toBe(NatResult.malformed);
    const longer = good.slice();
    longer[3] += 1;
    expect(out(nat, longer)).toBe(NatResult.malformed);
    const shortUdp = ipPacket(LAPTOP, DNS, 17, new Uint8Array(6));
    expect(out(nat, shortUdp)).toBe(NatResult.malformed);
    const v6 = good.slice();
    v6[0] = 0x65;
    expect(out(nat, v6)).toBe(NatResult.malformed);
    expect(nat.counters().malformed).toBe(5);
  });
});

describe('FlowTable', () => {
  it('matches a Map under random inserts and deletes (backward-shift deletion)', () => {
    const op = fc.record({ del: fc.boolean(), a: fc.integer({ min: 0, max: 7 }), c: fc.integer({ min: 0, max: 7 }), d: fc.constantFrom(1, 6, 17, 200) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new FlowTable(64);
        const model = new Map<string, number>();
        ops.forEach((o, i) => {
          const a = 0xc0a80100 + o.a;
          const c = ((o.c * 7919) << 16) | 53;
          const key = `${a}/${c}/${o.d}`;
          if (o.del) {
            expect(table.delete(a, 0x08080808, c, o.d)).toBe(model.get(key) ?? -1);
            model.delete(key);
          } else {
            expect(table.set(a, 0x08080808, c, o.d, i)).toBe(true);
            model.set(key, i);
          }
          expect(table.size).toBe(model.size);
        });
        for (let a = 0; a < 8; a++)
          for (let c = 0; c < 8; c++)
            for (const d of [1, 6, 17, 200]) {
              const cc = ((c * 7919) << 16) | 53;
              expect(table.get(0xc0a80100 + a, 0x08080808, cc, d)).toBe(model.get(`${0xc0a80100 + a}/${cc}/${d}`) ?? -1);
            }
      }),
      { numRuns: 300 },
    );
  });

  it('grows its slots with its entries, at most half full and up to twice the capacity, keeping every entry', () => {
    const table = new FlowTable(3000);
    expect(table.slots).toBe(16);
    for (let i = 0; i < 3000; i++) {
      expect(table.set(i * 7919, -i, i << 16, i & 1 ? 6 : 17, i)).toBe(true);
      expect(table.slots).toBeGreaterThanOrEqual(2 * table.size);
    }
    expect(table.slots).toBe(8192);
    for (let i = 0; i < 3000; i++) expect(table.get(i * 7919, -i, i << 16, i & 1 ? 6 : 17)).toBe(i);
    for (let i = 0; i < 3000; i += 2) expect(table.delete(i * 7919, -i, i << 16, 17)).toBe(i);
    for (let i = 0; i < 3000; i++) expect(table.get(i * 7919, -i, i << 16, i & 1 ? 6 : 17)).toBe(i & 1 ? i : -1);
    expect(new FlowTable(5).slots).toBe(16);
  });

  it('refuses inserts beyond its capacity', () => {
    const table = new FlowTable(2);
    expect(table.set(1, 0, 0, 0, 1)).toBe(true);
    expect(table.set(2, 0, 0, 0, 2)).toBe(true);
    expect(table.set(3, 0, 0, 0, 3)).toBe(false);
    expect(table.set(2, 0, 0, 0, 9)).toBe(true);
    expect(table.get(2, 0, 0, 0)).toBe(9);
  });
});

describe.skipIf(skipWithoutTshark)('Nat on real frames, judged by tshark', () => {
  const real = (JSON.parse(readFileSync(fixturePath('vectors/real_frames.json'), 'utf8')) as Array<{ what: string; hex: string }>)
    .map((f) => fromHex(f.hex))
    .filter((f) => f[12] === 0x08 && f[13] === 0x00);

  it('rewrites the real DNS, TCP SYN and ICMP echo frames with checksums tshark accepts', () => {
    expect(real.length).toBe(3);
    const nat = newNat();
    const frames = real.map((f) => {
      const copy = f.slice();
      expect(nat.outbound(copy, 14, 0)).toBe(NatResult.translated);
      expect(copy.subarray(0, 14)).toEqual(f.subarray(0, 14));
      expect(ipChecksumOk(copy, 14)).toBe(true);
      expect(transportChecksumOk(copy, 14)).toBe(true);
      return copy;
    });
    const file = join(mkdtempSync(join(tmpdir(), 'nat-')), 'nat.pcap');
    writeFileSync(file, classicPcap(frames));
    expect(pcapVerdict(file).problems).toEqual([]);
    const rows = tsharkFields(file, ['ip.src', 'ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status', 'icmp.checksum.status'], [
      '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
    ]);
    for (const row of rows) {
      expect(row[0]).toBe(OUTSIDE);
      expect(row[1]).toBe('1'); // 1 is Good
      expect(row.slice(2).filter((v) => v !== '')).toEqual(['1']);
    }
  });
});
