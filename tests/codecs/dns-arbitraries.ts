/**
 * fast-check generators of DNS messages for the property and interop tests.
 * Names are generated as label bytes and turned into text here, by the
 * zone-file escaping rules written out independently of the codec.
 */
import fc from 'fast-check';
import { Address6 } from 'ip-address';
import type { DnsMessage, DnsOptRecord, DnsQuestion, DnsRecord } from '../../codecs/dns.js';

export function labelText(label: Uint8Array): string {
  let s = '';
  for (const c of label) {
    if (c === 0x2e) s += '\\.';
    else if (c === 0x5c) s += '\\\\';
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\' + String(c).padStart(3, '0');
  }
  return s;
}

export function nameText(labels: readonly Uint8Array[]): string {
  return labels.length === 0 ? '.' : labels.map(labelText).join('.');
}

/** Label bytes as an arbitrary: any byte when `odd`, else letters, digits and hyphens. */
export function labelArb(odd: boolean): fc.Arbitrary<Uint8Array> {
  const byte = odd ? fc.integer({ min: 0, max: 255 }) : fc.constantFrom(...Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-', (c) => c.charCodeAt(0)));
  return fc.array(byte, { minLength: 1, maxLength: 63 }).map((a) => Uint8Array.from(a));
}

/** Label lists whose wire form fits 255 bytes; a few shared suffixes, so that compression has work. */
export function labelsArb(label: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array[]> {
  return fc
    .array(label, { maxLength: 5 })
    .map((labels) => {
      const out: Uint8Array[] = [];
      let wire = 1;
      for (const l of labels) {
        if (wire + l.length + 1 > 255) break;
        wire += l.length + 1;
        out.push(l);
      }
      return out;
    });
}

export function nameArb(odd = true): fc.Arbitrary<string> {
  const label = labelArb(odd);
  const common = fc.constantFrom(...['example.com', 'ec2.us-east-1.amazonaws.com', 'a.b', '.']);
  return fc.oneof(labelsArb(label).map(nameText), common, fc.tuple(labelsArb(label), common).map(([l, c]) => (l.length === 0 ? c : c === '.' ? nameText(l) : `${nameText(l)}.${c}`)).filter((n) => n.length < 200));
}

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const latin1 = (max: number) => fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max }).map((a) => String.fromCharCode(...a));

export function ipv6Text(b: Uint8Array): string {
  return Address6.fromByteArray(Array.from(b)).correctForm();
}

const ipv6Arb = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .filter((b) => !(b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff))
  .map(ipv6Text);

/** Record data of every type the codec shapes, plus unknown types kept raw. */
export function recordArb(name: fc.Arbitrary<string>, classes: fc.Arbitrary<string | number>, opts: { caaText?: fc.Arbitrary<string>; txt?: fc.Arbitrary<Uint8Array> } = {}): fc.Arbitrary<DnsRecord> {
  const txt = opts.txt ?? bytes(255);
  const caaText = opts.caaText ?? latin1(40);
  const data = fc.oneof(
    fc.record({ type: fc.constant('A'), data: fc.ipV4() }),
    fc.record({ type: fc.constant('AAAA'), data: ipv6Arb }),
    fc.record({ type: fc.constantFrom('NS', 'CNAME', 'PTR'), data: name }),
    fc.record({ type: fc.constant('MX'), data: fc.record({ preference: u16, exchange: name }) }),
    fc.record({ type: fc.constant('SOA'), data: fc.record({ mname: name, rname: name, serial: u32, refresh: u32, retry: u32, expire: u32, minimum: u32 }) }),
    fc.record({ type: fc.constant('SRV'), data: fc.record({ priority: u16, weight: u16, port: u16, target: name }) }),
    fc.record({ type: fc.constant('TXT'), data: fc.array(txt, { maxLength: 4 }) }),
    fc.record({ type: fc.constant('CAA'), data: fc.record({ flags: fc.integer({ min: 0, max: 255 }), tag: caaText, value: caaText }) }),
    fc.record({ type: fc.constantFrom<string | number>('HINFO', 'DS', 0xff00, 65280 + 7), data: bytes(60) }),
  );
  return fc.record({ name, class: classes, ttl: u32, d: data }).map(({ name, class: klass, ttl, d }) => ({ name, type: d.type, class: klass, ttl, data: d.data }) as DnsRecord);
}

export const optArb: fc.Arbitrary<DnsOptRecord> = fc.record({
  name: fc.constant('.'),
  type: fc.constant('OPT' as const),
  udpPayloadSize: u16,
  extendedRcode: fc.integer({ min: 0, max: 255 }),
  version: fc.integer({ min: 0, max: 255 }),
  do: fc.boolean(),
  z: fc.integer({ min: 0, max: 0x7fff }),
  options: fc.array(fc.record({ code: u16, data: bytes(20) }), { maxLength: 3 }),
});

export const flagsArb = fc.record({
  qr: fc.boolean(),
  opcode: fc.integer({ min: 0, max: 15 }),
  aa: fc.boolean(),
  tc: fc.boolean(),
  rd: fc.boolean(),
  ra: fc.boolean(),
  z: fc.boolean(),
  ad: fc.boolean(),
  cd: fc.boolean(),
  rcode: fc.integer({ min: 0, max: 15 }),
});

export function messageArb(odd = true): fc.Arbitrary<DnsMessage> {
  const name = nameArb(odd);
  const classes = fc.constantFrom<string | number>('IN', 'CH', 'HS', 'ANY', 'CS', 'NONE', 7, 0x8001);
  const question: fc.Arbitrary<DnsQuestion> = fc.record({ name, type: fc.constantFrom<string | number>('A', 'AAAA', 'MX', 'ANY', 999), class: classes });
  const record = recordArb(name, classes);
  return fc.record({
    id: u16,
    flags: flagsArb,
    questions: fc.array(question, { maxLength: 3 }),
    answers: fc.array(record, { maxLength: 4 }),
    authorities: fc.array(record, { maxLength: 3 }),
    additionals: fc.tuple(fc.array(record, { maxLength: 2 }), fc.option(optArb)).map(([rs, opt]) => (opt ? [...rs, opt] : rs)),
  });
}

/** The message without what decode adds beside the fields. */
export function withoutPointers(m: DnsMessage): DnsMessage {
  const { pointers: _pointers, ...rest } = m;
  return rest;
}
