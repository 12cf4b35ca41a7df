import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../codecs/decode-error.js';
import { UDP_HEADER_LENGTH, type UdpHeader, UdpOffsets, decode, encode, encodeInto, encodingLength, udpLayout } from '../../codecs/udp.js';
import { fromHex, readFixture } from '../helpers/fixtures.js';
import { expectOnlyDecodeError } from '../helpers/decode-errors.js';
import { REAL_FRAMES, tsharkHex16 } from '../helpers/real-frames.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { pseudoHeaderBytes, referenceChecksum, referenceSum } from './reference-checksum.js';
import { type Segment, segmentFixtures, segmentOfFrame } from './transport-segments.js';

const FILES = ['captures/tcpdump__dns_udp.pcap', 'captures/tcpdump__dhcp-rfc4388.pcap', 'captures/dnscap__vlan11.pcap'];
const RAW = { computeChecksums: false, fixLengths: false } as const;
const PSEUDO = { source: '192.168.1.100', destination: '8.8.8.8' };

const realUdpFrames = REAL_FRAMES.filter((f) => 'udp.checksum' in f.tshark);
const ovs = (JSON.parse(new TextDecoder().decode(readFixture('vectors/vectors.json'))) as Record<string, Record<string, string>>).udp_pseudoheader_ovs;

const { byFile: segmentsByFile, all: allSegments } = segmentFixtures(FILES, 17, realUdpFrames);

function datagram(s: Segment): Uint8Array {
  return s.bytes.subarray(s.offset, s.offset + s.length);
}

describe('udp on real datagrams', () => {
  it('finds the UDP datagrams the manifest lists', () => {
    expect(segmentsByFile.get('captures/tcpdump__dns_udp.pcap')).toHaveLength(2);
    expect(segmentsByFile.get('captures/tcpdump__dhcp-rfc4388.pcap')).toHaveLength(36);
    expect(segmentsByFile.get('captures/dnscap__vlan11.pcap')).toHaveLength(82);
    expect(realUdpFrames.length).toBeGreaterThan(0);
  });

  it('re-encodes every datagram byte for byte with checksum and length as they are', () => {
    for (const s of allSegments) {
      const { header, payload } = decode(s.bytes, s.offset, s.length);
      expect(encode(header, payload, RAW)).toEqual(datagram(s));
    }
  });

  it('computes the same checksum and length as the sender for every datagram that carries one', () => {
    const withChecksum = allSegments.filter((s) => decode(s.bytes, s.offset, s.length).header.checksum !== 0);
    expect(withChecksum.length).toBeGreaterThan(0);
    for (const s of withChecksum) {
      const { header, payload } = decode(s.bytes, s.offset, s.length);
      expect(encode(header, payload, { pseudoHeader: { source: s.source, destination: s.destination } })).toEqual(datagram(s));
    }
  });

  it('finds every real checksum valid, agreeing with the independent sum', () => {
    for (const s of allSegments) {
      const { header } = decode(s.bytes, s.offset, s.length, { source: s.source, destination: s.destination });
      expect(header.checksumValid).toBe(true);
      if (header.checksum !== 0) expect(referenceSum(pseudoHeaderBytes(s.source, s.destination, 17, header.length), datagram(s))).toBe(0xffff);
    }
  });

  it('agrees with tshark on the DNS response kept in real_frames.json', () => {
    for (const f of realUdpFrames) {
      const s = segmentOfFrame(fromHex(f.hex), 17);
      const { header } = decode(s.bytes, s.offset, s.length, s);
      expect(tsharkHex16(header.checksum)).toBe(f.tshark['udp.checksum']);
      expect(header.checksumValid).toBe(true);
    }
  });

  it('decodes the header as the buffer-layout declaration does', () => {
    expect(udpLayout.span).toBe(UDP_HEADER_LENGTH);
    for (const s of allSegments) {
      const l = udpLayout.decode(Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength), s.offset);
      const { header } = decode(s.bytes, s.offset, s.length);
      expect(header).toMatchObject({ sourcePort: l.sourcePort, destinationPort: l.destinationPort, length: l.length, checksum: l.checksum });
    }
  });

  it('has offsets that point where the fields are', () => {
    const s = allSegments[0];
    const { header } = decode(s.bytes, s.offset, s.length);
    const at = (o: number) => (s.bytes[s.offset + o] << 8) | s.bytes[s.offset + o + 1];
    expect([at(UdpOffsets.sourcePort), at(UdpOffsets.destinationPort), at(UdpOffsets.length), at(UdpOffsets.checksum)]).toEqual([
      header.sourcePort,
      header.destinationPort,
      header.length,
      header.checksum,
    ]);
  });
});

describe.skipIf(skipWithoutTshark)('udp against tshark', () => {
  const FIELDS = ['frame.number', 'udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum', 'udp.checksum.status'];

  for (const file of FILES) {
    it(`decodes every datagram of ${file} as tshark does`, () => {
      const theirs = tsharkFields(`fixtures/${file}`, FIELDS, ['-o', 'udp.check_checksum:TRUE', '-Y', 'udp && !icmp']);
      const segments = segmentsByFile.get(file)!;
      expect(segments.map((s) => String(s.frame))).toEqual(theirs.map((row) => row[0]));
      segments.forEach((s, i) => {
        const { header: h } = decode(s.bytes, s.offset, s.length, { source: s.source, destination: s.destination });
        // Wireshark's checksum status: 0 bad, 1 good, 3 not present (a zero checksum).
        const status = h.checksum === 0 ? '3' : h.checksumValid ? '1' : '0';
        expect([String(s.frame), String(h.sourcePort), String(h.destinationPort), String(h.length), tsharkHex16(h.checksum), status]).toEqual(theirs[i]);
      });
    });
  }
});

describe('udp checksums', () => {
  it('matches the pseudo-header vector from Open vSwitch', () => {
    const pseudo = fromHex(ovs.pseudo_header);
    // The vector's own claim, checked first so that the test below rests on it.
    expect(referenceChecksum(pseudo)).toBe(Number.parseInt(ovs.checksum_of_pseudo_only, 16));
    const source = [...pseudo.subarray(0, 4)].join('.');
    const destination = [...pseudo.subarray(4, 8)].join('.');
    const length = (pseudo[10] << 8) | pseudo[11];
    const payload = new Uint8Array(length - UDP_HEADER_LENGTH).map((_, i) => i * 7);
    const bytes = encode({ sourcePort: 5000, destinationPort: 53, length: 0, checksum: 0 }, payload, { pseudoHeader: { source, destination } });
    const zeroed = bytes.slice();
    zeroed[6] = 0;
    zeroed[7] = 0;
    expect((bytes[6] << 8) | bytes[7]).toBe(referenceChecksum(pseudo, zeroed));
    expect(decode(bytes, 0, bytes.length, { source, destination }).header.checksumValid).toBe(true);
  });

  it('writes a computed checksum of 0 as 0xffff, which verifies', () => {
    const header: UdpHeader = { sourcePort: 1000, destinationPort: 2000, length: 0, checksum: 0 };
    const probe = encode(header, new Uint8Array(2), { pseudoHeader: PSEUDO });
    const zeroed = probe.slice();
    zeroed[6] = 0;
    zeroed[7] = 0;
    // Choose the payload word that brings the whole sum to 0xffff, so the computed checksum is 0.
    const word = 0xffff - referenceSum(pseudoHeaderBytes(PSEUDO.source, PSEUDO.destination, 17, 10), zeroed);
    const bytes = encode(header, new Uint8Array([word >> 8, word & 0xff]), { pseudoHeader: PSEUDO });
    expect((bytes[6] << 8) | bytes[7]).toBe(0xffff);
    expect(decode(bytes, 0, bytes.length, PSEUDO).header).toMatchObject({ checksum: 0xffff, checksumValid: true });
  });

  it('keeps a zero checksum as "none sent" when not computing, and finds it valid', () => {
    const bytes = encode({ sourcePort: 68, destinationPort: 67, length: 0, checksum: 0 }, fromHex('01020304'), { computeChecksums: false });
    expect(bytes).toEqual(fromHex('0044 0043 000c 0000 01020304'));
    expect(decode(bytes, 0, bytes.length, PSEUDO).header.checksumValid).toBe(true);
  });

  it('finds a wrong checksum invalid, and leaves checksumValid undefined without a pseudo-header', () => {
    const bytes = encode({ sourcePort: 1, destinationPort: 2, length: 0, checksum: 0 }, fromHex('aabb'), { pseudoHeader: PSEUDO });
    expect(decode(bytes).header.checksumValid).toBeUndefined();
    expect(decode(bytes, 0, bytes.length, { ...PSEUDO, destination: '8.8.4.4' }).header.checksumValid).toBe(false);
    bytes[9] ^= 1;
    expect(decode(bytes, 0, bytes.length, PSEUDO).header.checksumValid).toBe(false);
  });

  it('refuses to compute a checksum without a pseudo-header', () => {
    expect(() => encode({ sourcePort: 1, destinationPort: 2, length: 8, checksum: 0 })).toThrow(/pseudoHeader/);
  });
});

describe('udp lengths and errors', () => {
  it('honours a length field shorter than the segment: the rest is not payload', () => {
    const bytes = fromHex('1234 0035 000a 0000 abcd eeee eeee');
    const d = decode(bytes, 0, bytes.length);
    expect(d).toMatchObject({ headerLength: 8, payloadOffset: 8, payloadLength: 2 });
    expect(d.payload).toEqual(fromHex('abcd'));
  });

  it('rejects fewer than 8 bytes, a length field below 8 or past the segment, and a segment past the buffer', () => {
    const cases: Array<[string, number | undefined, RegExp]> = [
      ['1234 0035 0008 00', undefined, /truncated header/],
      ['1234 0035 0008 0000', 7, /truncated header/],
      ['1234 0035 0007 0000', undefined, /length field 7 is below/],
      ['1234 0035 000c 0000 aabb', undefined, /length field 12 runs past the segment/],
      ['1234 0035 000a 0000 aabb', 11, /segment runs past the buffer/],
    ];
    for (const [hex, length, reason] of cases) {
      const bytes = fromHex(hex);
      expect(() => decode(bytes, 0, length ?? bytes.length)).toThrow(DecodeError);
      expect(() => decode(bytes, 0, length ?? bytes.length)).toThrow(reason);
    }
  });

  it('writes the length field as given when not fixing lengths', () => {
    const bytes = encode({ sourcePort: 1, destinationPort: 2, length: 99, checksum: 0x1234 }, fromHex('00'), RAW);
    expect(bytes).toEqual(fromHex('0001 0002 0063 1234 00'));
  });
});

const U16 = fc.integer({ min: 0, max: 0xffff });
const headerArb: fc.Arbitrary<UdpHeader> = fc.record({ sourcePort: U16, destinationPort: U16, length: U16, checksum: U16 });
const ipv4Arb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const pseudoArb = fc.record({ source: ipv4Arb, destination: ipv4Arb });

describe('udp properties', () => {
  it('decodes what it encodes, with the length and checksum it computed', () => {
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 100 }), pseudoArb, (h, payload, pseudo) => {
        const bytes = encode(h, payload, { pseudoHeader: pseudo });
        expect(bytes.length).toBe(encodingLength(h, payload.length));
        const d = decode(bytes, 0, bytes.length, pseudo);
        expect(d.header).toEqual({ ...h, length: bytes.length, checksum: d.header.checksum, checksumValid: true });
        expect(d.header.checksum).not.toBe(0);
        expect(d.payload).toEqual(payload);
        const zeroed = bytes.slice();
        zeroed[6] = 0;
        zeroed[7] = 0;
        expect(d.header.checksum).toBe(referenceChecksum(pseudoHeaderBytes(pseudo.source, pseudo.destination, 17, bytes.length), zeroed) || 0xffff);
        expect(encode(d.header, d.payload, RAW)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes at a non-zero offset and touches nothing outside what it wrote', () => {
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 16 }), (h, payload, offset, slack) => {
        const options = { pseudoHeader: PSEUDO };
        const length = encodingLength(h, payload.length, options);
        const buf = new Uint8Array(offset + length + slack).fill(0xa5);
        expect(encodeInto(buf, offset, h, payload, options)).toBe(length);
        expect(buf.subarray(0, offset).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset + length).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset, offset + length)).toEqual(encode(h, payload, options));
        // With the 0xa5 tail inside the segment, the length field still bounds the payload.
        const d = decode(buf, offset, length + slack, PSEUDO);
        expect(d).toMatchObject({ payloadOffset: offset + 8, payloadLength: payload.length });
        expect(d.header.checksumValid).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('throws only DecodeError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: -2, max: 50 }), fc.integer({ min: -2, max: 50 }), (bytes, offset, length) => {
        expectOnlyDecodeError(() => decode(bytes, offset, length, PSEUDO));
        expectOnlyDecodeError(() => decode(bytes, offset));
      }),
      { numRuns: 3000 },
    );
  });

  it('throws only DecodeError on mutated real datagrams', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: allSegments.length - 1 }),
        fc.array(fc.tuple(fc.nat(16), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -10, max: 10 }),
        (which, mutations, lengthChange) => {
          const s = allSegments[which];
          const bytes = s.bytes.slice();
          for (const [at, value] of mutations) bytes[s.offset + (at % s.length)] = value;
          expectOnlyDecodeError(() => decode(bytes, s.offset, s.length + lengthChange, s));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

