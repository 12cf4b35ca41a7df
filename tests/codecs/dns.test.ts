import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4ToUint32 } from '../../codecs/address.js';
import { DecodeError } from '../../codecs/decode-error.js';
import * as dns from '../../codecs/dns.js';
import { NameWriter, decodeName } from '../../codecs/dns-name.js';
import { typeNumber } from '../../codecs/dns-types.js';
import { fixturePath, fromHex, toHex } from '../helpers/fixtures.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { answerWithRdata, queryWithName } from './dns-crafted.js';
import { dnsPayloads, tcpMessages } from './dns-capture.js';

const CAPTURES: Array<{ file: string; tshark: string[] }> = [
  { file: 'captures/tcpdump__dns_udp.pcap', tshark: [] },
  { file: 'captures/tcpdump__dns_tcp.pcap', tshark: [] },
  { file: 'captures/dnscap__vlan11.pcap', tshark: [] },
  { file: 'captures/dnscap__frags.pcap', tshark: [] },
];

function messagesOf(file: string): Array<{ frame: number; bytes: Uint8Array[] }> {
  return dnsPayloads(file).map((p) => ({ frame: p.frame, bytes: p.transport === 'tcp' ? tcpMessages(p.bytes) : [p.bytes] }));
}

const FIELDS = [
  'frame.number', 'dns.id', 'dns.flags.response', 'dns.flags.opcode', 'dns.flags.authoritative', 'dns.flags.truncated', 'dns.flags.recdesired',
  'dns.flags.recavail', 'dns.flags.z', 'dns.flags.authenticated', 'dns.flags.checkdisable', 'dns.flags.rcode', 'dns.qry.name', 'dns.qry.type',
  'dns.resp.name', 'dns.resp.type', 'dns.resp.ttl', 'dns.a', 'dns.aaaa', 'dns.ns', 'dns.cname', 'dns.count.queries', 'dns.count.answers',
  'dns.count.auth_rr', 'dns.count.add_rr',
];

const bit = (b: boolean) => (b ? '1' : '0');
const tsharkName = (name: string) => (name === '.' ? '<Root>' : name);

/** What tshark would print for these messages of one frame, field by field. */
function ourFields(frame: number, messages: dns.DnsMessage[]): string[] {
  const all = <T>(f: (m: dns.DnsMessage) => T[]) => messages.flatMap(f);
  const records = (m: dns.DnsMessage) => [...m.answers, ...m.authorities, ...m.additionals];
  const dataOf = (type: string) => all((m) => records(m).filter((r) => r.type === type).map((r) => (r as dns.DnsRecord).data as string)).join(',');
  const flag = (f: (m: dns.DnsMessage) => string) => all((m) => [f(m)]).join(',');
  return [
    String(frame),
    flag((m) => `0x${m.id.toString(16).padStart(4, '0')}`),
    flag((m) => bit(m.flags.qr)),
    flag((m) => String(m.flags.opcode)),
    flag((m) => bit(m.flags.aa)),
    flag((m) => bit(m.flags.tc)),
    flag((m) => bit(m.flags.rd)),
    flag((m) => bit(m.flags.ra)),
    flag((m) => bit(m.flags.z)),
    flag((m) => bit(m.flags.ad)),
    flag((m) => bit(m.flags.cd)),
    flag((m) => String(m.flags.rcode)),
    all((m) => m.questions.map((q) => tsharkName(q.name))).join(','),
    all((m) => m.questions.map((q) => String(typeNumber(q.type)))).join(','),
    all((m) => records(m).map((r) => tsharkName(r.name))).join(','),
    all((m) => records(m).map((r) => String(typeNumber(r.type)))).join(','),
    all((m) => records(m).filter((r) => !dns.isOptRecord(r)).map((r) => String((r as dns.DnsRecord).ttl))).join(','),
    dataOf('A'),
    dataOf('AAAA'),
    dataOf('NS'),
    dataOf('CNAME'),
    flag((m) => String(m.questions.length)),
    flag((m) => String(m.answers.length)),
    flag((m) => String(m.authorities.length)),
    flag((m) => String(m.additionals.length)),
  ];
}

describe.skipIf(skipWithoutTshark)('dns against tshark', () => {
  for (const { file, tshark } of CAPTURES) {
    it(`decodes every message of ${file} as tshark does`, () => {
      const theirs = new Map(tsharkFields(fixturePath(file), FIELDS, ['-Y', 'dns', ...tshark]).map((row) => [row[0], row]));
      const ours = messagesOf(file);
      expect(ours.length).toBe(theirs.size);
      expect(ours.length).toBeGreaterThan(0);
      for (const { frame, bytes } of ours) {
        const row = theirs.get(String(frame));
        expect(row, `frame ${frame}`).toBeDefined();
        const mine = ourFields(frame, bytes.map((b) => dns.decode(b).header));
        // tshark leaves the answer-only flags out of queries.
        FIELDS.forEach((field, i) => {
          if (row![i] !== '' || !field.startsWith('dns.flags.')) expect(`${field}=${mine[i]}`, `frame ${frame}`).toBe(`${field}=${row![i]}`);
        });
      }
    });
  }
});

describe('dns on real messages', () => {
  const real = CAPTURES.flatMap(({ file }) => messagesOf(file).flatMap((m) => m.bytes));

  it('re-encodes every real message byte for byte with compression as found', () => {
    expect(real.length).toBe(2 + 2 + 82 + 82);
    for (const bytes of real) expect(toHex(dns.encode(dns.decode(bytes).header, { compress: 'as-found' }))).toBe(toHex(bytes));
  });

  it('re-encodes real messages with fresh compression into messages that decode the same', () => {
    for (const bytes of real) {
      const { pointers: _p, ...message } = dns.decode(bytes).header;
      const again = dns.encode(message);
      const { pointers: _q, ...back } = dns.decode(again).header;
      expect(back).toEqual(message);
      expect(again.length).toBeLessThanOrEqual(bytes.length);
    }
  });

  it('reads the header as the buffer-layout declaration does', () => {
    for (const bytes of real) {
      const oracle = dns.dnsHeaderLayout.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 0);
      const m = dns.decode(bytes).header;
      expect({ id: m.id, ...m.flags }).toEqual({ id: oracle.id, ...oracle.flags, qr: !!oracle.flags.qr, aa: !!oracle.flags.aa, tc: !!oracle.flags.tc, rd: !!oracle.flags.rd, ra: !!oracle.flags.ra, z: !!oracle.flags.z, ad: !!oracle.flags.ad, cd: !!oracle.flags.cd });
      expect([m.questions.length, m.answers.length, m.authorities.length, m.additionals.length]).toEqual([oracle.qdcount, oracle.ancount, oracle.nscount, oracle.arcount]);
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      expect(view.getUint16(dns.DnsOffsets.ancount)).toBe(oracle.ancount);
      expect(view.getUint16(dns.DnsOffsets.arcount)).toBe(oracle.arcount);
    }
  });

  it('matches the field values tshark gave for the real response in real_frames.json', () => {
    const frames = JSON.parse(readFileSync(fixturePath('vectors/real_frames.json'), 'utf8')) as Array<{ file: string; hex: string; tshark: Record<string, string> }>;
    const frame = frames.find((f) => f.file === 'captures/tcpdump__dns_udp.pcap')!;
    const t = frame.tshark;
    const m = dns.decode(fromHex(frame.hex), 42).header;
    const records = [...m.answers, ...m.authorities, ...m.additionals];
    expect(m.id).toBe(Number(t['dns.id']));
    expect(m.flags.qr).toBe(true);
    expect([m.answers.length, m.authorities.length, m.additionals.length].map(String)).toEqual([t['dns.count.answers'], t['dns.count.auth_rr'], t['dns.count.add_rr']]);
    expect(records.map((r) => tsharkName(r.name)).join('|')).toBe(t['dns.resp.name']);
    expect(records.map((r) => typeNumber(r.type)).join('|')).toBe(t['dns.resp.type']);
    expect(records.filter((r) => r.type === 'A').map((r) => (r as dns.DnsRecord).data).join('|')).toBe(t['dns.a']);
    expect(records.filter((r) => r.type === 'NS').map((r) => (r as dns.DnsRecord).data).join('|')).toBe(t['dns.ns']);
    const opt = m.additionals.at(-1)!;
    expect(dns.isOptRecord(opt) && opt.udpPayloadSize).toBe(4096);
  });

  it('refuses the forward pointer of tcpdump__dns_fwdptr.pcap, naming it', () => {
    const [p] = dnsPayloads('captures/tcpdump__dns_fwdptr.pcap');
    expect(() => dns.decode(p.bytes)).toThrow(DecodeError);
    expect(() => dns.decode(p.bytes)).toThrow(/forward compression pointer/);
  });
});

describe('dns names', () => {
  const rfc = JSON.parse(readFileSync(fixturePath('vectors/vectors.json'), 'utf8')).rfc1035_4_1_4 as { message_94_bytes_zero_filled: string; names: Record<string, string> };
  const message = fromHex(rfc.message_94_bytes_zero_filled);

  it('reads the names of RFC 1035 §4.1.4 at offsets 20, 40, 64 and 92', () => {
    for (const [at, name] of Object.entries(rfc.names)) expect(decodeName(message, Number(at)).name).toBe(name === '<root>' ? '.' : name);
    expect(decodeName(message, 40).length).toBe(6);
    expect(decodeName(message, 64).length).toBe(2);
  });

  it('writes the same bytes as RFC 1035 §4.1.4 when compressing', () => {
    const buf = new Uint8Array(94);
    const writer = new NameWriter();
    writer.reset(0, true);
    for (const [at, name] of Object.entries(rfc.names)) writer.write(buf, Number(at), name === '<root>' ? '.' : name);
    expect(toHex(buf)).toBe(toHex(message));
  });

  it('keeps odd labels and case, escaped as zone files do', () => {
    const wire = [3, 0x41, 0x2e, 0x62, 2, 0x5c, 0x00, 1, 0x20, 3, 0x43, 0x6f, 0x4d, 0];
    const m = dns.decode(queryWithName(wire)).header;
    expect(m.questions[0].name).toBe('A\\.b.\\\\\\000.\\032.CoM');
    expect(toHex(dns.encode(m).subarray(12, 12 + wire.length))).toBe(toHex(Uint8Array.from(wire)));
    expect(dns.encode({ ...m, questions: [{ ...m.questions[0], name: 'A\\.b.\\\\\\000.\\032.CoM.' }] })).toEqual(dns.encode(m));
  });

  it('takes a 255-byte name and refuses a 256-byte one, and labels over 63', () => {
    const label = (n: number) => [n, ...new Array<number>(n).fill(0x61)];
    const longest = [...label(63), ...label(63), ...label(63), ...label(61), 0];
    expect(longest.length).toBe(255);
    expect(decodeName(Uint8Array.from(longest)).length).toBe(255);
    expect(() => decodeName(Uint8Array.from([...label(63), ...label(63), ...label(63), ...label(62), 0]))).toThrow(/longer than 255/);
    expect(() => decodeName(Uint8Array.from([64, ...new Array<number>(64).fill(0x61), 0]))).toThrow(/label length 64/);
    expect(() => decodeName(Uint8Array.from([0x80, 0]))).toThrow(DecodeError);
    const flags = { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0 };
    const ask = (name: string) => dns.encode({ id: 1, flags, questions: [{ name, type: 'A', class: 'IN' }], answers: [], authorities: [], additionals: [] });
    expect(() => ask('a'.repeat(64) + '.com')).toThrow(TypeError);
    expect(() => ask(Array(130).fill('a').join('.'))).toThrow(/longer than 255/);
    expect(() => ask('a..b')).toThrow(/empty label/);
    expect(() => ask('a..')).toThrow(/empty label/);
    expect(() => ask('a\\...')).toThrow(/empty label/);
    expect(() => ask('\u20ac.com')).toThrow(/above U\+00FF/);
    expect(() => ask('\\.\u20ac.com')).toThrow(/above U\+00FF/);
  });
});

describe('dns errors', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['a truncated header', fromHex('1234 0100 0001'), /truncated header/],
    ['a question count larger than present', queryWithName([1, 0x61, 0]).subarray(0, 12), /question count 1 is larger than the 0 questions present/],
    ['an answer count larger than present', (() => { const b = queryWithName([1, 0x61, 0]).slice(); b[7] = 3; return b; })(), /answer count 3 is larger than the 0 records present/],
    ['a label running past the message', queryWithName([9, 0x61]), /label runs past/],
    ['a pointer to itself', queryWithName([1, 0x61, 0xc0, 14]), /pointer loop: pointer to itself/],
    ['a pointer into its own labels', queryWithName([1, 0x61, 0xc0, 12]), /pointer loop/],
    ['a forward pointer', queryWithName([0xc0, 16, 0, 1, 0, 1, 1, 0x61, 0]), /forward compression pointer/],
    ['an rdata length past the message', answerWithRdata(1, [10, 0, 0, 1], 9), /rdata length 9 runs past the message/],
    ['an A record of 5 bytes', answerWithRdata(1, [10, 0, 0, 1, 2]), /A needs 4 bytes, has 5/],
    ['an AAAA record of 4 bytes', answerWithRdata(28, [10, 0, 0, 1]), /AAAA needs 16 bytes/],
    ['a CNAME with bytes after its name', answerWithRdata(5, [1, 0x62, 0, 7]), /CNAME name leaves 1 bytes/],
    ['a CNAME running past its rdata', answerWithRdata(5, [1, 0x62]), /runs past the end of its data/],
    ['an MX without its name', answerWithRdata(15, [0, 10]), /MX needs at least 3 bytes/],
    ['a SOA without its numbers', answerWithRdata(6, [0, 0, 1, 2, 3]), /SOA needs 20 bytes after its names/],
    ['a TXT string past its rdata', answerWithRdata(16, [5, 0x61]), /TXT string of 5 bytes/],
    ['a CAA tag past its rdata', answerWithRdata(257, [0, 9, 0x61]), /CAA tag of 9 bytes/],
  ];
  for (const [what, bytes, reason] of cases) {
    it(`refuses ${what}`, () => {
      let error: unknown;
      try {
        dns.decode(bytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).layer).toBe('dns');
      expect((error as DecodeError).reason).toMatch(reason);
    });
  }

  it('refuses an OPT whose options run past its rdata', () => {
    const b = Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 6, 0, 10, 0, 8, 1, 2]);
    expect(() => dns.decode(b)).toThrow(/OPT option of 8 bytes/);
  });
});

describe('dns encoding', () => {
  const flags = { qr: true, opcode: 0, aa: false, tc: false, rd: true, ra: true, z: false, ad: false, cd: false, rcode: 0 };
  const base = { id: 7, flags, questions: [{ name: 'example.com', type: 'MX', class: 'IN' }], authorities: [], additionals: [] };

  it('compresses names inside MX, NS, CNAME, PTR and SOA, and not inside SRV', () => {
    const rdlength = (m: dns.DnsMessage) => {
      // Header, question (13-byte name, type, class), then the answer's pointer, type, class, TTL and RDLENGTH.
      const b = dns.encode(m);
      const at = 12 + 13 + 4 + 2 + 8;
      return (b[at] << 8) | b[at + 1];
    };
    const answer = (type: string, data: dns.DnsRecord['data']) => ({ ...base, answers: [{ name: 'example.com', type, class: 'IN', ttl: 1, data }] });
    expect(rdlength(answer('MX', { preference: 10, exchange: 'mail.example.com' }))).toBe(2 + 5 + 2);
    expect(rdlength(answer('NS', 'ns.example.com'))).toBe(3 + 2);
    expect(rdlength(answer('CNAME', 'example.com'))).toBe(2);
    expect(rdlength(answer('PTR', 'example.com'))).toBe(2);
    expect(rdlength(answer('SOA', { mname: 'ns.example.com', rname: 'root.example.com', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 }))).toBe(5 + 7 + 20);
    expect(rdlength(answer('SRV', { priority: 1, weight: 2, port: 3, target: 'example.com' }))).toBe(6 + 13);
    expect(rdlength({ ...answer('NS', 'ns.example.com') })).toBeLessThan(dns.encodingLength(answer('NS', 'ns.example.com'), { compress: false }));
  });

  it('writes the stub query for ec2.us-east-1.amazonaws.com and its answers as it always has', () => {
    const name = 'ec2.us-east-1.amazonaws.com';
    const labels = '036563320975732d656173742d3109616d617a6f6e61777303636f6d00';
    const query = { ...base, id: 0x1f2e, flags: { ...flags, qr: false, ra: false }, questions: [{ name, type: 'A', class: 'IN' }], answers: [] };
    expect(toHex(dns.encode(query))).toBe(`1f2e01000001000000000000${labels}00010001`);
    // Both answers point at the question's name; a leading zero is read as decimal, as the strict parser does.
    const answer = (data: string) => ({ name, type: 'A', class: 'IN', ttl: 60, data });
    const response = { ...query, flags, answers: [answer('52.94.133.131'), answer('052.94.133.1')] };
    const records = 'c00c000100010000003c0004345e8583' + 'c00c000100010000003c0004345e8501';
    expect(toHex(dns.encode(response))).toBe(`1f2e81800001000200000000${labels}00010001${records}`);
    expect(toHex(dns.encode(response))).toBe(`1f2e81800001000200000000${labels}00010001${records}`);
  });

  it('writes every A address as the strict IPv4 parser reads it, whatever was written before', () => {
    // Texts of one length ending alike share a slot of the address cache: good ones, ones with leading zeros, bad ones.
    const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(3, '0')), fc.constantFrom('256', '', 'a', '1 ', '0x1'));
    const text = fc.oneof(fc.tuple(octet, octet, octet, octet).map((o) => o.join('.')), fc.constantFrom('10.0.0.1', '20.0.0.1', '1.2.3.4', 'x.2.3.4', '1.2.3.4.', '1.2.3', '', '.4', '10.0.0.1 ', '10.0.0.01'));
    const strict = (t: string): string => {
      const v = ipv4ToUint32(t);
      return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].map((b) => b.toString(16).padStart(2, '0')).join('');
    };
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 20 }), (texts) => {
        for (const data of texts) {
          const m = { ...base, answers: [{ name: 'a', type: 'A', class: 'IN', ttl: 1, data }] };
          let want: string | TypeError;
          try {
            want = strict(data);
          } catch (e) {
            want = e as TypeError;
          }
          if (typeof want === 'string') expect(toHex(dns.encode(m)).slice(-8)).toBe(want);
          else expect(() => dns.encode(m)).toThrow(want.message);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives AAAA in RFC 5952 form whatever form it was given in', () => {
    const m = { ...base, answers: [{ name: 'a', type: 'AAAA', class: 'IN', ttl: 1, data: '2001:0DB8:0:0:1:0:0:1' }] };
    expect((dns.decode(dns.encode(m)).header.answers[0] as dns.DnsRecord).data).toBe('2001:db8::1:0:0:1');
    const mapped = { ...base, answers: [{ name: 'a', type: 'AAAA', class: 'IN', ttl: 1, data: '::ffff:192.0.2.1' }] };
    expect((dns.decode(dns.encode(mapped)).header.answers[0] as dns.DnsRecord).data).toBe('::ffff:192.0.2.1');
    expect(() => dns.encode({ ...base, answers: [{ name: 'a', type: 'AAAA', class: 'IN', ttl: 1, data: '1::2::3' }] })).toThrow(TypeError);
  });
});

describe('dns over TCP', () => {
  const payloads = dnsPayloads('captures/tcpdump__dns_tcp.pcap').map((p) => p.bytes);

  it('decodes and re-encodes the length-prefixed messages of tcpdump__dns_tcp.pcap', () => {
    expect(payloads.length).toBe(2);
    for (const bytes of payloads) {
      const d = dns.decodeTcp(bytes);
      expect(d.headerLength).toBe(bytes.length);
      expect(toHex(dns.encodeTcp(d.header, { compress: 'as-found' }))).toBe(toHex(bytes));
    }
    expect(() => dns.decodeTcp(payloads[0].subarray(0, 20))).toThrow(/truncated message after its TCP length prefix/);
  });

  it('gives whole messages from a stream cut anywhere', () => {
    // Long enough to make the stream's buffer both move its pending bytes and grow.
    const order = [0, 1, 0, 1, 1, 0, 1, 0, 1];
    const stream = Uint8Array.from(order.flatMap((i) => [...payloads[i]]));
    const expected = order.map((i) => dns.decodeTcp(payloads[i]).header);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
        const at = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
        const reader = new dns.DnsTcpStream();
        const got: dns.DnsMessage[] = [];
        for (let i = 1; i < at.length; i++) {
          reader.push(stream.subarray(at[i - 1], at[i]));
          got.push(...reader.messages());
        }
        expect(got).toEqual(expected);
        expect(reader.pending).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('throws a bad message out of the stream and carries on', () => {
    const reader = new dns.DnsTcpStream();
    reader.push(Uint8Array.from([0, 3, 1, 2, 3, ...payloads[1]]));
    expect(() => reader.next()).toThrow(DecodeError);
    expect(reader.next()).toEqual(dns.decodeTcp(payloads[1]).header);
    expect(reader.next()).toBeUndefined();
  });
});
