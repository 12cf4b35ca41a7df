import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Nat, NatResult } from '../../src/forward/nat.js';
import { FlowTable } from '../../src/forward/flow-table.js';
import { echoPacket, icmpErrorPacket, ipChecksumOk, ipPacket, tcpPacket, transportChecksumOk, udpPacket } from './nat-packets.js';

const OUTSIDE = '203.0.113.50';
const LAPTOP = '192.168.1.100';
const OTHER = '192.168.1.101';
const DNS = '8.8.8.8';
const API = '52.94.133.131';
const S = 1e9;

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

  it('translates a first fragment and leaves later fragments to the router (notApplicable)', () => {
    const nat = newNat();
    const first = udpPacket(LAPTOP, 55555, DNS, 53, new Uint8Array(16), { moreFragments: true });
    expect(out(nat, first)).toBe(NatResult.translated);
    expect(first).toEqual(udpPacket(OUTSIDE, 55555, DNS, 53, new Uint8Array(16), { moreFragments: true }));
    const later = ipPacket(LAPTOP, DNS, 17, new Uint8Array(16), { fragmentOffset: 24 });
    const before = later.slice();
    expect(out(nat, later)).toBe(NatResult.notApplicable);
    expect(later).toEqual(before);
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
