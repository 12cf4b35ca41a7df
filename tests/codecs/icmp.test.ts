import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../codecs/checksum.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { EtherType } from '../../codecs/ethernet.js';
import * as icmp from '../../codecs/icmp.js';
import { type IcmpHeader, IcmpOffsets, IcmpType, icmpLayout } from '../../codecs/icmp.js';
import * as ipv4 from '../../codecs/ipv4.js';
import { IpProtocol } from '../../codecs/ipv4.js';
import { fixturePath, toHex } from '../helpers/fixtures.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { expectOnlyDecodeError } from '../helpers/decode-errors.js';
import { captureFrames, networkLayer } from '../helpers/frames.js';
import { tsharkHex16 } from '../helpers/real-frames.js';

const CAPTURES = ['captures/tcpdump__dhcp-rfc4388.pcap', 'captures/dnscap__vlan11.pcap'];

interface RealIcmp {
  readonly file: string;
  readonly frameNumber: number;
  readonly frame: Uint8Array;
  /** Where the ICMP message starts, and how long IP says it is. */
  readonly offset: number;
  readonly length: number;
}

const REAL: RealIcmp[] = CAPTURES.flatMap((file) =>
  captureFrames(file).flatMap(({ frameNumber, frame, linkType }) => {
    const layer = networkLayer(frame, linkType);
    if (layer.etherType !== EtherType.ipv4) return [];
    const ip = ipv4.decode(frame, layer.offset);
    if (ip.header.protocol !== IpProtocol.icmp) return [];
    return [{ file, frameNumber, frame, offset: ip.payloadOffset, length: ip.payloadLength }];
  }),
);

const decodeReal = (p: RealIcmp) => icmp.decode(p.frame, p.offset, p.length);
const ERRORS = REAL.filter((p) => decodeReal(p).header.type === IcmpType.destinationUnreachable);

describe('icmp real messages', () => {
  it('finds echoes in both captures and errors quoting IP/ICMP in dhcp-rfc4388', () => {
    for (const file of CAPTURES) expect(REAL.filter((p) => p.file === file && decodeReal(p).header.type === IcmpType.echoRequest).length, file).toBeGreaterThan(0);
    expect(ERRORS.length).toBeGreaterThan(0);
  });

  it('re-encodes every message byte for byte, from the header and its payload', () => {
    for (const p of REAL) {
      const d = decodeReal(p);
      const original = toHex(p.frame.subarray(p.offset, p.offset + p.length));
      expect(toHex(icmp.encode(d.header, d.payload, { computeChecksums: false, fixLengths: false }))).toBe(original);
      expect(d.header.checksumValid).toBe(true);
      expect(toHex(icmp.encode(d.header, d.payload))).toBe(original);
    }
  });

  it('gives error messages the quoted datagram as both original and payload, and writes it back without a payload', () => {
    for (const p of ERRORS) {
      const d = decodeReal(p);
      expect(d.header.original).toBeDefined();
      expect(d.header.original!.byteOffset).toBe(d.payload.byteOffset);
      expect(d.header.original!.length).toBe(d.payload.length);
      expect(d.header.original!.buffer).toBe(p.frame.buffer);
      expect(toHex(icmp.encode(d.header))).toBe(toHex(p.frame.subarray(p.offset, p.offset + p.length)));
      expect(icmp.encodingLength(d.header)).toBe(p.length);
      const inner = ipv4.decode(d.header.original!);
      expect(inner.header.protocol).toBe(IpProtocol.icmp);
    }
  });

  it('agrees with the buffer-layout declaration', () => {
    for (const p of REAL) {
      const h = decodeReal(p).header;
      const o = icmpLayout.decode(Buffer.from(p.frame.buffer, p.frame.byteOffset, p.frame.byteLength), p.offset);
      expect([o.type, o.code, o.checksum]).toEqual([h.type, h.code, h.checksum]);
      if (h.type === IcmpType.destinationUnreachable) expect([o.identifier, o.sequenceNumber]).toEqual([h.unused, h.nextHopMtu]);
      else expect([o.identifier, o.sequenceNumber]).toEqual([h.identifier, h.sequenceNumber]);
    }
  });

  it('detects a corrupted message without correcting it', () => {
    const p = REAL[0];
    const bytes = p.frame.slice(p.offset, p.offset + p.length);
    bytes[bytes.length - 1] ^= 0x40;
    const d = icmp.decode(bytes);
    expect(d.header.checksumValid).toBe(false);
    expect(d.header.checksum).toBe(decodeReal(p).header.checksum);
    expect(toHex(icmp.encode(d.header, d.payload, { computeChecksums: false }))).toBe(toHex(bytes));
  });

  it('reads the hot-path fields where IcmpOffsets says', () => {
    const p = REAL.find((r) => decodeReal(r).header.type === IcmpType.echoRequest)!;
    const h = decodeReal(p).header;
    const at = (o: number) => (p.frame[p.offset + o] << 8) | p.frame[p.offset + o + 1];
    expect([p.frame[p.offset + IcmpOffsets.type], at(IcmpOffsets.checksum), at(IcmpOffsets.identifier), at(IcmpOffsets.sequenceNumber)]).toEqual([
      h.type, h.checksum, h.identifier, h.sequenceNumber,
    ]);
  });
});

describe.skipIf(skipWithoutTshark)('icmp against tshark', () => {
  const FIELDS = ['icmp.type', 'icmp.code', 'icmp.checksum', 'icmp.checksum.status', 'icmp.ident', 'icmp.seq'];
  for (const file of CAPTURES) {
    it(`decodes every ICMP message of ${file} as tshark does, quoted ones included`, () => {
      const rows = tsharkFields(fixturePath(file), FIELDS);
      const messages = REAL.filter((p) => p.file === file);
      expect(messages.length).toBeGreaterThan(0);
      for (const p of messages) {
        const outer = decodeReal(p).header;
        // tshark lists the outer message's values, then those of any message quoted inside it.
        const layers: IcmpHeader[] = [outer];
        if (outer.original) {
          const inner = ipv4.decode(outer.original);
          layers.push(icmp.decode(outer.original, inner.payloadOffset, inner.payloadLength).header);
        }
        const echoes = layers.filter((h) => h.identifier !== undefined);
        const t = rows[p.frameNumber - 1];
        const where = `${file} frame ${p.frameNumber}`;
        expect(t[0], where).toBe(layers.map((h) => h.type).join(','));
        expect(t[1], where).toBe(layers.map((h) => h.code).join(','));
        expect(t[2], where).toBe(layers.map((h) => tsharkHex16(h.checksum)).join(','));
        // Only the outer checksum is verified; tshark marks quoted ones unverified.
        expect(t[3].split(',')[0], where).toBe(outer.checksumValid ? '1' : '0');
        expect(t[4], where).toBe(echoes.map((h) => h.identifier).join(','));
        expect(t[5], where).toBe(echoes.map((h) => h.sequenceNumber).join(','));
      }
    });
  }
});

describe('icmp builders', () => {
  const packet = ipv4.encode(
    {
      version: 4, ihl: 5, dscp: 0, ecn: 0, totalLength: 0, identification: 0x1234, reservedFlag: false, dontFragment: true, moreFragments: false,
      fragmentOffset: 0, ttl: 1, protocol: IpProtocol.udp, checksum: 0, checksumValid: true, source: '192.168.1.100', destination: '8.8.8.8',
      options: new Uint8Array(4),
    },
    Uint8Array.from({ length: 40 }, (_, i) => i),
  );

  it('builds a Time Exceeded that quotes the IP header and 8 bytes of its payload', () => {
    const h = icmp.timeExceeded(packet);
    expect(h).toMatchObject({ type: 11, code: 0, unused: 0 });
    expect(toHex(h.original!)).toBe(toHex(packet.subarray(0, 24 + 8)));
    const bytes = icmp.encode(h);
    expect(bytes.length).toBe(8 + 32);
    expect(internetChecksum(bytes)).toBe(0);
    const d = icmp.decode(bytes);
    expect(d.header).toEqual({ ...h, checksum: d.header.checksum, checksumValid: true });
    packet[30] ^= 0xff;
    expect(toHex(d.header.original!)).not.toBe(toHex(packet.subarray(0, 32)));
    packet[30] ^= 0xff;
    expect(icmp.timeExceeded(packet, 1).code).toBe(1);
  });

  it('builds a Destination Unreachable with a next-hop MTU', () => {
    const bytes = icmp.encode(icmp.destinationUnreachable(packet, 4, 1400));
    expect(toHex(bytes.subarray(0, 8))).toMatch(/^0304....00000578$/);
    expect(icmp.decode(bytes).header).toMatchObject({ type: 3, code: 4, nextHopMtu: 1400, checksumValid: true });
    expect(icmp.destinationUnreachable(packet.subarray(0, 26), 1).original!.length).toBe(26);
  });

  it('builds echoes whose data comes as the payload', () => {
    const data = new TextEncoder().encode('abcdefgh');
    const bytes = icmp.encode(icmp.echo(IcmpType.echoRequest, 0x4242, 7), data);
    expect(toHex(bytes.subarray(0, 2))).toBe('0800');
    const d = icmp.decode(bytes);
    expect(d.header).toMatchObject({ type: 8, identifier: 0x4242, sequenceNumber: 7, checksumValid: true });
    expect(new TextDecoder().decode(d.payload)).toBe('abcdefgh');
  });
});

describe('icmp errors', () => {
  const echoBytes = icmp.encode(icmp.echo(IcmpType.echoReply, 1, 2), new Uint8Array(8));
  it('throws DecodeError for a short header, a length below 8 and a length past the buffer', () => {
    expect(() => icmp.decode(echoBytes.subarray(0, 7))).toThrow(/truncated header/);
    expect(() => icmp.decode(echoBytes, 0, 6)).toThrow(DecodeError);
    expect(() => icmp.decode(echoBytes, 0, 6)).toThrow(/less than the 8-byte header/);
    expect(() => icmp.decode(echoBytes, 0, 17)).toThrow(/truncated message/);
    expect(() => icmp.decode(echoBytes, 20)).toThrow(DecodeError);
  });
  it('refuses a rest of header that is not 4 bytes', () => {
    expect(() => icmp.encode({ type: 42, code: 0, checksum: 0, checksumValid: false, rest: new Uint8Array(3) })).toThrow(RangeError);
  });
});

const u16 = fc.integer({ min: 0, max: 0xffff });
const common = { code: fc.integer({ min: 0, max: 255 }), checksum: fc.constant(0), checksumValid: fc.constant(true) };
const quoted = fc.uint8Array({ maxLength: 60 });
const arbHeader: fc.Arbitrary<IcmpHeader> = fc.oneof(
  fc.record({ type: fc.constantFrom(0, 8), ...common, identifier: u16, sequenceNumber: u16 }),
  fc.record({ type: fc.constant(3), ...common, unused: u16, nextHopMtu: u16, original: quoted }),
  fc.record({ type: fc.constantFrom(4, 11), ...common, unused: fc.integer({ min: 0, max: 0xffffffff }), original: quoted }),
  fc.record({ type: fc.constant(5), ...common, gateway: fc.ipV4(), original: quoted }),
  fc.record({ type: fc.constant(12), ...common, pointer: fc.integer({ min: 0, max: 255 }), unused: fc.integer({ min: 0, max: 0xffffff }), original: quoted }),
  fc.record({
    type: fc.integer({ min: 0, max: 255 }).filter((t) => ![0, 3, 4, 5, 8, 11, 12].includes(t)),
    ...common,
    rest: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  }),
);

describe('icmp properties', () => {
  it('decode(encode(h)) gives h back, with the checksum filled in', () => {
    fc.assert(
      fc.property(arbHeader, fc.uint8Array({ maxLength: 40 }), (h, data) => {
        const payload = h.original ?? data;
        const bytes = icmp.encode(h, payload);
        expect(internetChecksum(bytes)).toBe(0);
        const d = icmp.decode(bytes);
        expect(d.header).toEqual({ ...h, checksum: d.header.checksum });
        expect(toHex(d.payload)).toBe(toHex(payload));
        expect(icmp.encodingLength(h, payload.length)).toBe(bytes.length);
      }),
      { numRuns: 600 },
    );
  });

  it('writes only its own bytes when encoding at an offset into a used buffer', () => {
    fc.assert(
      fc.property(arbHeader, fc.integer({ min: 1, max: 40 }), (h, offset) => {
        const alone = icmp.encode(h);
        const buf = new Uint8Array(offset + alone.length + 9).fill(0xa5);
        expect(icmp.encodeInto(buf, offset, h)).toBe(alone.length);
        expect(buf.subarray(0, offset).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset + alone.length).every((b) => b === 0xa5)).toBe(true);
        expect(toHex(buf.subarray(offset, offset + alone.length))).toBe(toHex(alone));
        expect(icmp.decode(buf, offset, alone.length).header.checksumValid).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  function onlyDecodeErrors(bytes: Uint8Array, offset: number, length?: number): void {
    expectOnlyDecodeError(() => {
      const d = icmp.decode(bytes, offset, length);
      expect(d.payloadOffset + d.payloadLength).toBeLessThanOrEqual(bytes.length);
    });
  }

  it('throws nothing but DecodeError on random bytes and lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(10), fc.option(fc.integer({ min: -4, max: 100 })), (bytes, offset, length) =>
        onlyDecodeErrors(bytes, offset, length ?? undefined),
      ),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but DecodeError on mutated real messages', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REAL), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (p, edits, cut) => {
        const bytes = p.frame.slice(p.offset, p.offset + (cut % (p.length + 1)));
        for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
        onlyDecodeErrors(bytes, 0, p.length);
        onlyDecodeErrors(bytes, 0);
      }),
      { numRuns: 2000 },
    );
  });
});
