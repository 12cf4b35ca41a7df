import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../codecs/decode-error.js';
import * as ethernet from '../../codecs/ethernet.js';
import {
  TCP_MIN_HEADER_LENGTH,
  type TcpHeader,
  TcpFlagBits,
  TcpOffsets,
  decode,
  encode,
  encodeInto,
  encodingLength,
  tcpLayout,
} from '../../codecs/tcp.js';
import { type TcpOption, decodeOptions, encodeOptions, optionsLength } from '../../codecs/tcp-options.js';
import { fromHex } from '../helpers/fixtures.js';
import { decodeErrorOf, expectOnlyDecodeError } from '../helpers/decode-errors.js';
import { REAL_FRAMES, tsharkHex16 } from '../helpers/real-frames.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { pseudoHeaderBytes, referenceChecksum, referenceSum } from './reference-checksum.js';
import { type Segment, segmentFixtures, segmentOfFrame } from './transport-segments.js';

const FILES = ['captures/tcpdump__dns_tcp.pcap', 'captures/tcpdump__bgp-4byte-asn.pcap', 'captures/tcpdump__pptp.pcap', 'captures/tcpdump__tcp-handshake-nano.pcap'];
const RAW = { computeChecksums: false, fixLengths: false } as const;
const PSEUDO = { source: '192.168.1.100', destination: '203.0.113.50' };

const realTcpFrames = REAL_FRAMES.filter((f) => 'tcp.hdr_len' in f.tshark);
const { byFile: segmentsByFile, all: allSegments } = segmentFixtures(FILES, 6, realTcpFrames);

function segmentBytes(s: Segment): Uint8Array {
  return s.bytes.subarray(s.offset, s.offset + s.length);
}

function flagsWord(h: TcpHeader): number {
  let word = h.reserved << 9;
  for (const [name, bit] of Object.entries(TcpFlagBits)) if (h.flags[name as keyof typeof TcpFlagBits]) word |= bit;
  return word;
}

function ofKind<K extends string>(options: readonly TcpOption[], kind: K): Array<Extract<TcpOption, { kind: K }>> {
  return options.filter((o): o is Extract<TcpOption, { kind: K }> => o.kind === kind);
}

describe('tcp on real segments', () => {
  it('finds the TCP segments the manifest lists', () => {
    expect(segmentsByFile.get('captures/tcpdump__dns_tcp.pcap')).toHaveLength(11);
    expect(segmentsByFile.get('captures/tcpdump__bgp-4byte-asn.pcap')).toHaveLength(79);
    expect(segmentsByFile.get('captures/tcpdump__pptp.pcap')).toHaveLength(22);
    expect(segmentsByFile.get('captures/tcpdump__tcp-handshake-nano.pcap')).toHaveLength(3);
    expect(realTcpFrames.length).toBeGreaterThan(0);
  });

  it('re-encodes every segment byte for byte with checksums and lengths as they are', () => {
    for (const s of allSegments) {
      const { header, payload } = decode(s.bytes, s.offset, s.length);
      expect(encode(header, payload, RAW)).toEqual(segmentBytes(s));
    }
  });

  it('re-encodes every segment byte for byte when it computes checksum and data offset itself', () => {
    for (const s of allSegments) {
      const { header, payload } = decode(s.bytes, s.offset, s.length);
      expect(encode(header, payload, { pseudoHeader: { source: s.source, destination: s.destination } })).toEqual(segmentBytes(s));
    }
  });

  it('finds every real checksum valid, agreeing with the independent sum', () => {
    for (const s of allSegments) {
      const { header } = decode(s.bytes, s.offset, s.length, { source: s.source, destination: s.destination });
      expect(header.checksumValid).toBe(true);
      expect(referenceSum(pseudoHeaderBytes(s.source, s.destination, 6, s.length), segmentBytes(s))).toBe(0xffff);
    }
  });

  it('leaves checksumValid undefined without a pseudo-header, and judges a wrong one invalid', () => {
    const s = allSegments[0];
    expect(decode(s.bytes, s.offset, s.length).header.checksumValid).toBeUndefined();
    expect(decode(s.bytes, s.offset, s.length, { source: '10.9.9.9', destination: s.destination }).header.checksumValid).toBe(false);
  });

  it('stops the payload at the IPv4 length, leaving the Ethernet padding out', () => {
    const padded = allSegments.filter((s) => s.offset + s.length < s.bytes.length);
    expect(padded.length).toBeGreaterThan(0);
    for (const s of padded) {
      const d = decode(s.bytes, s.offset, s.length);
      expect(d.payloadOffset + d.payloadLength).toBe(s.offset + s.length);
      expect(d.payload.buffer).toBe(s.bytes.buffer);
    }
  });

  it('agrees with tshark on the SYN kept in real_frames.json', () => {
    for (const f of realTcpFrames) {
      const s = segmentOfFrame(fromHex(f.hex), 6);
      const { header: h } = decode(s.bytes, s.offset, s.length, s);
      const t = f.tshark;
      expect(tsharkHex16(h.checksum)).toBe(t['tcp.checksum']);
      expect(String(h.dataOffset * 4)).toBe(t['tcp.hdr_len']);
      expect(String(h.window)).toBe(t['tcp.window_size_value']);
      expect(ofKind(h.options, 'mss').map((o) => String(o.value)).join(',')).toBe(t['tcp.options.mss_val']);
      expect(ofKind(h.options, 'windowScale').map((o) => String(o.shiftCount)).join(',')).toBe(t['tcp.options.wscale.shift']);
      expect(ofKind(h.options, 'timestamps').map((o) => String(o.value)).join(',')).toBe(t['tcp.options.timestamp.tsval']);
      expect(ofKind(h.options, 'timestamps').map((o) => String(o.echoReply)).join(',')).toBe(t['tcp.options.timestamp.tsecr']);
      expect(ofKind(h.options, 'sackPermitted')).toHaveLength(t['tcp.options.sack_perm'] ? 1 : 0);
      expect(h.checksumValid).toBe(true);
    }
  });

  it('decodes the fixed 20 bytes as the buffer-layout declaration does', () => {
    for (const s of allSegments) {
      const { header: h } = decode(s.bytes, s.offset, s.length);
      const l = tcpLayout.decode(Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength), s.offset);
      const word = l.offsetAndFlags;
      expect(h).toMatchObject({
        sourcePort: l.sourcePort,
        destinationPort: l.destinationPort,
        sequenceNumber: l.sequenceNumber,
        acknowledgmentNumber: l.acknowledgmentNumber,
        window: l.window,
        checksum: l.checksum,
        urgentPointer: l.urgentPointer,
        dataOffset: word.dataOffset,
        reserved: word.reserved,
        flags: { fin: word.fin, syn: word.syn, rst: word.rst, psh: word.psh, ack: word.ack, urg: word.urg, ece: word.ece, cwr: word.cwr, ns: word.ns },
      });
    }
    expect(tcpLayout.span).toBe(TCP_MIN_HEADER_LENGTH);
  });

  it('has offsets that point where the fields are', () => {
    const s = allSegments.find((x) => decode(x.bytes, x.offset, x.length).header.flags.ack)!;
    const { header: h } = decode(s.bytes, s.offset, s.length);
    const at = (o: number) => (s.bytes[s.offset + o] << 8) | s.bytes[s.offset + o + 1];
    expect(at(TcpOffsets.sourcePort)).toBe(h.sourcePort);
    expect(at(TcpOffsets.destinationPort)).toBe(h.destinationPort);
    expect((at(TcpOffsets.sequenceNumber) * 0x10000 + at(TcpOffsets.sequenceNumber + 2))).toBe(h.sequenceNumber);
    expect((at(TcpOffsets.acknowledgmentNumber) * 0x10000 + at(TcpOffsets.acknowledgmentNumber + 2))).toBe(h.acknowledgmentNumber);
    expect(s.bytes[s.offset + TcpOffsets.dataOffset] >> 4).toBe(h.dataOffset);
    expect(s.bytes[s.offset + TcpOffsets.flags] & TcpFlagBits.ack).toBe(TcpFlagBits.ack);
    expect(at(TcpOffsets.window)).toBe(h.window);
    expect(at(TcpOffsets.checksum)).toBe(h.checksum);
    expect(at(TcpOffsets.urgentPointer)).toBe(h.urgentPointer);
    expect(at(TcpOffsets.dataOffset) & 0x1ff).toBe(flagsWord(h) & 0x1ff);
  });
});

describe.skipIf(skipWithoutTshark)('tcp against tshark', () => {
  const FIELDS = [
    'frame.number',
    'tcp.srcport',
    'tcp.dstport',
    'tcp.seq_raw',
    'tcp.ack_raw',
    'tcp.hdr_len',
    'tcp.flags',
    'tcp.window_size_value',
    'tcp.checksum',
    'tcp.checksum.status',
    'tcp.urgent_pointer',
    'tcp.options.mss_val',
    'tcp.options.wscale.shift',
    'tcp.options.sack_perm',
    'tcp.options.timestamp.tsval',
    'tcp.options.timestamp.tsecr',
    'tcp.options.sack_le',
    'tcp.options.sack_re',
  ];
  const EXTRA = ['-o', 'tcp.check_checksum:TRUE', '-o', 'tcp.relative_sequence_numbers:FALSE', '-Y', 'tcp && !icmp'];

  /** What tshark would print for our header, field by field in FIELDS' order. */
  function ours(frame: number, h: TcpHeader): string[] {
    const sacks = ofKind(h.options, 'sack').flatMap((o) => o.blocks);
    return [
      String(frame),
      String(h.sourcePort),
      String(h.destinationPort),
      String(h.sequenceNumber),
      String(h.acknowledgmentNumber),
      String(h.dataOffset * 4),
      `0x${flagsWord(h).toString(16).padStart(4, '0')}`,
      String(h.window),
      tsharkHex16(h.checksum),
      h.checksumValid ? '1' : '0',
      String(h.urgentPointer),
      ofKind(h.options, 'mss').map((o) => o.value).join(','),
      ofKind(h.options, 'windowScale').map((o) => o.shiftCount).join(','),
      ofKind(h.options, 'sackPermitted').map(() => '0402').join(','),
      ofKind(h.options, 'timestamps').map((o) => o.value).join(','),
      ofKind(h.options, 'timestamps').map((o) => o.echoReply).join(','),
      sacks.map((b) => b.left).join(','),
      sacks.map((b) => b.right).join(','),
    ];
  }

  for (const file of FILES) {
    it(`decodes every segment of ${file} as tshark does`, () => {
      const theirs = tsharkFields(`fixtures/${file}`, FIELDS, EXTRA);
      const segments = segmentsByFile.get(file)!;
      expect(segments.map((s) => String(s.frame))).toEqual(theirs.map((row) => row[0]));
      segments.forEach((s, i) => {
        const { header } = decode(s.bytes, s.offset, s.length, { source: s.source, destination: s.destination });
        expect(ours(s.frame, header)).toEqual(theirs[i]);
      });
    });
  }

  it('writes segments whose every option kind tshark reads back, with a good checksum', () => {
    const source = '10.0.0.1';
    const destination = '10.0.0.2';
    const base: TcpHeader = {
      sourcePort: 40000,
      destinationPort: 443,
      sequenceNumber: 0xfffffff0,
      acknowledgmentNumber: 0,
      dataOffset: 0,
      reserved: 0,
      flags: { fin: false, syn: true, rst: false, psh: false, ack: false, urg: false, ece: true, cwr: true, ns: false },
      window: 64240,
      checksum: 0,
      urgentPointer: 0,
      options: [],
    };
    const headers: TcpHeader[] = [
      { ...base, options: [{ kind: 'mss', value: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', value: 4000000000, echoReply: 0 }, { kind: 'nop' }, { kind: 'windowScale', shiftCount: 7 }] },
      { ...base, options: [{ kind: 'mss', value: 1400 }, { kind: 'fastOpen', cookie: fromHex('0011223344556677') }] },
      { ...base, options: [{ kind: 'mss', value: 536 }, { kind: 'fastOpen', cookie: new Uint8Array(0) }, { kind: 'eol' }] },
      {
        ...base,
        acknowledgmentNumber: 1000,
        flags: { ...base.flags, syn: false, ece: false, cwr: false, ack: true },
        options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: [{ left: 2000, right: 3000 }, { left: 0xfffff000, right: 0xffffffff }] }],
      },
      { ...base, options: [{ kind: 'mss', value: 1460 }, { kind: 30, data: fromHex('0102') }] },
    ];
    const frames = headers.map((h) => frameAround(encode(h, new Uint8Array(0), { pseudoHeader: { source, destination } }), source, destination));
    const dir = mkdtempSync(join(tmpdir(), 'tcp-codec-'));
    const file = join(dir, 'written.pcap');
    writeFileSync(file, classicPcap(frames));
    const fields = ['tcp.checksum.status', 'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.timestamp.tsval', 'tcp.options.sack_le', 'tcp.options.sack_re', 'tcp.options.tfo.cookie', 'tcp.option_kind', '_ws.malformed'];
    const rows = tsharkFields(file, fields, ['-o', 'tcp.check_checksum:TRUE', '-o', 'tcp.relative_sequence_numbers:FALSE']);
    expect(rows.map((r) => r[0])).toEqual(['1', '1', '1', '1', '1']);
    expect(rows[0].slice(1, 4)).toEqual(['1460', '7', '4000000000']);
    expect(rows[1][6]).toBe('0011223344556677');
    // tshark lists the zero padding after the EOL as a second EOL.
    expect(rows[2][7]).toBe('2,34,0,0');
    expect(rows[3].slice(4, 6)).toEqual(['2000,4294963200', '3000,4294967295']);
    expect(rows[4][7]).toBe('2,30');
    for (const r of rows) expect(r[8]).toBe('');
  });
});

/** An Ethernet and IPv4 header around a transport segment, so that tshark can read it. */
function frameAround(segment: Uint8Array, source: string, destination: string): Uint8Array {
  const ip = new Uint8Array(20 + segment.length);
  ip.set([0x45, 0, ip.length >> 8, ip.length & 0xff, 0, 1, 0x40, 0, 64, 6]);
  ip.set(source.split('.').map(Number), 12);
  ip.set(destination.split('.').map(Number), 16);
  const checksum = referenceChecksum(ip.subarray(0, 20));
  ip[10] = checksum >> 8;
  ip[11] = checksum & 0xff;
  ip.set(segment, 20);
  return ethernet.encode({ destination: '02:00:00:00:00:02', source: '02:00:00:00:00:01', etherType: 0x0800 }, ip);
}

function classicPcap(frames: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const fileHeader = new DataView(new ArrayBuffer(24));
  fileHeader.setUint32(0, 0xa1b2c3d4, true);
  fileHeader.setUint16(4, 2, true);
  fileHeader.setUint16(6, 4, true);
  fileHeader.setUint32(16, 65535, true);
  fileHeader.setUint32(20, 1, true);
  parts.push(new Uint8Array(fileHeader.buffer));
  frames.forEach((frame, i) => {
    const record = new DataView(new ArrayBuffer(16));
    record.setUint32(0, 1_700_000_000 + i, true);
    record.setUint32(8, frame.length, true);
    record.setUint32(12, frame.length, true);
    parts.push(new Uint8Array(record.buffer), frame);
  });
  return Buffer.concat(parts);
}

const FLAGS = fc.record({ fin: fc.boolean(), syn: fc.boolean(), rst: fc.boolean(), psh: fc.boolean(), ack: fc.boolean(), urg: fc.boolean(), ece: fc.boolean(), cwr: fc.boolean(), ns: fc.boolean() });
const U32 = fc.integer({ min: 0, max: 0xffffffff });
const U16 = fc.integer({ min: 0, max: 0xffff });
const KNOWN_KINDS = new Set([0, 1, 2, 3, 4, 5, 8, 34]);

const optionArb: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  U16.map<TcpOption>((value) => ({ kind: 'mss', value })),
  fc.integer({ min: 0, max: 255 }).map<TcpOption>((shiftCount) => ({ kind: 'windowScale', shiftCount })),
  fc.constant<TcpOption>({ kind: 'sackPermitted' }),
  fc.array(fc.record({ left: U32, right: U32 }), { minLength: 1, maxLength: 4 }).map<TcpOption>((blocks) => ({ kind: 'sack', blocks })),
  fc.record({ value: U32, echoReply: U32 }).map<TcpOption>(({ value, echoReply }) => ({ kind: 'timestamps', value, echoReply })),
  fc.uint8Array({ maxLength: 16 }).map<TcpOption>((cookie) => ({ kind: 'fastOpen', cookie })),
  fc
    .record({ kind: fc.integer({ min: 2, max: 255 }).filter((k) => !KNOWN_KINDS.has(k)), data: fc.uint8Array({ maxLength: 10 }) })
    .map<TcpOption>(({ kind, data }) => ({ kind, data })),
);

const optionsArb: fc.Arbitrary<TcpOption[]> = fc
  .tuple(fc.array(optionArb, { maxLength: 6 }), fc.option(fc.uint8Array({ minLength: 1, maxLength: 6 }), { nil: undefined }), fc.boolean())
  .map(([list, padding, withEol]) => (withEol ? [...list, padding ? { kind: 'eol' as const, padding } : { kind: 'eol' as const }] : list))
  .filter((list) => optionsLength(list) <= 40);

const headerArb: fc.Arbitrary<TcpHeader> = fc.record({
  sourcePort: U16,
  destinationPort: U16,
  sequenceNumber: U32,
  acknowledgmentNumber: U32,
  dataOffset: fc.integer({ min: 0, max: 15 }),
  reserved: fc.integer({ min: 0, max: 7 }),
  flags: FLAGS,
  window: U16,
  checksum: U16,
  urgentPointer: U16,
  options: optionsArb,
});

const ipv4Arb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const pseudoArb = fc.record({ source: ipv4Arb, destination: ipv4Arb });

/** The options as decode gives them back after encode padded them with zeros to a 32-bit boundary. */
function padded(options: readonly TcpOption[]): TcpOption[] {
  const length = optionsLength(options);
  const pad = ((length + 3) & ~3) - length;
  if (pad === 0) return [...options];
  const last = options[options.length - 1];
  if (last?.kind === 'eol') return [...options.slice(0, -1), { kind: 'eol', padding: new Uint8Array([...(last.padding ?? []), ...new Uint8Array(pad)]) }];
  return [...options, pad === 1 ? { kind: 'eol' } : { kind: 'eol', padding: new Uint8Array(pad - 1) }];
}

describe('tcp properties', () => {
  it('decodes what it encodes, with the data offset and checksum it computed', () => {
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 64 }), pseudoArb, (h, payload, pseudo) => {
        const bytes = encode(h, payload, { pseudoHeader: pseudo });
        const d = decode(bytes, 0, bytes.length, pseudo);
        const dataOffset = (TCP_MIN_HEADER_LENGTH + ((optionsLength(h.options) + 3) & ~3)) / 4;
        expect(d.header).toEqual({ ...h, dataOffset, checksum: d.header.checksum, checksumValid: true, options: padded(h.options) });
        expect(d.payload).toEqual(payload);
        expect(d.headerLength).toBe(dataOffset * 4);
        expect(bytes.length).toBe(encodingLength(h, payload.length));
        // An independent full recompute over pseudo-header, header and payload gives the same checksum.
        const zeroed = bytes.slice();
        zeroed[16] = 0;
        zeroed[17] = 0;
        expect(d.header.checksum).toBe(referenceChecksum(pseudoHeaderBytes(pseudo.source, pseudo.destination, 6, bytes.length), zeroed));
        // And a decoded header written back as it is gives the same bytes.
        expect(encode(d.header, d.payload, RAW)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes the header fields as given when both options are off', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const bytes = encode(h, new Uint8Array(0), RAW);
        expect(bytes[12] >> 4).toBe(h.dataOffset);
        expect((bytes[16] << 8) | bytes[17]).toBe(h.checksum);
      }),
      { numRuns: 300 },
    );
  });

  it('writes at a non-zero offset and touches nothing outside what it wrote', () => {
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 32 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 16 }), (h, payload, offset, slack) => {
        const options = { pseudoHeader: PSEUDO };
        const length = encodingLength(h, payload.length, options);
        const buf = new Uint8Array(offset + length + slack).fill(0xa5);
        expect(encodeInto(buf, offset, h, payload, options)).toBe(length);
        expect(buf.subarray(0, offset).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset + length).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset, offset + length)).toEqual(encode(h, payload, options));
        const d = decode(buf, offset, length, PSEUDO);
        expect(d.payloadOffset).toBe(offset + length - payload.length);
        expect(d.header.checksumValid).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('throws only DecodeError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: -2, max: 90 }), fc.integer({ min: -2, max: 90 }), (bytes, offset, length) => {
        expectOnlyDecodeError(() => decode(bytes, offset, length, PSEUDO));
        expectOnlyDecodeError(() => decode(bytes, offset));
      }),
      { numRuns: 3000 },
    );
  });

  it('throws only DecodeError on mutated real segments', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: allSegments.length - 1 }),
        fc.array(fc.tuple(fc.nat(80), fc.nat(255)), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: -8, max: 8 }),
        (which, mutations, lengthChange) => {
          const s = allSegments[which];
          const bytes = s.bytes.slice();
          for (const [at, value] of mutations) bytes[s.offset + (at % (s.length || 1))] = value;
          expectOnlyDecodeError(() => decode(bytes, s.offset, s.length + lengthChange, s));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

function headerWith(options: string): Uint8Array {
  const opts = fromHex(options);
  const out = new Uint8Array(20 + opts.length);
  out.set(fromHex('04d2005000000001000000000002ffff00000000'));
  out[12] = ((20 + opts.length) / 4) << 4;
  out.set(opts, 20);
  return out;
}

describe('tcp errors and edge cases', () => {
  it('rejects fewer than 20 bytes, a data offset below 5 and a header longer than the segment', () => {
    const good = headerWith('020405b4');
    expect(decodeErrorOf(() => decode(good, 0, 19)).reason).toMatch(/truncated header/);
    const low = good.slice();
    low[12] = 4 << 4;
    expect(decodeErrorOf(() => decode(low)).reason).toMatch(/data offset 4 is below 5/);
    expect(decodeErrorOf(() => decode(good, 0, 22))).toMatchObject({ layer: 'tcp', need: 24, have: 22 });
    expect(decodeErrorOf(() => decode(good, 0, 25))).toMatchObject({ reason: 'segment runs past the buffer', need: 25, have: 24 });
    expect(decodeErrorOf(() => decode(good, 30))).toMatchObject({ reason: 'segment runs past the buffer' });
  });

  it('names the option and its offset when an option is malformed', () => {
    const cases: Array<[string, RegExp, number]> = [
      ['020305', /mss option length 3, should be 4/, 20],
      ['01010303', /windowScale option runs past the header/, 22],
      ['0101010000000a00000000000000', /kind 0/, -1],
      ['0403', /sackPermitted option length 3, should be 2/, 20],
      ['080900000000000000000000', /timestamps option length 9, should be 10/, 20],
      ['0502000000', /sack option length 2/, 20],
      ['05060000000100', /sack option length 6/, 20],
      ['010101fe', /kind 254 option has no length byte/, 23],
      ['fe010000', /kind 254 option length 1 is below 2/, 20],
      ['22000000', /fastOpen option length 0 is below 2/, 20],
    ];
    for (const [options, reason, offset] of cases) {
      const bytes = headerWith(options.length % 8 === 0 ? options : options + '00'.repeat(4 - ((options.length / 2) % 4)));
      if (offset < 0) {
        // An EOL ends the list: what follows is padding, not options, so this one decodes.
        expect(decode(bytes).header.options.at(-1)?.kind).toBe('eol');
        continue;
      }
      const error = decodeErrorOf(() => decode(bytes));
      expect(error.reason).toMatch(reason);
      expect(error.offset).toBe(offset);
    }
  });

  it('keeps unknown kinds and the bytes after an EOL, so the header writes back exactly', () => {
    const bytes = headerWith('fe06f989aabb0101220a00112233445566770000009900ff');
    const { header } = decode(bytes);
    expect(header.options).toEqual([
      { kind: 254, data: fromHex('f989aabb') },
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'fastOpen', cookie: fromHex('0011223344556677') },
      { kind: 'eol', padding: fromHex('00009900ff') },
    ]);
    expect(encode(header, new Uint8Array(0), RAW)).toEqual(bytes);
  });

  it('keeps option bytes as copies that survive the buffer being rewritten', () => {
    const bytes = headerWith('fe04aabb');
    const { header } = decode(bytes);
    bytes.fill(0);
    expect(header.options).toEqual([{ kind: 254, data: fromHex('aabb') }]);
  });

  it('reads and writes the options alone, for building SYNs', () => {
    const options: TcpOption[] = [{ kind: 'mss', value: 1460 }, { kind: 'sackPermitted' }, { kind: 'timestamps', value: 1, echoReply: 2 }, { kind: 'nop' }, { kind: 'windowScale', shiftCount: 7 }];
    expect(optionsLength(options)).toBe(20);
    const buf = new Uint8Array(24).fill(0xa5);
    expect(encodeOptions(buf, 2, options)).toBe(20);
    expect(buf.subarray(2, 22)).toEqual(fromHex('020405b4 0402 080a0000000100000002 01 030307'));
    expect([buf[0], buf[1], buf[22], buf[23]]).toEqual([0xa5, 0xa5, 0xa5, 0xa5]);
    expect(decodeOptions(buf, 2, 22)).toEqual(options);
    expect(() => decodeOptions(buf, 20, 30)).toThrow(/truncated options/);
    expect(() => decodeOptions(buf, -1, 4)).toThrow(DecodeError);
  });

  it('sets every flag bit where TcpFlagBits says, NS in byte 12 and the reserved bits beside it', () => {
    const all = { fin: true, syn: true, rst: true, psh: true, ack: true, urg: true, ece: true, cwr: true, ns: true };
    const none = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false, ns: false };
    const base: TcpHeader = { sourcePort: 1, destinationPort: 2, sequenceNumber: 3, acknowledgmentNumber: 4, dataOffset: 5, reserved: 0, flags: none, window: 5, checksum: 0, urgentPointer: 0, options: [] };
    for (const [name, bit] of Object.entries(TcpFlagBits)) {
      const bytes = encode({ ...base, flags: { ...none, [name]: true } }, new Uint8Array(0), RAW);
      expect((bytes[12] << 8) | bytes[13]).toBe((5 << 12) | bit);
    }
    const full = encode({ ...base, reserved: 7, flags: all }, new Uint8Array(0), RAW);
    expect([full[12], full[13]]).toEqual([0x5f, 0xff]);
    expect(decode(full).header).toMatchObject({ reserved: 7, flags: all });
  });

  it('refuses to compute a checksum without a pseudo-header, and more than 40 bytes of options', () => {
    const h: TcpHeader = { sourcePort: 1, destinationPort: 2, sequenceNumber: 3, acknowledgmentNumber: 4, dataOffset: 5, reserved: 0, flags: { fin: false, syn: true, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false, ns: false }, window: 5, checksum: 0, urgentPointer: 0, options: [] };
    expect(() => encode(h)).toThrow(/pseudoHeader/);
    expect(encode(h, new Uint8Array(0), { computeChecksums: false })).toHaveLength(20);
    const tooMany: TcpOption[] = [{ kind: 'sack', blocks: [1, 2, 3, 4].map((n) => ({ left: n, right: n })) }, { kind: 'mss', value: 1 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'nop' }];
    expect(optionsLength(tooMany)).toBe(43);
    expect(() => encode({ ...h, options: tooMany }, new Uint8Array(0), { pseudoHeader: PSEUDO })).toThrow(/exceed the 40/);
    expect(encode({ ...h, options: tooMany.slice(0, 4) }, new Uint8Array(0), { pseudoHeader: PSEUDO })).toHaveLength(60);
  });
});
