import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as dns from '../../codecs/dns.js';
import { decodeName } from '../../codecs/dns-name.js';

/** RFC 1035 §5.1 text of wire labels, written out plainly as the reference. */
function referenceText(labels: readonly Uint8Array[]): string {
  if (labels.length === 0) return '.';
  return labels
    .map((label) =>
      Array.from(label, (c) => {
        if (c === 0x2e) return '\\.';
        if (c === 0x5c) return '\\\\';
        if (c <= 0x20 || c >= 0x7f) return `\\${String(c).padStart(3, '0')}`;
        return String.fromCharCode(c);
      }).join(''),
    )
    .join('.');
}

function wireOf(labels: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from([...labels.flatMap((l) => [l.length, ...l]), 0]);
}

const label = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 12 }),
  fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((s) => new TextEncoder().encode(s)),
);
const labels = fc.array(label, { maxLength: 6 });

describe('dns name text kept between messages', () => {
  it('reads every name as the reference does, the first time and again once kept', () => {
    fc.assert(
      fc.property(labels, (ls) => {
        const wire = wireOf(ls);
        expect(decodeName(wire).name).toBe(referenceText(ls));
        expect(decodeName(wire).name).toBe(referenceText(ls));
      }),
      { numRuns: 1000 },
    );
  });

  it('still reads names right after many others have taken their places', () => {
    const many = fc.sample(fc.array(label, { minLength: 1, maxLength: 4 }), { numRuns: 3000, seed: 7 });
    const first = many.map((ls) => decodeName(wireOf(ls)).name);
    many.forEach((ls, i) => expect(first[i]).toBe(referenceText(ls)));
    many.forEach((ls, i) => expect(decodeName(wireOf(ls)).name).toBe(first[i]));
  });

  it('tells apart names that differ in one byte inside a label, where the cache slot does not look', () => {
    // The slot comes from each label's length, first and last byte; the bytes are compared four at a time, then the last one to three.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 3, max: 21 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 0x62, max: 0x7a }), (lengths, where, c) => {
        const labels = lengths.map((n) => new Uint8Array(n).fill(0x61));
        expect(decodeName(wireOf(labels)).name).toBe(referenceText(labels));
        const label = labels[where % labels.length];
        label[1 + (where % (label.length - 2))] = c;
        expect(decodeName(wireOf(labels)).name).toBe(referenceText(labels));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives a pointer into an escaped name the text from that label on', () => {
    const q = dns.encode({
      id: 1,
      flags: { qr: true, opcode: 0, aa: false, tc: false, rd: true, ra: true, z: false, ad: false, cd: false, rcode: 0 },
      questions: [{ name: 'a\\.b.\\000x.example.com', type: 'A', class: 'IN' }],
      answers: [
        { name: 'a\\.b.\\000x.example.com', type: 'A', class: 'IN', ttl: 1, data: '10.0.0.1' },
        { name: 'y.\\000x.example.com', type: 'A', class: 'IN', ttl: 1, data: '10.0.0.2' },
        { name: 'example.com', type: 'CNAME', class: 'IN', ttl: 1, data: 'z.example.com' },
      ],
      authorities: [],
      additionals: [],
    });
    const m = dns.decode(q).header;
    expect(m.pointers!.length).toBeGreaterThanOrEqual(4);
    expect(m.answers.map((r) => r.name)).toEqual(['a\\.b.\\000x.example.com', 'y.\\000x.example.com', 'example.com']);
    expect((m.answers[2] as dns.DnsRecord).data).toBe('z.example.com');
  });
});
