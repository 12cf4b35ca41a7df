import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../codecs/bytes.js';
import { readCapture, readCaptureDetails } from '../../codecs/capture.js';
import { type CaptureRecord, type CaptureSink, collect, SecretsType } from '../../codecs/capture-record.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { LinkType } from '../../codecs/link-type.js';
import { blockHeaderLayout, decryptionSecretsLayout, enhancedPacketLayout, interfaceDescriptionLayout, readPcapng, sectionHeaderLayout } from '../../codecs/pcapng.js';
import { PcapngWriter } from '../../codecs/pcapng-writer.js';
import { fixturePath, readFixture } from '../helpers/fixtures.js';
import { decodeErrorOf } from '../helpers/decode-errors.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { epochToNs } from './capture-files.js';

const KEYLOG = readFileSync(fixturePath('tls-rfc8448/keylog.txt'), 'utf8');
const TLS = [...readCapture(readFixture('tls-rfc8448/rfc8448_1rtt.pcap'))];
const DNS = [...readCapture(readFixture('captures/tcpdump__dns_udp.pcap'))];
const SLL = [...readCapture(readFixture('captures/tcpdump__tcp-handshake-nano.pcap'))];
const BASE_NS = 1_700_000_000_123_456_789n;
const CLIENT = '192.0.2.1';
const SERVER = '192.0.2.2';

interface Expected {
  readonly interfaceName: string;
  readonly linkType: number;
  readonly timestampNs: bigint;
  readonly data: Uint8Array;
  readonly comment: string;
  readonly direction: 'inbound' | 'outbound';
  readonly packetId: bigint;
}

/** The test capture: DNS and TLS on an Ethernet interface, a TCP handshake on an SLL one, names, and the TLS key log before the TLS packets. */
function writeTestCapture(sink: CaptureSink): Expected[] {
  const writer = new PcapngWriter(sink, { comment: 'DNS, a TCP handshake, and a TLS 1.3 handshake with its key log' });
  const laptop = writer.addInterface({ name: 'laptop:eth0', description: 'the client side' });
  const router = writer.addInterface({ name: 'router:eth1', linkType: LinkType.linuxSll, snapLength: 65535 });
  writer.writeNameResolution([
    { address: CLIENT, names: ['laptop.example'] },
    { address: SERVER, names: ['ec2.us-east-1.example', 'api.example'] },
  ]);
  const written: Expected[] = [];
  const write = (interfaceId: number, record: CaptureRecord, comment: string, direction: 'inbound' | 'outbound'): void => {
    const packet = { interfaceId, timestampNs: BASE_NS + BigInt(written.length) * 1_000_001n, data: record.data, comment, direction, packetId: 1000n + BigInt(written.length) };
    writer.writePacket(packet);
    written.push({ ...packet, interfaceName: interfaceId === laptop ? 'laptop:eth0' : 'router:eth1', linkType: record.linkType });
  };
  DNS.forEach((r, i) => write(laptop, r, `dns ${i === 0 ? 'query' : 'response'}`, i === 0 ? 'outbound' : 'inbound'));
  SLL.forEach((r, i) => write(router, r, `handshake step ${i + 1}`, i % 2 === 0 ? 'inbound' : 'outbound'));
  writer.writeDecryptionSecrets(KEYLOG);
  TLS.forEach((r, i) => write(laptop, r, `tls segment ${i + 1}`, r.data[29] === 1 ? 'outbound' : 'inbound'));
  return written;
}

function writeFile(name: string, bytes: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wirepath-pcapng-')), name);
  writeFileSync(path, bytes);
  return path;
}

describe('PcapngWriter', () => {
  it('streams one whole block per call, and two runs give the same bytes', () => {
    const chunks: Uint8Array[] = [];
    writeTestCapture((c) => chunks.push(c));
    expect(chunks).toHaveLength(1 + 2 + 1 + DNS.length + SLL.length + 1 + TLS.length);
    for (const c of chunks) {
      const { totalLength } = blockHeaderLayout.decode(asBuffer(c));
      expect(totalLength).toBe(c.length);
      expect(totalLength % 4).toBe(0);
      expect(new DataView(c.buffer, c.byteOffset).getUint32(c.length - 4, true)).toBe(totalLength);
    }
    const a = collect();
    const b = collect();
    writeTestCapture(a.sink);
    writeTestCapture(b.sink);
    expect(a.bytes()).toEqual(b.bytes());
  });

  it('writes through a sink into a 0xa5-filled buffer at an offset, touching nothing outside', () => {
    const whole = collect();
    writeTestCapture(whole.sink);
    const size = whole.bytes().length;
    const target = new Uint8Array(size + 16).fill(0xa5);
    let at = 5;
    writeTestCapture((chunk) => {
      target.set(chunk, at);
      at += chunk.length;
    });
    expect(at).toBe(5 + size);
    expect([...target.subarray(0, 5), ...target.subarray(5 + size)].every((b) => b === 0xa5)).toBe(true);
    const there = [...readCapture(target.subarray(5, 5 + size))];
    const here = [...readCapture(whole.bytes())];
    expect(there.map((r) => [r.timestampNs, [...r.data], r.comment, r.packetId])).toEqual(here.map((r) => [r.timestampNs, [...r.data], r.comment, r.packetId]));
  });

  it('reads back as the records it was given', () => {
    const out = collect();
    const expected = writeTestCapture(out.sink);
    const records = [...readCapture(out.bytes())];
    expect(records.map((r) => ({ interfaceName: r.interfaceName, linkType: r.linkType, timestampNs: r.timestampNs, data: [...r.data], comment: r.comment, flags: r.flags, packetId: r.packetId }))).toEqual(
      expected.map((e) => ({ interfaceName: e.interfaceName, linkType: e.linkType, timestampNs: e.timestampNs, data: [...e.data], comment: e.comment, flags: e.direction === 'inbound' ? 1 : 2, packetId: e.packetId })),
    );
    const details = readCaptureDetails(out.bytes());
    expect(details.sections).toEqual([{ index: 0, byteOrder: 'little', majorVersion: 1, minorVersion: 0, comments: ['DNS, a TCP handshake, and a TLS 1.3 handshake with its key log'], userApplication: 'wirepath' }]);
    expect(details.interfaces.map((i) => [i.name, i.description, i.linkType, i.snapLength, i.tsresol])).toEqual([
      ['laptop:eth0', 'the client side', 1, 262144, 9],
      ['router:eth1', undefined, 113, 65535, 9],
    ]);
    expect(details.nameResolution.map((n) => [n.address, n.names])).toEqual([
      [CLIENT, ['laptop.example']],
      [SERVER, ['ec2.us-east-1.example', 'api.example']],
    ]);
    expect(details.decryptionSecrets.map((s) => [s.type, new TextDecoder().decode(s.data)])).toEqual([[SecretsType.tlsKeyLog, KEYLOG]]);
  });

  it('lays out SHB, IDB, EPB and DSB as the buffer-layout declarations say', () => {
    const chunks: Uint8Array[] = [];
    const writer = new PcapngWriter((c) => chunks.push(c));
    writer.addInterface({ name: 'a', linkType: LinkType.raw, snapLength: 1500 });
    writer.writePacket({ interfaceId: 0, timestampNs: 0x1_2345_6789_abcdn, data: Uint8Array.of(0x45, 0, 0, 20), originalLength: 60 });
    writer.writeDecryptionSecrets('CLIENT_RANDOM x y\n');
    const [shb, idb, epb, dsb] = chunks;
    const section = sectionHeaderLayout.decode(asBuffer(shb));
    expect({ ...section, sectionLength: [...section.sectionLength] }).toEqual({ type: 0x0a0d0d0a, totalLength: shb.length, byteOrderMagic: 0x1a2b3c4d, majorVersion: 1, minorVersion: 0, sectionLength: Array(8).fill(0xff) });
    expect(interfaceDescriptionLayout.decode(asBuffer(idb))).toEqual({ type: 1, totalLength: idb.length, linkType: 101, reserved: 0, snapLength: 1500 });
    expect(enhancedPacketLayout.decode(asBuffer(epb))).toEqual({ type: 6, totalLength: 32 + 4, interfaceId: 0, timestampHigh: 0x12345, timestampLow: 0x6789abcd, capturedLength: 4, originalLength: 60 });
    expect(decryptionSecretsLayout.decode(asBuffer(dsb))).toEqual({ type: 10, totalLength: 20 + 20, secretsType: 0x544c534b, secretsLength: 18 });
    const [record] = [...readCapture(concatBytes(chunks))];
    expect(record.timestampNs).toBe(0x1_2345_6789_abcdn);
    expect(record.block).toBe('enhanced');
  });

  it('cuts data at the snap length, keeps the original length, and pads options to 32 bits', () => {
    const out = collect();
    const writer = new PcapngWriter(out.sink);
    writer.addInterface({ name: 'short', snapLength: 5 });
    writer.writePacket({ interfaceId: 0, timestampNs: 1n, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7), comment: 'abcde' });
    const [record] = [...readCapture(out.bytes())];
    expect([...record.data]).toEqual([1, 2, 3, 4, 5]);
    expect(record.originalLength).toBe(7);
    expect(record.comment).toBe('abcde');
  });

  it('refuses an unknown interface, a negative time, and a packet id over 64 bits', () => {
    const writer = new PcapngWriter(() => {});
    expect(() => writer.writePacket({ interfaceId: 0, timestampNs: 0n, data: new Uint8Array(1) })).toThrow(RangeError);
    writer.addInterface({ name: 'x' });
    expect(() => writer.writePacket({ interfaceId: 0, timestampNs: -1n, data: new Uint8Array(1) })).toThrow(RangeError);
    expect(() => writer.writePacket({ interfaceId: 0, timestampNs: 0n, data: new Uint8Array(1), packetId: 1n << 64n })).toThrow(RangeError);
  });
});

/** buffer-layout reads through Buffer's methods. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

describe.skipIf(skipWithoutTshark)('PcapngWriter judged by tshark', () => {
  const out = collect();
  const expected = writeTestCapture(out.sink);
  const file = writeFile('test.pcapng', out.bytes());

  it('passes the clean-file verdict', () => {
    const verdict = pcapVerdict(file);
    expect(verdict.problems).toEqual([]);
    expect(verdict.fileType).toBe('pcapng');
    expect(verdict.packets).toBe(expected.length);
  });

  it('shows interface names, times, comments, directions and packet ids', () => {
    const frames = tsharkFields(file, ['frame.interface_name', 'frame.time_epoch', 'frame.comment', 'frame.packet_flags_direction', 'frame.packet_id', 'frame.cap_len']);
    expect(frames.map(([name, epoch, comment, direction, id, capLen]) => [name, epochToNs(epoch), comment, Number(direction), BigInt(id), Number(capLen)])).toEqual(
      expected.map((e) => [e.interfaceName, e.timestampNs, e.comment, e.direction === 'inbound' ? 1 : 2, e.packetId, e.data.length]),
    );
  });

  it('resolves addresses from the Name Resolution Block', () => {
    const frames = tsharkFields(file, ['ip.src', 'ip.src_host'], ['-N', 'n', '-o', 'nameres.use_external_name_resolver:FALSE', '-Y', 'tcp.port == 443']);
    const hosts = new Map(frames.map(([ip, host]) => [ip, host]));
    expect(hosts.get(CLIENT)).toBe('laptop.example');
    // Of several names for one address, Wireshark keeps the last it read.
    expect(hosts.get(SERVER)).toBe('api.example');
  });

  it('decrypts the TLS handshake with the key log from the Decryption Secrets Block alone', () => {
    const types = new Set(tsharkFields(file, ['tls.handshake.type']).flatMap(([t]) => t.split(',')).filter((t) => t !== ''));
    for (const t of ['1', '2', '8', '11', '15', '20']) expect(types).toContain(t);
  });

  it('without the DSB the same packets stay encrypted, so the block is what decrypts them', () => {
    const bare = collect();
    const writer = new PcapngWriter(bare.sink);
    writer.addInterface({ name: 'laptop:eth0' });
    TLS.forEach((r, i) => writer.writePacket({ interfaceId: 0, timestampNs: BASE_NS + BigInt(i), data: r.data }));
    const types = new Set(tsharkFields(writeFile('bare.pcapng', bare.bytes()), ['tls.handshake.type']).flatMap(([t]) => t.split(',')));
    expect(types.has('8')).toBe(false);
    expect(types.has('1')).toBe(true);
  });

  it('capinfos sees the section comment and the application', () => {
    const text = execFileSync('capinfos', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(text).toMatch(/Capture application:\s+wirepath/);
    expect(text).toMatch(/Capture comment:\s+DNS, a TCP handshake, and a TLS 1\.3 handshake with its key log/);
  });
});

const packetArb = fc.record({
  interfaceId: fc.nat({ max: 2 }),
  timestampNs: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  data: fc.uint8Array({ maxLength: 80 }),
  extra: fc.nat({ max: 100 }),
  comment: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  direction: fc.option(fc.constantFrom('inbound' as const, 'outbound' as const), { nil: undefined }),
  packetId: fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: undefined }),
});

describe('PcapngWriter → readCapture round trip', () => {
  it('gives back every packet as written', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 12 }), fc.array(fc.string({ maxLength: 12 }), { minLength: 3, maxLength: 3 }), (packets, names) => {
        const out = collect();
        const writer = new PcapngWriter(out.sink);
        names.forEach((name, i) => writer.addInterface({ name, linkType: [1, 101, 113][i], snapLength: 0 }));
        for (const p of packets) writer.writePacket({ ...p, originalLength: p.data.length + p.extra });
        const records = [...readCapture(out.bytes())];
        expect(records.map((r) => [r.interfaceId, r.interfaceName, r.linkType, r.timestampNs, [...r.data], r.originalLength, r.comment, r.flags, r.packetId])).toEqual(
          packets.map((p) => [p.interfaceId, names[p.interfaceId], [1, 101, 113][p.interfaceId], p.timestampNs, [...p.data], p.data.length + p.extra, p.comment, p.direction === undefined ? undefined : p.direction === 'inbound' ? 1 : 2, p.packetId]),
        );
      }),
      { numRuns: 300 },
    );
  });
});

/** A pcapng block, little-endian, with the given type and body; `trailing` overrides the repeated length. */
function rawBlock(type: number, body: number[], trailing?: number): number[] {
  const total = 12 + body.length;
  const le = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
  return [...le(type), ...le(total), ...body, ...le(trailing ?? total)];
}
const SHB = rawBlock(0x0a0d0d0a, [0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, ...Array(8).fill(0xff)]);
const IDB = rawBlock(1, [1, 0, 0, 0, 0, 0, 0, 0]);
const epb = (interfaceId: number, capLen: number, data: number[]) => rawBlock(6, [interfaceId, 0, 0, 0, ...Array(8).fill(0), capLen, 0, 0, 0, capLen, 0, 0, 0, ...data]);

function readErrorOf(bytes: number[]): DecodeError {
  return decodeErrorOf(() => {
    for (const _ of readPcapng(Uint8Array.from(bytes)));
  });
}

describe('readPcapng rejects damaged files with a DecodeError that says where', () => {
  it('a block total length below 12, not a multiple of 4, or past the file', () => {
    const small = [...SHB, 1, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0];
    expect(readErrorOf(small)).toMatchObject({ layer: 'pcapng', offset: SHB.length + 4, reason: 'block total length 8 is below 12' });
    const odd = [...SHB, 1, 0, 0, 0, 14, 0, 0, 0, 0, 0, 14, 0, 0, 0];
    expect(readErrorOf(odd).reason).toMatch(/not a multiple of 4/);
    const past = [...SHB, 1, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(readErrorOf(past)).toMatchObject({ offset: SHB.length, reason: 'truncated block', need: 40, have: 16 });
  });

  it('a trailing length that differs from the leading one', () => {
    const bytes = [...SHB, ...rawBlock(1, [1, 0, 0, 0, 0, 0, 0, 0], 24)];
    expect(readErrorOf(bytes)).toMatchObject({ offset: SHB.length + 16, reason: 'trailing block length 24 differs from the leading 20' });
  });

  it('an option whose length runs past its block', () => {
    const bytes = [...SHB, ...rawBlock(1, [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 9, 0, 0x65, 0x74, 0x68, 0x30])];
    expect(readErrorOf(bytes)).toMatchObject({ offset: SHB.length + 16, reason: 'option 2 length 9 runs past its block' });
  });

  it('a packet for an interface that no IDB declared, and a captured length past its block', () => {
    expect(readErrorOf([...SHB, ...IDB, ...epb(1, 4, [1, 2, 3, 4])]).reason).toBe('interface 1 has no Interface Description Block in section 0');
    expect(readErrorOf([...SHB, ...IDB, ...epb(0, 8, [1, 2, 3, 4])]).reason).toBe('captured length 8 runs past its block');
  });

  it('a bad byte-order magic, and a file that does not begin with an SHB', () => {
    const badMagic = [...SHB];
    badMagic[8] = 0;
    expect(readErrorOf(badMagic)).toMatchObject({ offset: 8, reason: 'bad byte-order magic 0x1a2b3c00' });
    expect(readErrorOf([...IDB]).reason).toBe('file does not start with a Section Header Block');
  });

  it('yields the packets before the damage, then throws', () => {
    const bytes = Uint8Array.from([...SHB, ...IDB, ...epb(0, 4, [1, 2, 3, 4]), ...epb(3, 4, [5, 6, 7, 8])]);
    const iterator = readPcapng(bytes);
    expect([...iterator.next().value!.data]).toEqual([1, 2, 3, 4]);
    expect(() => iterator.next()).toThrow(DecodeError);
  });

  it('reads if_tsresol in both forms and applies if_tsoffset', () => {
    const idb = (options: number[]) => rawBlock(1, [1, 0, 0, 0, 0, 0, 0, 0, ...options, 0, 0, 0, 0]);
    const ticks = (n: number) => rawBlock(6, [0, 0, 0, 0, 0, 0, 0, 0, n & 255, (n >>> 8) & 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const at = (options: number[], n: number) => [...readPcapng(Uint8Array.from([...SHB, ...idb(options), ...ticks(n)]))][0].timestampNs;
    expect(at([], 1000)).toBe(1_000_000n);
    expect(at([9, 0, 1, 0, 3, 0, 0, 0], 1000)).toBe(1_000_000_000n);
    expect(at([9, 0, 1, 0, 12, 0, 0, 0], 1000)).toBe(1n);
    expect(at([9, 0, 1, 0, 0x8a, 0, 0, 0], 1024)).toBe(1_000_000_000n);
    expect(at([14, 0, 8, 0, 5, 0, 0, 0, 0, 0, 0, 0], 1)).toBe(5_000_001_000n);
  });

  it('skips custom, statistics and unknown blocks, and reads an obsolete Packet Block', () => {
    const custom = rawBlock(0xbad, [0x01, 0x02, 0x03, 0x04, 9, 9, 9, 9]);
    const unknown = rawBlock(0x12345, []);
    const isb = rawBlock(5, Array(8).fill(0));
    const pb = rawBlock(2, [0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x42, 0x0f, 0, 2, 0, 0, 0, 9, 0, 0, 0, 0xaa, 0xbb, 0, 0]);
    const records = [...readPcapng(Uint8Array.from([...SHB, ...IDB, ...custom, ...unknown, ...isb, ...pb]))];
    expect(records.map((r) => [r.block, [...r.data], r.originalLength, r.timestampNs])).toEqual([['packet', [0xaa, 0xbb], 9, 1_000_000_000n]]);
  });
});
