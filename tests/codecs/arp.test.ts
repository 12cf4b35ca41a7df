import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arp from '../../codecs/arp.js';
import { ARP_ETHERNET_IPV4_LENGTH, type ArpHeader, ArpOffsets, ArpOpcode, arpLayout } from '../../codecs/arp.js';
import { DecodeError } from '../../codecs/decode-error.js';
import * as ethernet from '../../codecs/ethernet.js';
import { fixturePath, fromHex, toHex } from '../helpers/fixtures.js';
import { expectOnlyDecodeError } from '../helpers/decode-errors.js';
import { captureFrames, networkLayer } from '../helpers/frames.js';
import { REAL_FRAMES } from '../helpers/real-frames.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';

const CAPTURES = ['captures/tcpdump__dhcp-rfc4388.pcap', 'captures/dnscap__vlan11.pcap', 'captures/tcpdump__bgp-4byte-asn.pcap'];

interface RealArp {
  readonly file: string;
  readonly frameNumber: number;
  readonly frame: Uint8Array;
  readonly offset: number;
}

const REAL: RealArp[] = CAPTURES.flatMap((file) =>
  captureFrames(file).flatMap(({ frameNumber, frame, linkType }) => {
    const layer = networkLayer(frame, linkType);
    return layer.etherType === ethernet.EtherType.arp ? [{ file, frameNumber, frame, offset: layer.offset }] : [];
  }),
);

const realFrames = REAL_FRAMES.filter((f) => f.tshark['arp.opcode']);

function tsharkView(h: ArpHeader): string[] {
  return [
    String(h.hardwareType),
    `0x${h.protocolType.toString(16).padStart(4, '0')}`,
    String(h.hardwareSize),
    String(h.protocolSize),
    String(h.opcode),
    h.senderHardwareAddress as string,
    h.senderProtocolAddress as string,
    h.targetHardwareAddress as string,
    h.targetProtocolAddress as string,
  ];
}

const FIELDS = ['arp.hw.type', 'arp.proto.type', 'arp.hw.size', 'arp.proto.size', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4'];

describe('arp real frames', () => {
  it('decodes the request (padded to 60) and reply (42) that tshark described', () => {
    expect(realFrames.length).toBe(2);
    for (const f of realFrames) {
      const frame = fromHex(f.hex);
      const d = arp.decode(frame, ethernet.ETHERNET_HEADER_LENGTH);
      expect(tsharkView(d.header), f.what).toEqual(FIELDS.map((k) => f.tshark[k]));
      expect(d.headerLength).toBe(ARP_ETHERNET_IPV4_LENGTH);
      expect(d.payloadLength).toBe(0);
      expect(toHex(frame.subarray(d.payloadOffset))).toBe(f.tshark['eth.padding']);
    }
  });

  it('finds ARP in every capture, behind the 802.1Q tag in vlan11', () => {
    for (const file of CAPTURES) expect(REAL.filter((p) => p.file === file).length, file).toBeGreaterThan(0);
    expect(REAL.filter((p) => p.file.includes('vlan11')).every((p) => p.offset === 18)).toBe(true);
  });

  it('re-encodes every ARP packet byte for byte', () => {
    for (const { frame, offset } of REAL) {
      const d = arp.decode(frame, offset);
      const original = toHex(frame.subarray(offset, offset + d.headerLength));
      expect(toHex(arp.encode(d.header))).toBe(original);
      expect(toHex(arp.encode(d.header, undefined, { fixLengths: false, computeChecksums: false }))).toBe(original);
    }
  });

  it('agrees with the buffer-layout declaration', () => {
    const mac = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
    for (const { frame, offset } of REAL) {
      const h = arp.decode(frame, offset).header;
      const o = arpLayout.decode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), offset);
      expect([o.hardwareType, o.protocolType, o.hardwareSize, o.protocolSize, o.opcode]).toEqual([h.hardwareType, h.protocolType, h.hardwareSize, h.protocolSize, h.opcode]);
      expect([mac(o.senderHardwareAddress), Array.from(o.senderProtocolAddress as Uint8Array).join('.'), mac(o.targetHardwareAddress), Array.from(o.targetProtocolAddress as Uint8Array).join('.')]).toEqual([
        h.senderHardwareAddress, h.senderProtocolAddress, h.targetHardwareAddress, h.targetProtocolAddress,
      ]);
    }
  });

  it('puts each field where ArpOffsets says', () => {
    const { frame, offset } = REAL[0];
    const h = arp.decode(frame, offset).header;
    expect((frame[offset + ArpOffsets.opcode] << 8) | frame[offset + ArpOffsets.opcode + 1]).toBe(h.opcode);
    expect(Array.from(frame.subarray(offset + ArpOffsets.targetProtocolAddress, offset + ArpOffsets.targetProtocolAddress + 4)).join('.')).toBe(h.targetProtocolAddress);
    expect(Array.from(frame.subarray(offset + ArpOffsets.senderProtocolAddress, offset + ArpOffsets.senderProtocolAddress + 4)).join('.')).toBe(h.senderProtocolAddress);
  });
});

describe.skipIf(skipWithoutTshark)('arp against tshark', () => {
  for (const file of CAPTURES) {
    it(`decodes every ARP frame of ${file} as tshark does`, () => {
      const rows = tsharkFields(fixturePath(file), FIELDS);
      for (const { frameNumber, frame, offset } of REAL.filter((p) => p.file === file)) {
        expect(tsharkView(arp.decode(frame, offset).header), `${file} frame ${frameNumber}`).toEqual(rows[frameNumber - 1]);
      }
    });
  }
});

describe('arp errors and other sizes', () => {
  const request = fromHex(realFrames[0].hex).subarray(ethernet.ETHERNET_HEADER_LENGTH, ethernet.ETHERNET_HEADER_LENGTH + 28);

  it('throws DecodeError when the fixed part or the addresses are cut short', () => {
    expect(() => arp.decode(request.subarray(0, 7))).toThrow(/truncated header/);
    expect(() => arp.decode(request.subarray(0, 27))).toThrow(DecodeError);
    expect(() => arp.decode(request.subarray(0, 27))).toThrow(/hardware size 6, protocol size 4/);
  });

  it('keeps addresses of other sizes as bytes', () => {
    // Hardware size 8 (e.g. EUI-64), protocol size 4.
    const bytes = fromHex('001b0800080400011122334455667788c0a800010000000000000000c0a80002');
    const d = arp.decode(bytes);
    expect(d.header.senderHardwareAddress).toBeInstanceOf(Uint8Array);
    expect(toHex(d.header.senderHardwareAddress as Uint8Array)).toBe('1122334455667788');
    expect(toHex(d.header.targetProtocolAddress as Uint8Array)).toBe('c0a80002');
    expect(toHex(arp.encode(d.header))).toBe(toHex(bytes));
  });

  it('refuses to encode sender and target addresses of different sizes', () => {
    const h = arp.decode(request).header;
    expect(() => arp.encode({ ...h, targetHardwareAddress: new Uint8Array(8) })).toThrow(RangeError);
  });

  it('writes the header\'s own sizes when fixLengths is off', () => {
    const h = arp.decode(request).header;
    const crafted = arp.encode({ ...h, hardwareSize: 9 }, undefined, { fixLengths: false });
    expect(crafted[4]).toBe(9);
    expect(arp.encode({ ...h, hardwareSize: 9 })[4]).toBe(6);
  });
});

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
const arbEthernetIpv4: fc.Arbitrary<ArpHeader> = fc.record({
  hardwareType: fc.integer({ min: 0, max: 0xffff }),
  protocolType: fc.integer({ min: 0, max: 0xffff }),
  hardwareSize: fc.constant(6),
  protocolSize: fc.constant(4),
  opcode: fc.oneof(fc.constantFrom(ArpOpcode.request, ArpOpcode.reply), fc.integer({ min: 0, max: 0xffff })),
  senderHardwareAddress: mac,
  senderProtocolAddress: fc.ipV4(),
  targetHardwareAddress: mac,
  targetProtocolAddress: fc.ipV4(),
});
const arbOtherSizes: fc.Arbitrary<ArpHeader> = fc
  .tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }))
  .filter(([hs, ps]) => !(hs === 6 && ps === 4))
  .chain(([hs, ps]) =>
    fc.record({
      hardwareType: fc.integer({ min: 0, max: 0xffff }),
      protocolType: fc.integer({ min: 0, max: 0xffff }),
      hardwareSize: fc.constant(hs),
      protocolSize: fc.constant(ps),
      opcode: fc.integer({ min: 0, max: 0xffff }),
      senderHardwareAddress: fc.uint8Array({ minLength: hs, maxLength: hs }),
      senderProtocolAddress: fc.uint8Array({ minLength: ps, maxLength: ps }),
      targetHardwareAddress: fc.uint8Array({ minLength: hs, maxLength: hs }),
      targetProtocolAddress: fc.uint8Array({ minLength: ps, maxLength: ps }),
    }),
  );

describe('arp properties', () => {
  it('decode(encode(h)) gives h back, for Ethernet/IPv4 and for other sizes', () => {
    fc.assert(
      fc.property(fc.oneof(arbEthernetIpv4, arbOtherSizes), (h) => {
        const bytes = arp.encode(h);
        const d = arp.decode(bytes);
        expect(d.header).toEqual(h);
        expect(d.headerLength).toBe(bytes.length);
        expect(arp.encodingLength(h)).toBe(bytes.length);
      }),
      { numRuns: 500 },
    );
  });

  it('writes only its own bytes when encoding at an offset into a used buffer', () => {
    fc.assert(
      fc.property(fc.oneof(arbEthernetIpv4, arbOtherSizes), fc.integer({ min: 1, max: 40 }), (h, offset) => {
        const alone = arp.encode(h);
        const buf = new Uint8Array(offset + alone.length + 11).fill(0xa5);
        expect(arp.encodeInto(buf, offset, h)).toBe(alone.length);
        expect(buf.subarray(0, offset).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset + alone.length).every((b) => b === 0xa5)).toBe(true);
        expect(toHex(buf.subarray(offset, offset + alone.length))).toBe(toHex(alone));
      }),
      { numRuns: 300 },
    );
  });

  function onlyDecodeErrors(bytes: Uint8Array, offset: number): void {
    expectOnlyDecodeError(() => expect(arp.decode(bytes, offset).payloadOffset).toBeLessThanOrEqual(bytes.length));
  }

  it('throws nothing but DecodeError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(8), onlyDecodeErrors), { numRuns: 2000 });
  });

  it('throws nothing but DecodeError on mutated real packets', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REAL), fc.array(fc.tuple(fc.nat(27), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(60), ({ frame, offset }, edits, cut) => {
        const bytes = frame.slice(0, Math.min(frame.length, offset + cut));
        for (const [at, value] of edits) if (offset + at < bytes.length) bytes[offset + at] = value;
        onlyDecodeErrors(bytes, offset);
      }),
      { numRuns: 2000 },
    );
  });
});
