import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../codecs/capture.js';
import { collect } from '../../codecs/capture-record.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { LinkType } from '../../codecs/link-type.js';
import { decodePcapHeader, MAX_CAPTURED_LENGTH, PCAP_HEADER_LENGTH, pcapHeaderLayout, pcapRecordLayout, PcapWriter, readPcap } from '../../codecs/pcap.js';
import { readFixture } from '../helpers/fixtures.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { CAPTURE_FIXTURES, epochToNs } from './capture-files.js';

const CLASSIC = CAPTURE_FIXTURES.filter((f) => f.path.endsWith('.pcap'));
const TLS = [...readCapture(readFixture('tls-rfc8448/rfc8448_1rtt.pcap'))];
const BASE_NS = 1_700_000_000_987_654_321n;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

describe('classic pcap headers against the buffer-layout declarations', () => {
  for (const fixture of CLASSIC) {
    it(`${fixture.path}: file header and first record header`, () => {
      const bytes = readFixture(fixture.path);
      const header = decodePcapHeader(bytes);
      const oracle = pcapHeaderLayout[header.byteOrder].decode(asBuffer(bytes));
      expect([oracle.versionMajor, oracle.versionMinor, oracle.thiszone | 0, oracle.sigfigs, oracle.snapLength, oracle.network & 0xffff]).toEqual([
        header.versionMajor,
        header.versionMinor,
        header.thiszone,
        header.sigfigs,
        header.snapLength,
        header.linkType,
      ]);
      expect(oracle.magic).toBe(header.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4);
      const [first] = readPcap(bytes);
      const record = pcapRecordLayout[header.byteOrder].decode(asBuffer(bytes), PCAP_HEADER_LENGTH);
      const scale = header.nanosecond ? 1n : 1000n;
      expect(first.timestampNs).toBe(BigInt(record.seconds) * 1_000_000_000n + BigInt(record.fraction) * scale);
      expect([first.data.length, first.originalLength, first.fileOffset]).toEqual([record.capturedLength, record.originalLength, PCAP_HEADER_LENGTH]);
    });
  }

  it('tells the byte orders and resolutions apart', () => {
    expect(decodePcapHeader(readFixture('captures/tcpdump__pptp.pcap'))).toMatchObject({ byteOrder: 'big', nanosecond: false, linkType: LinkType.ethernet });
    expect(decodePcapHeader(readFixture('captures/tcpdump__tcp-handshake-nano.pcap'))).toMatchObject({ byteOrder: 'little', nanosecond: true, linkType: LinkType.linuxSll });
    expect(decodePcapHeader(readFixture('captures/dnscap__frags.pcap'))).toMatchObject({ linkType: LinkType.ipv4 });
  });
});

function writeTls(resolution: 'ns' | 'us'): Uint8Array {
  const out = collect();
  const writer = new PcapWriter(out.sink, { resolution });
  TLS.forEach((r, i) => writer.writePacket({ timestampNs: BASE_NS + BigInt(i) * 1_234_567n, data: r.data }));
  return out.bytes();
}

function expectedNs(i: number, resolution: 'ns' | 'us'): bigint {
  const ns = BASE_NS + BigInt(i) * 1_234_567n;
  return resolution === 'ns' ? ns : ns - (ns % 1000n);
}

for (const resolution of ['ns', 'us'] as const) {
  describe(`PcapWriter (${resolution})`, () => {
    it('reads back as written, and two writes give the same bytes', () => {
      const bytes = writeTls(resolution);
      expect(bytes).toEqual(writeTls(resolution));
      const records = [...readCapture(bytes)];
      expect(records.map((r) => [r.linkType, r.timestampNs, [...r.data], r.originalLength])).toEqual(TLS.map((t, i) => [t.linkType, expectedNs(i, resolution), [...t.data], t.data.length]));
    });

    it('streams the file header first, then one chunk per packet', () => {
      const chunks: Uint8Array[] = [];
      const writer = new PcapWriter((c) => chunks.push(c), { resolution });
      expect(chunks.map((c) => c.length)).toEqual([24]);
      writer.writePacket({ timestampNs: 5n, data: new Uint8Array(3) });
      expect(chunks.map((c) => c.length)).toEqual([24, 19]);
    });

    describe.skipIf(skipWithoutTshark)('judged by tshark', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'wirepath-pcap-')), `tls-${resolution}.pcap`);
      writeFileSync(file, writeTls(resolution));

      it('passes the clean-file verdict as the right file type', () => {
        const verdict = pcapVerdict(file);
        expect(verdict.problems).toEqual([]);
        expect(verdict.fileType).toBe(resolution === 'ns' ? 'nsecpcap' : 'pcap');
        expect(verdict.packets).toBe(TLS.length);
      });

      it('shows the times and lengths written', () => {
        const frames = tsharkFields(file, ['frame.time_epoch', 'frame.cap_len', 'frame.len', 'frame.encap_type']);
        expect(frames.map(([t, c, l, e]) => [epochToNs(t), Number(c), Number(l), Number(e)])).toEqual(TLS.map((r, i) => [expectedNs(i, resolution), r.data.length, r.data.length, 1]));
      });
    });
  });
}

describe('PcapWriter limits', () => {
  it('cuts packets at the snap length and keeps the original length', () => {
    const out = collect();
    new PcapWriter(out.sink, { snapLength: 4, linkType: LinkType.raw }).writePacket({ timestampNs: 0n, data: Uint8Array.of(1, 2, 3, 4, 5, 6) });
    const [record] = [...readCapture(out.bytes())];
    expect([...record.data]).toEqual([1, 2, 3, 4]);
    expect(record.originalLength).toBe(6);
    expect(record.linkType).toBe(LinkType.raw);
  });

  it('refuses times outside 32-bit seconds and an original length below the captured one', () => {
    const writer = new PcapWriter(() => {});
    expect(() => writer.writePacket({ timestampNs: -1n, data: new Uint8Array(1) })).toThrow(RangeError);
    expect(() => writer.writePacket({ timestampNs: 1n << 32n << 30n, data: new Uint8Array(1) })).toThrow(RangeError);
    expect(() => writer.writePacket({ timestampNs: 0n, data: new Uint8Array(4), originalLength: 3 })).toThrow(RangeError);
  });
});

describe('PcapWriter → readCapture round trip', () => {
  it('gives back every packet, in either resolution', () => {
    const packet = fc.record({ timestampNs: fc.bigInt({ min: 0n, max: 0xffffffffn * 1_000_000_000n + 999_999_999n }), data: fc.uint8Array({ maxLength: 100 }), extra: fc.nat({ max: 1000 }) });
    fc.assert(
      fc.property(fc.constantFrom('ns' as const, 'us' as const), fc.nat({ max: 300 }), fc.array(packet, { maxLength: 10 }), (resolution, linkType, packets) => {
        const out = collect();
        const writer = new PcapWriter(out.sink, { resolution, linkType });
        for (const p of packets) writer.writePacket({ timestampNs: p.timestampNs, data: p.data, originalLength: p.data.length + p.extra });
        const records = [...readCapture(out.bytes())];
        expect(records.map((r) => [r.linkType, r.timestampNs, [...r.data], r.originalLength])).toEqual(
          packets.map((p) => [linkType, resolution === 'ns' ? p.timestampNs : p.timestampNs - (p.timestampNs % 1000n), [...p.data], p.data.length + p.extra]),
        );
      }),
      { numRuns: 300 },
    );
  });
});

function errorOf(bytes: Uint8Array): DecodeError {
  try {
    for (const _ of readPcap(bytes));
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('no DecodeError');
}

describe('readPcap rejects damaged files with a DecodeError that says where', () => {
  const file = readFixture('captures/tcpdump__dns_udp.pcap');

  it('a bad magic and a short file header', () => {
    const bad = file.slice();
    bad[0] = 0;
    expect(errorOf(bad)).toMatchObject({ layer: 'pcap', offset: 0, reason: 'bad magic 0x00c3b2a1' });
    expect(errorOf(file.subarray(0, 20))).toMatchObject({ layer: 'pcap', offset: 0, reason: 'truncated file header', need: 24, have: 20 });
  });

  it('a truncated record header and truncated record data, after the good records', () => {
    const [first] = readPcap(file);
    const secondAt = PCAP_HEADER_LENGTH + 16 + first.data.length;
    expect(errorOf(file.subarray(0, secondAt + 10))).toMatchObject({ offset: secondAt, reason: 'truncated record header', need: 16, have: 10 });
    expect(errorOf(file.subarray(0, secondAt + 20))).toMatchObject({ offset: secondAt + 16, reason: 'truncated record data', have: 4 });
    const records: number[] = [];
    expect(() => {
      for (const r of readPcap(file.subarray(0, secondAt + 20))) records.push(r.fileOffset);
    }).toThrow(DecodeError);
    expect(records).toEqual([PCAP_HEADER_LENGTH]);
  });

  it('a captured length over the sane bound', () => {
    const bad = file.slice();
    new DataView(bad.buffer).setUint32(PCAP_HEADER_LENGTH + 8, MAX_CAPTURED_LENGTH + 1, true);
    expect(errorOf(bad)).toMatchObject({ offset: PCAP_HEADER_LENGTH + 8, reason: `captured length ${MAX_CAPTURED_LENGTH + 1} is over ${MAX_CAPTURED_LENGTH}` });
  });
});
