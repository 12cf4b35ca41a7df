import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../codecs/checksum.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { EtherType } from '../../codecs/ethernet.js';
import * as ipv4 from '../../codecs/ipv4.js';
import { type Ipv4Header, IPV4_MIN_HEADER_LENGTH, Ipv4Offsets, headerChecksumValid, ipv4Layout } from '../../codecs/ipv4.js';
import { fixturePath, fromHex, readFixture, toHex } from '../helpers/fixtures.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { expectOnlyDecodeError } from '../helpers/decode-errors.js';
import { captureFrames, networkLayer } from '../helpers/frames.js';
import { tsharkHex16 } from '../helpers/real-frames.js';

const CAPTURES = [
  'captures/tcpdump__dns_udp.pcap',
  'captures/tcpdump__bgp-4byte-asn.pcap',
  'captures/tcpdump__dhcp-rfc4388.pcap',
  'captures/dnscap__frags.pcap',
];

interface RealPacket {
  readonly file: string;
  readonly frameNumber: number;
  readonly frame: Uint8Array;
  readonly offset: number;
}

function ipv4Packets(file: string): RealPacket[] {
  return captureFrames(file).flatMap(({ frameNumber, frame, linkType }) => {
    const layer = networkLayer(frame, linkType);
    return layer.etherType === EtherType.ipv4 ? [{ file, frameNumber, frame, offset: layer.offset }] : [];
  });
}

const REAL = CAPTURES.flatMap(ipv4Packets);
const vectors = JSON.parse(new TextDecoder().decode(readFixture('vectors/vectors.json'))) as Record<string, Record<string, string>>;
const wikipedia = vectors.ipv4_header_wikipedia;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

describe('ipv4 real packets', () => {
  it('finds IPv4 in every capture', () => {
    for (const file of CAPTURES) expect(REAL.filter((p) => p.file === file).length, file).toBeGreaterThan(0);
  });

  it('re-encodes every packet byte for byte with computeChecksums and fixLengths off', () => {
    for (const { frame, offset } of REAL) {
      const d = ipv4.decode(frame, offset);
      const original = frame.subarray(offset, offset + d.header.totalLength);
      const again = ipv4.encode(d.header, d.payload, { computeChecksums: false, fixLengths: false });
      expect(toHex(again)).toBe(toHex(original));
      expect(ipv4.encodingLength(d.header, d.payloadLength)).toBe(d.header.totalLength);
    }
  });

  it('recomputes the same checksum and lengths that valid packets carry', () => {
    for (const { frame, offset } of REAL) {
      const d = ipv4.decode(frame, offset);
      if (!d.header.checksumValid) continue;
      expect(toHex(ipv4.encode(d.header, d.payload))).toBe(toHex(frame.subarray(offset, offset + d.header.totalLength)));
    }
  });

  it('agrees with the buffer-layout declaration', () => {
    for (const { frame, offset } of REAL) {
      const h = ipv4.decode(frame, offset).header;
      const o = ipv4Layout.decode(asBuffer(frame), offset);
      expect(o.versionIhl).toEqual({ version: h.version, ihl: h.ihl });
      expect(o.dscpEcn).toEqual({ dscp: h.dscp, ecn: h.ecn });
      expect(o.flagsFragment).toEqual({
        reservedFlag: h.reservedFlag,
        dontFragment: h.dontFragment,
        moreFragments: h.moreFragments,
        fragmentOffset: h.fragmentOffset / 8,
      });
      expect([o.totalLength, o.identification, o.ttl, o.protocol, o.checksum]).toEqual([h.totalLength, h.identification, h.ttl, h.protocol, h.checksum]);
      expect(Array.from(o.source as Uint8Array).join('.')).toBe(h.source);
      expect(Array.from(o.destination as Uint8Array).join('.')).toBe(h.destination);
    }
  });

  it('keeps bytes after totalLength out of the payload', () => {
    const padded = REAL.find((p) => p.frame.length - p.offset > ipv4.decode(p.frame, p.offset).header.totalLength);
    expect(padded).toBeDefined();
    const d = ipv4.decode(padded!.frame, padded!.offset);
    expect(d.payloadOffset + d.payloadLength).toBe(padded!.offset + d.header.totalLength);
    expect(d.payload.length).toBe(d.header.totalLength - d.headerLength);
    expect(d.payload.buffer).toBe(padded!.frame.buffer);
  });

  it('checks header checksums in place the same way decode does', () => {
    for (const { frame, offset } of REAL) {
      expect(headerChecksumValid(frame, offset)).toBe(ipv4.decode(frame, offset).header.checksumValid);
    }
    const { frame, offset } = REAL[0];
    const copy = frame.slice();
    copy[offset + Ipv4Offsets.ttl] ^= 1;
    expect(headerChecksumValid(copy, offset)).toBe(false);
    const bad = ipv4.decode(copy, offset).header;
    expect(bad.checksumValid).toBe(false);
    expect(bad.checksum).toBe(ipv4.decode(frame, offset).header.checksum);
    copy[offset] = 0x44;
    expect(headerChecksumValid(copy, offset)).toBe(false);
    expect(headerChecksumValid(frame.subarray(0, offset + 19), offset)).toBe(false);
  });
});

describe.skipIf(skipWithoutTshark)('ipv4 against tshark', () => {
  const FIELDS = [
    'ip.src', 'ip.dst', 'ip.ttl', 'ip.id', 'ip.flags.rb', 'ip.flags.df', 'ip.flags.mf', 'ip.frag_offset', 'ip.len', 'ip.proto',
    'ip.checksum', 'ip.checksum.status', 'ip.hdr_len', 'ip.dsfield.dscp', 'ip.dsfield.ecn',
  ];
  for (const file of CAPTURES) {
    it(`decodes ${file} as tshark does`, () => {
      const rows = tsharkFields(fixturePath(file), FIELDS, ['-o', 'ip.check_checksum:TRUE']);
      const packets = REAL.filter((p) => p.file === file);
      expect(packets.length).toBeGreaterThan(0);
      for (const { frameNumber, frame, offset } of packets) {
        // The first occurrence is the outer header; ICMP errors carry a second one inside.
        const t = rows[frameNumber - 1].map((v) => v.split(',')[0]);
        const h = ipv4.decode(frame, offset).header;
        expect([
          h.source, h.destination, String(h.ttl), tsharkHex16(h.identification), h.reservedFlag ? '1' : '0', h.dontFragment ? '1' : '0',
          h.moreFragments ? '1' : '0', String(h.fragmentOffset / 8), String(h.totalLength), String(h.protocol), tsharkHex16(h.checksum),
          h.checksumValid ? '1' : '0', String(h.ihl * 4), String(h.dscp), String(h.ecn),
        ], `${file} frame ${frameNumber}`).toEqual(t);
      }
    });
  }

  it('has DF and MF both set on some fragments of dnscap__frags, as tshark reads them', () => {
    const both = REAL.filter((p) => p.file.includes('frags')).map((p) => ipv4.decode(p.frame, p.offset).header).filter((h) => h.dontFragment && h.moreFragments);
    expect(both.length).toBeGreaterThan(0);
  });
});

describe('ipv4 vectors and errors', () => {
  it('computes and verifies the worked checksum b861', () => {
    // The worked example is a header alone; its totalLength (0x73) needs a payload behind it.
    const full = fromHex(wikipedia.full_header + '00'.repeat(0x73 - 20));
    const d = ipv4.decode(full);
    expect(d.header.checksum).toBe(parseInt(wikipedia.checksum, 16));
    expect(d.header.checksumValid).toBe(true);
    expect(d.header).toMatchObject({ source: '192.168.0.1', destination: '192.168.0.199', ttl: 64, protocol: 17, dontFragment: true, totalLength: 0x73 });
    const zeroed = ipv4.decode(fromHex(wikipedia.header_with_zero_cksum + '00'.repeat(0x73 - 20))).header;
    expect(zeroed.checksumValid).toBe(false);
    const again = ipv4.encode(zeroed, new Uint8Array(0x73 - 20));
    expect(toHex(again.subarray(0, 20))).toBe(wikipedia.full_header);
  });

  it('rejects a header length below 20 with a reason that names it', () => {
    const [{ frame, linkType }] = captureFrames('captures/tcpdump__ipv4_invalid_hdr_length.pcap');
    const { offset } = networkLayer(frame, linkType);
    let caught: unknown;
    try {
      ipv4.decode(frame, offset);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    expect((caught as DecodeError).layer).toBe('ipv4');
    expect((caught as DecodeError).offset).toBe(offset);
    expect((caught as DecodeError).reason).toMatch(/header length/);
  });

  const base = fromHex(wikipedia.full_header + '00'.repeat(0x73 - 20));
  const cases: Array<[string, (b: Uint8Array) => Uint8Array, RegExp]> = [
    ['fewer than 20 bytes', (b) => b.subarray(0, 19), /truncated header/],
    ['version 6', (b) => ((b[0] = 0x65), b), /version 6/],
    ['IHL 4', (b) => ((b[0] = 0x44), b), /header length 16/],
    ['header past the buffer', (b) => ((b[0] = 0x4f), b.subarray(0, 40)), /header with options/],
    ['total length below the header', (b) => ((b[2] = 0), (b[3] = 19), b), /total length 19 is less/],
    ['total length past the buffer', (b) => b.subarray(0, 0x72), /truncated packet/],
  ];
  for (const [what, damage, reason] of cases) {
    it(`throws DecodeError for ${what}`, () => {
      expect(() => ipv4.decode(damage(base.slice()))).toThrow(DecodeError);
      expect(() => ipv4.decode(damage(base.slice()))).toThrow(reason);
    });
  }

  it('refuses to encode more than 40 option bytes or an unaligned fragment offset', () => {
    const h = ipv4.decode(base).header;
    expect(() => ipv4.encode({ ...h, options: new Uint8Array(41) })).toThrow(RangeError);
    expect(ipv4.encode({ ...h, options: new Uint8Array(40) }).length).toBe(60);
    expect(() => ipv4.encode({ ...h, fragmentOffset: 12 })).toThrow(RangeError);
  });
});

const arbHeader: fc.Arbitrary<Ipv4Header> = fc.record({
  version: fc.constant(4),
  ihl: fc.constant(5),
  dscp: fc.integer({ min: 0, max: 63 }),
  ecn: fc.integer({ min: 0, max: 3 }),
  totalLength: fc.constant(0),
  identification: fc.integer({ min: 0, max: 0xffff }),
  reservedFlag: fc.boolean(),
  dontFragment: fc.boolean(),
  moreFragments: fc.boolean(),
  fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((n) => n * 8),
  ttl: fc.integer({ min: 0, max: 255 }),
  protocol: fc.integer({ min: 0, max: 255 }),
  checksum: fc.constant(0),
  checksumValid: fc.constant(true),
  source: fc.ipV4(),
  destination: fc.ipV4(),
  options: fc.integer({ min: 0, max: 10 }).chain((words) => fc.uint8Array({ minLength: words * 4, maxLength: words * 4 })),
});

describe('ipv4 properties', () => {
  it('formats every address right however addresses come and go', () => {
    const base = ipv4.decode(fromHex(wikipedia.full_header + '00'.repeat(0x73 - 20))).header;
    const texts = Array.from({ length: 5000 }, (_, i) => `${i & 1 ? 0 : 10}.${(i * 7) >>> 8 & 255}.${(i * 7) & 255}.${i % 3}`);
    const packets = texts.map((t, i) => ipv4.encode({ ...base, source: t, destination: texts[(i * 31) % texts.length] }));
    for (let pass = 0; pass < 2; pass++) {
      packets.forEach((p, i) => {
        const h = ipv4.decode(p).header;
        expect([h.source, h.destination]).toEqual([texts[i], texts[(i * 31) % texts.length]]);
      });
    }
  });

  it('decode(encode(h)) gives h back, with ihl, totalLength and checksum filled in', () => {
    fc.assert(
      fc.property(arbHeader, fc.uint8Array({ maxLength: 64 }), (h, payload) => {
        const bytes = ipv4.encode(h, payload);
        const d = ipv4.decode(bytes);
        const ihl = 5 + h.options.length / 4;
        expect(internetChecksum(bytes, 0, ihl * 4)).toBe(0);
        expect(d.header).toEqual({ ...h, ihl, totalLength: ihl * 4 + payload.length, checksum: d.header.checksum });
        expect(toHex(d.payload)).toBe(toHex(payload));
        expect(toHex(ipv4.encode(d.header, d.payload, { computeChecksums: false, fixLengths: false }))).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('pads options to a multiple of 4 with zeros', () => {
    fc.assert(
      fc.property(arbHeader, fc.uint8Array({ minLength: 1, maxLength: 39 }), (h, options) => {
        const bytes = ipv4.encode({ ...h, options });
        const padded = (options.length + 3) & ~3;
        expect(bytes.length).toBe(IPV4_MIN_HEADER_LENGTH + padded);
        const d = ipv4.decode(bytes);
        expect(toHex(d.header.options)).toBe(toHex(options) + '00'.repeat(padded - options.length));
      }),
      { numRuns: 300 },
    );
  });

  it('writes only its own bytes when encoding at an offset into a used buffer', () => {
    fc.assert(
      fc.property(arbHeader, fc.uint8Array({ maxLength: 32 }), fc.integer({ min: 1, max: 40 }), (h, payload, offset) => {
        const alone = ipv4.encode(h, payload);
        const buf = new Uint8Array(offset + alone.length + 13).fill(0xa5);
        expect(ipv4.encodeInto(buf, offset, h, payload)).toBe(alone.length);
        expect(buf.subarray(0, offset).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset + alone.length).every((b) => b === 0xa5)).toBe(true);
        expect(toHex(buf.subarray(offset, offset + alone.length))).toBe(toHex(alone));
        expect(ipv4.decode(buf, offset).header).toEqual(ipv4.decode(alone).header);
      }),
      { numRuns: 300 },
    );
  });

  function onlyDecodeErrors(bytes: Uint8Array, offset: number): void {
    expectOnlyDecodeError(() => {
      const d = ipv4.decode(bytes, offset);
      expect(d.payloadOffset + d.payloadLength).toBeLessThanOrEqual(bytes.length);
    });
  }

  it('throws nothing but DecodeError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(8), (bytes, offset) => {
        onlyDecodeErrors(bytes, offset);
        expect(typeof headerChecksumValid(bytes, offset)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but DecodeError on mutated real packets', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REAL),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        ({ frame, offset }, edits, cut) => {
          const bytes = frame.slice(0, offset + (cut % (frame.length - offset + 1)));
          for (const [at, value] of edits) if (bytes.length > offset) bytes[offset + (at % Math.min(24, bytes.length - offset))] = value;
          onlyDecodeErrors(bytes, offset);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
