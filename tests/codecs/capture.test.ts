import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectCaptureFormat, readCapture, readCaptureDetails } from '../../codecs/capture.js';
import { type CaptureRecord, SecretsType } from '../../codecs/capture-record.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { fixturePath, readFixture } from '../helpers/fixtures.js';
import { expectOnlyDecodeError } from '../helpers/decode-errors.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { CAPTURE_FIXTURES, epochToNs, WTAP_ENCAP, wholePrefixes } from './capture-files.js';

const FIELDS = ['frame.encap_type', 'frame.time_epoch', 'frame.cap_len', 'frame.len', 'frame.interface_name', 'frame.comment', 'frame.section_number'];

/** Drains an iterator, returning the records it gave and the error it ended with, if any. */
function drain(bytes: Uint8Array): { records: CaptureRecord[]; error?: unknown } {
  const records: CaptureRecord[] = [];
  try {
    for (const r of readCapture(bytes)) records.push(r);
    return { records };
  } catch (error) {
    return { records, error };
  }
}

describe('readCapture over every fixture', () => {
  for (const fixture of CAPTURE_FIXTURES) {
    it(`${fixture.path}: ${fixture.packets} packets, views into the file`, () => {
      const bytes = readFixture(fixture.path);
      const records = [...readCapture(bytes)];
      expect(records).toHaveLength(fixture.packets);
      for (const r of records) {
        expect(r.data.buffer).toBe(bytes.buffer);
        expect(r.originalLength).toBeGreaterThanOrEqual(r.data.length);
      }
      expect(readCaptureDetails(bytes).packetCount).toBe(fixture.packets);
    });
  }
});

describe.skipIf(skipWithoutTshark)('readCapture against tshark', () => {
  for (const fixture of CAPTURE_FIXTURES) {
    it(`${fixture.path}: time, lengths, link type, interface, comment, section`, () => {
      const bytes = readFixture(fixture.path);
      const format = detectCaptureFormat(bytes);
      // Custom blocks show in tshark as frames without an encapsulation; they are not packets.
      const frames = tsharkFields(fixturePath(fixture.path), FIELDS).filter((f) => f[0] !== '');
      const records = [...readCapture(bytes)];
      const { interfaces } = readCaptureDetails(bytes);
      expect(records.length).toBe(frames.length);
      records.forEach((r, i) => {
        const [encap, epoch, capLen, len, ifName, comment, section] = frames[i];
        expect(WTAP_ENCAP[r.linkType]).toBe(Number(encap));
        if (epoch === '') expect(r.block).toBe('simple');
        else expect(r.timestampNs).toBe(epochToNs(epoch));
        expect(r.data.length).toBe(Number(capLen));
        expect(r.originalLength).toBe(Number(len));
        if (format === 'pcapng') {
          expect(r.section! + 1).toBe(Number(section));
          // tshark 4.0 names an interface by its section-local id in the
          // file-wide list, so past the first section it can show another
          // section's interface; there the IDBs themselves are the judge.
          if (r.section === 0) expect(r.interfaceName ?? 'unknown').toBe(ifName);
          else expect(r.interfaceName).toBe(interfaces.find((x) => x.section === r.section && x.id === r.interfaceId)?.name);
        } else {
          expect(r.interfaceName).toBeUndefined();
          expect(ifName).toBe('');
        }
        expect(r.comments ?? (r.comment === undefined ? [] : [r.comment])).toEqual(comment === '' ? [] : comment.split(','));
      });
    });
  }
});

describe('readCaptureDetails', () => {
  it('gives the key log that the RFC 8448 capture carries in its Decryption Secrets Block', () => {
    const details = readCaptureDetails(readFixture('tls-rfc8448/rfc8448_1rtt_dsb.pcapng'));
    expect(details.format).toBe('pcapng');
    expect(details.decryptionSecrets).toHaveLength(1);
    const [secrets] = details.decryptionSecrets;
    expect(secrets.type).toBe(SecretsType.tlsKeyLog);
    expect(new TextDecoder().decode(secrets.data)).toBe(readFileSync(fixturePath('tls-rfc8448/keylog.txt'), 'utf8'));
  });

  it('reads the three sections of gopacket test202 with their interfaces, names and comments', () => {
    const details = readCaptureDetails(readFixture('captures/gopacket__pcapng_le_test202.pcapng'));
    expect(details.sections.map((s) => s.comments)).toEqual([['test202 SHB-0'], ['test202 SHB-1'], ['test202 SHB-2']]);
    expect(details.sections.map((s) => [s.hardware, s.os, s.userApplication])).toEqual(Array(3).fill(['Apple MBP', 'OS-X 10.10.5', 'pcap_writer.lua']));
    expect(details.interfaces.map((i) => [i.section, i.id, i.name, i.linkType, i.snapLength, i.tsresol])).toEqual([
      [0, 0, 'eth0', 1, 96, 6],
      [0, 1, 'null1', 0, 0, 6],
      [1, 0, 'silly ethernet interface 2', 1, 128, 6],
      [2, 0, 'eth0', 1, 96, 6],
      [2, 1, 'null1', 0, 0, 6],
    ]);
    expect(details.sections.map((s) => s.byteOrder)).toEqual(['little', 'big', 'little']);
    expect(details.nameResolution.length).toBeGreaterThan(0);
    for (const entry of details.nameResolution) {
      expect(entry.names.length).toBeGreaterThan(0);
      expect(entry.address).toMatch(/^(\d+\.\d+\.\d+\.\d+|[0-9a-f:]+)$/);
    }
  });

  it('describes a classic pcap file as one section and one interface', () => {
    const details = readCaptureDetails(readFixture('captures/tcpdump__pptp.pcap'));
    expect(details.format).toBe('pcap');
    expect(details.sections).toEqual([{ index: 0, byteOrder: 'big', majorVersion: 2, minorVersion: 4, comments: [] }]);
    expect(details.interfaces).toHaveLength(1);
    expect(details.interfaces[0]).toMatchObject({ linkType: 1, tsresol: 6 });
    expect(readCaptureDetails(readFixture('captures/tcpdump__tcp-handshake-nano.pcap')).interfaces[0]).toMatchObject({ linkType: 113, tsresol: 9 });
  });

  it('reads an empty pcapng: one section, one interface, no packets', () => {
    const details = readCaptureDetails(readFixture('captures/tcpdump__empty.pcapng'));
    expect(details.sections).toHaveLength(1);
    expect(details.interfaces).toHaveLength(1);
    expect(details.packetCount).toBe(0);
  });
});

describe('format detection and truncation', () => {
  it('rejects a file that is neither format with a pcap DecodeError at offset 0', () => {
    expect(() => detectCaptureFormat(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(DecodeError);
    expect(() => [...readCapture(new Uint8Array(3))]).toThrow(/truncated magic/);
    try {
      [...readCapture(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0))];
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).layer).toBe('pcap');
      expect((e as DecodeError).offset).toBe(0);
    }
  });

  for (const path of ['captures/tcpdump__dns_tcp.pcap', 'captures/tcpdump__pptp.pcap', 'captures/gopacket__pcapng_le_test202.pcapng']) {
    it(`${path}: a file cut anywhere yields the records before the cut, then a DecodeError`, () => {
      const bytes = readFixture(path);
      const whole = [...readCapture(bytes)];
      const ends = wholePrefixes(bytes);
      const wrong: string[] = [];
      for (let cut = 1; cut < bytes.length; cut++) {
        const { records, error } = drain(bytes.subarray(0, cut));
        let lastWhole = 0;
        for (const e of ends) if (e <= cut && e > lastWhole) lastWhole = e;
        const expected = whole.filter((r) => r.fileOffset < lastWhole);
        const same = records.length === expected.length && records.every((r, i) => r.fileOffset === expected[i].fileOffset && r.data.byteOffset === expected[i].data.byteOffset && r.data.length === expected[i].data.length);
        if (!same) wrong.push(`cut ${cut}: ${records.length} records, expected ${expected.length}`);
        if (ends.has(cut) ? error !== undefined : !(error instanceof DecodeError)) wrong.push(`cut ${cut}: ${String(error)}`);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe('reading a file that sits at an offset inside a larger buffer', () => {
  for (const path of ['captures/tcpdump__pptp.pcap', 'captures/gopacket__pcapng_le_test202.pcapng']) {
    it(`${path}: same records from a view at byte 7 of a 0xa5-filled buffer`, () => {
      const bytes = readFixture(path);
      const big = new Uint8Array(bytes.length + 20).fill(0xa5);
      big.set(bytes, 7);
      const view = big.subarray(7, 7 + bytes.length);
      const there = [...readCapture(view)];
      const here = [...readCapture(bytes)];
      expect(there.map((r) => ({ ...r, data: [...r.data] }))).toEqual(here.map((r) => ({ ...r, data: [...r.data] })));
      for (const r of there) expect(r.data.byteOffset).toBeGreaterThanOrEqual(7);
    });
  }
});

function onlyDecodeErrors(bytes: Uint8Array): void {
  expectOnlyDecodeError(() => {
    readCaptureDetails(bytes);
    for (const r of readCapture(bytes)) expect(r.data.length).toBeLessThanOrEqual(bytes.length);
  });
}

const REAL = CAPTURE_FIXTURES.map((f) => readFixture(f.path)).filter((b) => b.length < 16384);

describe('fuzz: readCapture throws only DecodeError', () => {
  it('over random bytes, with and without a valid magic in front', () => {
    const prefix = fc.constantFrom(new Uint8Array(0), Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1), Uint8Array.of(0xa1, 0xb2, 0x3c, 0x4d), Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a), Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a));
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 512 }), (head, tail) => {
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        onlyDecodeErrors(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('over real files with bytes flipped, cut short, or spliced together', () => {
    const file = fc.constantFrom(...REAL);
    const flipped = fc.tuple(file, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })).map(([b, flips]) => {
      const out = b.slice();
      for (const [at, x] of flips) out[at % out.length] ^= x;
      return out;
    });
    const cut = fc.tuple(file, fc.nat()).map(([b, n]) => b.slice(0, n % (b.length + 1)));
    const spliced = fc.tuple(file, file, fc.nat(), fc.nat()).map(([a, b, i, j]) => {
      const head = a.subarray(0, i % (a.length + 1));
      const tail = b.subarray(j % (b.length + 1));
      const out = new Uint8Array(head.length + tail.length);
      out.set(head);
      out.set(tail, head.length);
      return out;
    });
    fc.assert(fc.property(fc.oneof(flipped, cut, spliced), onlyDecodeErrors), { numRuns: 1500 });
  });
});

/** capinfos's file-wide interface list: name, WTAP_ENCAP and snap length of each IDB in file order. */
function capinfosInterfaces(file: string): Array<[string | undefined, number, number]> {
  const text = execFileSync('capinfos', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const first = text.split(/\nSection \d+:/)[1] ?? text;
  return [...first.matchAll(/(?:Name = (.*)\n\s+)?Encapsulation = .*\((\d+) - [^)]*\)\n\s+Capture length = (\d+)/g)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
}

describe.skipIf(skipWithoutTshark)('readCaptureDetails against capinfos', () => {
  for (const path of ['captures/gopacket__pcapng_le_test202.pcapng', 'tls-rfc8448/rfc8448_1rtt_dsb.pcapng', 'captures/tcpdump__empty.pcapng']) {
    it(`${path}: the interfaces, in file order`, () => {
      const expected = capinfosInterfaces(fixturePath(path));
      expect(expected.length).toBeGreaterThan(0);
      const ours = readCaptureDetails(readFixture(path)).interfaces;
      expect(ours.map((i) => [i.name, WTAP_ENCAP[i.linkType], i.snapLength])).toEqual(expected);
    });
  }
});
