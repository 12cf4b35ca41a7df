import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../codecs/decode-error.js';
import * as dns from '../../codecs/dns.js';
import { MAX_POINTER_JUMPS } from '../../codecs/dns-name.js';
import { pointerChain } from './dns-crafted.js';
import { messageArb, withoutPointers } from './dns-arbitraries.js';
import { dnsPayloads, tcpMessages } from './dns-capture.js';

const REAL = ['captures/tcpdump__dns_udp.pcap', 'captures/tcpdump__dns_tcp.pcap', 'captures/dnscap__vlan11.pcap', 'captures/dnscap__frags.pcap'].flatMap((f) =>
  dnsPayloads(f).flatMap((p) => (p.transport === 'tcp' ? tcpMessages(p.bytes) : [p.bytes])),
);

function onlyDecodeErrors(bytes: Uint8Array): void {
  try {
    dns.decode(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    expect(e.layer).toBe('dns');
  }
}

describe('dns properties', () => {
  it('decode(encode(m)) equals m, compressed and not', () => {
    fc.assert(
      fc.property(messageArb(), fc.boolean(), (m, compress) => {
        const bytes = dns.encode(m, { compress });
        expect(dns.encodingLength(m, { compress })).toBe(bytes.length);
        const d = dns.decode(bytes);
        expect(withoutPointers(d.header)).toEqual(m);
        expect(d.headerLength).toBe(bytes.length);
        expect(d.payloadLength).toBe(0);
        if (!compress) expect(d.header.pointers).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('a decoded message re-encodes byte for byte with compression as found', () => {
    fc.assert(
      fc.property(messageArb(), (m) => {
        const bytes = dns.encode(m);
        expect(dns.encode(dns.decode(bytes).header, { compress: 'as-found' })).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('compression never makes a message longer', () => {
    fc.assert(
      fc.property(messageArb(), (m) => {
        expect(dns.encodingLength(m)).toBeLessThanOrEqual(dns.encodingLength(m, { compress: false }));
      }),
      { numRuns: 300 },
    );
  });

  it('encodeInto at a non-zero offset writes only its own bytes', () => {
    fc.assert(
      fc.property(messageArb(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 30 }), (m, offset, slack) => {
        const expected = dns.encode(m);
        const buf = new Uint8Array(offset + expected.length + slack).fill(0xa5);
        expect(dns.encodeInto(buf, offset, m)).toBe(expected.length);
        expect(buf.subarray(offset, offset + expected.length)).toEqual(expected);
        expect(buf.subarray(0, offset).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset + expected.length).every((b) => b === 0xa5)).toBe(true);
        // Read back from there, pointers are counted from the message start.
        expect(dns.decode(buf, offset, expected.length).header).toEqual(dns.decode(expected).header);
      }),
      { numRuns: 300 },
    );
  });

  it('encodeInto refuses a buffer that is too short', () => {
    fc.assert(
      fc.property(messageArb(), fc.integer({ min: 1, max: 12 }), (m, short) => {
        const length = dns.encodingLength(m);
        expect(() => dns.encodeInto(new Uint8Array(Math.max(0, length - short)), 0, m)).toThrow(RangeError);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes give a message or a DecodeError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), onlyDecodeErrors), { numRuns: 3000 });
  });

  it('random bytes behind a plausible header give a message or a DecodeError', () => {
    const header = fc.tuple(u16s(6), fc.uint8Array({ maxLength: 400 })).map(([h, rest]) => {
      const out = new Uint8Array(12 + rest.length);
      h.forEach((v, i) => {
        out[2 * i] = v >> 8;
        out[2 * i + 1] = v & 0xff;
      });
      out.set(rest, 12);
      return out;
    });
    fc.assert(fc.property(header, onlyDecodeErrors), { numRuns: 2000 });
  });

  it('mutated real messages give a message or a DecodeError', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...REAL), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat())
      .map(([bytes, edits, cut]) => {
        const b = bytes.slice();
        for (const [at, value] of edits) b[at % b.length] = value;
        return b.subarray(0, b.length - (cut % 4 === 0 ? cut % b.length : 0));
      });
    fc.assert(fc.property(mutated, onlyDecodeErrors), { numRuns: 3000 });
  });

  it('pointer chains of any length end in the name or a DecodeError, as the jump limit says', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.boolean(), (length, loop) => {
        const b = pointerChain(length, loop);
        // Without a loop the name takes its own pointer and the whole chain; with one, the chain ends in the looping pointer.
        const jumps = loop ? length : length + 1;
        if (jumps > MAX_POINTER_JUMPS) expect(() => dns.decode(b)).toThrow(/too many compression jumps/);
        else if (loop) expect(() => dns.decode(b)).toThrow(/compression pointer loop/);
        else expect(dns.decode(b).header.answers[1].name).toBe('a');
      }),
      { numRuns: 300 },
    );
  });
});

function u16s(n: number): fc.Arbitrary<number[]> {
  return fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0xffff })), { minLength: n, maxLength: n });
}
