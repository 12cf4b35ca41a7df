/**
 * wirepath and the dns-packet package read each other's messages. dns-packet
 * writes labels as UTF-8 and splits names at every dot, so the names here
 * keep to ASCII labels without dots (odd bytes included), and without line
 * breaks, around which its multiline trimming regex drops the dots, and
 * without backslashes, which it takes in a SOA rname for mail escapes; its
 * classes are the five it names, its types those it does not parse beyond
 * ours, and its EDNS options those it leaves as raw data.
 */
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { Address6 } from 'ip-address';
import { describe, expect, it } from 'vitest';
import * as dns from '../../codecs/dns.js';
import { flagsArb, labelsArb, nameText, optArb, recordArb, withoutPointers } from './dns-arbitraries.js';

/** Label bytes 0x00–0x7f but the dot, line breaks and backslash: what dns-packet carries unchanged. */
const label = fc.array(fc.integer({ min: 0, max: 0x7f }).filter((c) => c !== 0x2e && c !== 0x0a && c !== 0x0d && c !== 0x5c), { minLength: 1, maxLength: 63 }).map((a) => Uint8Array.from(a));
const name = labelsArb(label).map(nameText);
const classes = fc.constantFrom('IN', 'CS', 'CH', 'HS', 'ANY');
const ascii = fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 30 }).map((a) => String.fromCharCode(...a));
const record = recordArb(name, classes, { caaText: ascii.filter((t) => t.length > 0) }).filter((r) => r.type !== 'HINFO' && r.type !== 'DS');
// dns-packet writes a payload size of 0 as 4096.
const opt = optArb.map((o) => ({ ...o, udpPayloadSize: o.udpPayloadSize || 512, options: o.options.map((x) => ({ ...x, code: [3, 10, 65001][x.code % 3] })) }));

const messages: fc.Arbitrary<dns.DnsMessage> = fc.record({
  id: fc.integer({ min: 0, max: 0xffff }),
  flags: flagsArb,
  questions: fc.array(fc.record({ name, type: fc.constantFrom('A', 'AAAA', 'MX', 'TXT', 'ANY'), class: classes }), { maxLength: 3 }),
  answers: fc.array(record, { maxLength: 4 }),
  authorities: fc.array(record, { maxLength: 3 }),
  additionals: fc.tuple(fc.array(record, { maxLength: 2 }), fc.option(opt)).map(([rs, o]) => (o ? [...rs, o] : rs)),
});

/** Our escaped text as the raw string dns-packet holds. */
function raw(text: string): string {
  if (text === '.') return '.';
  return text.replace(/\\(\d{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e));
}

function flagBits(f: dns.DnsFlags): number {
  return (f.opcode << 11) | (f.aa ? 0x400 : 0) | (f.tc ? 0x200 : 0) | (f.rd ? 0x100 : 0) | (f.ra ? 0x80 : 0) | (f.z ? 0x40 : 0) | (f.ad ? 0x20 : 0) | (f.cd ? 0x10 : 0) | f.rcode;
}

function peerType(type: dns.DnsRecord['type']): string {
  return typeof type === 'number' ? `UNKNOWN_${type}` : type;
}

function peerData(r: dns.DnsRecord): unknown {
  const d = r.data as any;
  switch (r.type) {
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return raw(d);
    case 'MX':
      return { preference: d.preference, exchange: raw(d.exchange) };
    case 'SOA':
      return { ...d, mname: raw(d.mname), rname: raw(d.rname) };
    case 'SRV':
      return { ...d, target: raw(d.target) };
    case 'TXT':
      return (d as Uint8Array[]).map((t) => Buffer.from(t));
    case 'CAA':
      return { flags: d.flags, tag: d.tag, value: d.value };
    case 'A':
    case 'AAAA':
      return d;
    default:
      return Buffer.from(d as Uint8Array);
  }
}

/** The message in dns-packet's own terms. */
function toPeer(m: dns.DnsMessage): dnsPacket.Packet {
  const rr = (r: dns.DnsResourceRecord): any =>
    dns.isOptRecord(r)
      ? { name: '.', type: 'OPT', udpPayloadSize: r.udpPayloadSize, extendedRcode: r.extendedRcode, ednsVersion: r.version, flags: (r.do ? 0x8000 : 0) | r.z, options: r.options.map((o) => ({ code: o.code, data: Buffer.from(o.data) })) }
      : { name: raw(r.name), type: peerType(r.type), class: r.class, ttl: r.ttl, data: peerData(r as dns.DnsRecord) };
  return {
    id: m.id,
    type: m.flags.qr ? 'response' : 'query',
    flags: flagBits(m.flags),
    questions: m.questions.map((q) => ({ name: raw(q.name), type: q.type as any, class: q.class as any })),
    answers: m.answers.map(rr),
    authorities: m.authorities.map(rr),
    additionals: m.additionals.map(rr),
  };
}

function bytesOf(x: unknown): number[] {
  return Array.from(x as Uint8Array);
}

/** dns-packet's reading, put in the terms toPeer uses, with bytes as arrays. */
function normalised(p: any): unknown {
  const rr = (r: any) => {
    if (r.type === 'OPT') return { name: r.name, type: 'OPT', udpPayloadSize: r.udpPayloadSize, extendedRcode: r.extendedRcode, ednsVersion: r.ednsVersion, flags: r.flags, options: r.options.map((o: any) => ({ code: o.code, data: bytesOf(o.data) })) };
    let data = r.data;
    if (r.type === 'TXT') data = data.map(bytesOf);
    else if (r.type === 'CAA') data = { flags: data.flags, tag: data.tag, value: data.value };
    else if (r.type === 'AAAA') data = new Address6(data).correctForm();
    else if (Buffer.isBuffer(data)) data = bytesOf(data);
    return { name: r.name, type: r.type, class: r.class, ttl: r.ttl, data };
  };
  return {
    id: p.id,
    type: p.type,
    flags: p.flags,
    questions: p.questions.map((q: any) => ({ name: q.name, type: q.type, class: q.class })),
    answers: p.answers.map(rr),
    authorities: p.authorities.map(rr),
    additionals: p.additionals.map(rr),
  };
}

describe('dns and dns-packet', () => {
  it('dns-packet reads what wirepath writes, compressed or not', () => {
    fc.assert(
      fc.property(messages, fc.boolean(), (m, compress) => {
        const theirs = dnsPacket.decode(Buffer.from(dns.encode(m, { compress })));
        expect(normalised(theirs)).toEqual(normalised(toPeer(m)));
      }),
      { numRuns: 400 },
    );
  });

  it('wirepath reads what dns-packet writes', () => {
    fc.assert(
      fc.property(messages, (m) => {
        // As a plain Uint8Array: views into a Buffer would be Buffers, which toEqual tells apart.
        const bytes = new Uint8Array(dnsPacket.encode(toPeer(m)));
        expect(withoutPointers(dns.decode(bytes).header)).toEqual(m);
      }),
      { numRuns: 400 },
    );
  });
});
