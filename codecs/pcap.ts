/**
 * Classic libpcap files (draft-ietf-opsawg-pcap): a 24-byte file header, then
 * records of a 16-byte header and the captured bytes. The magic number says
 * the byte order and whether the second timestamp field counts microseconds
 * (a1b2c3d4) or nanoseconds (a1b23c4d).
 */
import * as BL from 'buffer-layout';
import type { CaptureRecord, CaptureSink } from './capture-record.js';
import { DecodeError, requireBytes } from './decode-error.js';
import { LinkType } from './link-type.js';

const LAYER = 'pcap';

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
export const PCAP_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/**
 * No real link layer comes near this, so a larger captured length means a
 * damaged record rather than a packet.
 */
export const MAX_CAPTURED_LENGTH = 64 * 1024 * 1024;

export const PcapHeaderOffsets = { magic: 0, versionMajor: 4, versionMinor: 6, thiszone: 8, sigfigs: 12, snapLength: 16, network: 20 } as const;
export const PcapRecordOffsets = { seconds: 0, fraction: 4, capturedLength: 8, originalLength: 12 } as const;

export interface PcapHeader {
  readonly byteOrder: 'little' | 'big';
  readonly nanosecond: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** GMT offset in seconds; always 0 in practice. */
  readonly thiszone: number;
  readonly sigfigs: number;
  readonly snapLength: number;
  /** The low 16 bits of the LinkType field. */
  readonly linkType: number;
  /** FCS bytes at the end of each packet, when the file says (bits 28–31 with bit 26 set). */
  readonly fcsLength?: number;
}

/** The file header and the record header, declared once per byte order: the spec and the tests' oracle. */
export const pcapHeaderLayout = {
  little: BL.struct([BL.u32('magic'), BL.u16('versionMajor'), BL.u16('versionMinor'), BL.u32('thiszone'), BL.u32('sigfigs'), BL.u32('snapLength'), BL.u32('network')]),
  big: BL.struct([BL.u32be('magic'), BL.u16be('versionMajor'), BL.u16be('versionMinor'), BL.u32be('thiszone'), BL.u32be('sigfigs'), BL.u32be('snapLength'), BL.u32be('network')]),
} as const;
export const pcapRecordLayout = {
  little: BL.struct([BL.u32('seconds'), BL.u32('fraction'), BL.u32('capturedLength'), BL.u32('originalLength')]),
  big: BL.struct([BL.u32be('seconds'), BL.u32be('fraction'), BL.u32be('capturedLength'), BL.u32be('originalLength')]),
} as const;

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads the file header; throws a DecodeError for a short file or an unknown magic. */
export function decodePcapHeader(bytes: Uint8Array): PcapHeader {
  requireBytes(bytes, 0, PCAP_HEADER_LENGTH, LAYER, 'file header');
  const view = viewOf(bytes);
  const magicBig = view.getUint32(0, false);
  const magicLittle = view.getUint32(0, true);
  let little: boolean;
  let nanosecond: boolean;
  if (magicLittle === PCAP_MAGIC_MICROSECONDS || magicLittle === PCAP_MAGIC_NANOSECONDS) {
    little = true;
    nanosecond = magicLittle === PCAP_MAGIC_NANOSECONDS;
  } else if (magicBig === PCAP_MAGIC_MICROSECONDS || magicBig === PCAP_MAGIC_NANOSECONDS) {
    little = false;
    nanosecond = magicBig === PCAP_MAGIC_NANOSECONDS;
  } else {
    throw new DecodeError(LAYER, 0, `bad magic 0x${magicBig.toString(16).padStart(8, '0')}`);
  }
  const network = view.getUint32(PcapHeaderOffsets.network, little);
  const fcsPresent = (network & 0x04000000) !== 0;
  return {
    byteOrder: little ? 'little' : 'big',
    nanosecond,
    versionMajor: view.getUint16(PcapHeaderOffsets.versionMajor, little),
    versionMinor: view.getUint16(PcapHeaderOffsets.versionMinor, little),
    thiszone: view.getInt32(PcapHeaderOffsets.thiszone, little),
    sigfigs: view.getUint32(PcapHeaderOffsets.sigfigs, little),
    snapLength: view.getUint32(PcapHeaderOffsets.snapLength, little),
    linkType: network & 0xffff,
    ...(fcsPresent ? { fcsLength: (network >>> 28) * 2 } : {}),
  };
}

/**
 * Yields every record of a classic pcap file. A damaged or truncated record
 * ends the iteration with a DecodeError after the good records before it
 * have been yielded.
 */
export function* readPcap(bytes: Uint8Array): Generator<CaptureRecord, void, undefined> {
  const header = decodePcapHeader(bytes);
  const view = viewOf(bytes);
  const little = header.byteOrder === 'little';
  const fractionToNs = header.nanosecond ? 1n : 1000n;
  let offset = PCAP_HEADER_LENGTH;
  while (offset < bytes.length) {
    requireBytes(bytes, offset, PCAP_RECORD_HEADER_LENGTH, LAYER, 'record header');
    const seconds = view.getUint32(offset, little);
    const fraction = view.getUint32(offset + PcapRecordOffsets.fraction, little);
    const capturedLength = view.getUint32(offset + PcapRecordOffsets.capturedLength, little);
    const originalLength = view.getUint32(offset + PcapRecordOffsets.originalLength, little);
    if (capturedLength > MAX_CAPTURED_LENGTH) throw new DecodeError(LAYER, offset + PcapRecordOffsets.capturedLength, `captured length ${capturedLength} is over ${MAX_CAPTURED_LENGTH}`);
    const dataOffset = offset + PCAP_RECORD_HEADER_LENGTH;
    requireBytes(bytes, dataOffset, capturedLength, LAYER, 'record data');
    yield {
      linkType: header.linkType,
      timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(fraction) * fractionToNs,
      data: bytes.subarray(dataOffset, dataOffset + capturedLength),
      originalLength,
      fileOffset: offset,
    };
    offset = dataOffset + capturedLength;
  }
}

export interface PcapWriterOptions {
  readonly linkType?: number;
  readonly snapLength?: number;
  /** 'ns' writes magic a1b23c4d, 'us' writes a1b2c3d4. */
  readonly resolution?: 'ns' | 'us';
}

export interface PcapPacket {
  readonly timestampNs: bigint;
  readonly data: Uint8Array;
  /** Defaults to `data.length`. */
  readonly originalLength?: number;
}

/**
 * Streams a little-endian classic pcap file to a sink: the file header at
 * once, then one chunk per packet. Packets longer than the snap length are
 * cut to it, as a capture would.
 */
export class PcapWriter {
  readonly linkType: number;
  readonly snapLength: number;
  readonly resolution: 'ns' | 'us';

  constructor(
    private readonly sink: CaptureSink,
    options: PcapWriterOptions = {},
  ) {
    this.linkType = options.linkType ?? LinkType.ethernet;
    this.snapLength = options.snapLength ?? 262144;
    this.resolution = options.resolution ?? 'ns';
    const out = new Uint8Array(PCAP_HEADER_LENGTH);
    const view = viewOf(out);
    view.setUint32(PcapHeaderOffsets.magic, this.resolution === 'ns' ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS, true);
    view.setUint16(PcapHeaderOffsets.versionMajor, 2, true);
    view.setUint16(PcapHeaderOffsets.versionMinor, 4, true);
    view.setUint32(PcapHeaderOffsets.snapLength, this.snapLength, true);
    view.setUint32(PcapHeaderOffsets.network, this.linkType, true);
    sink(out);
  }

  writePacket(packet: PcapPacket): void {
    const ns = packet.timestampNs;
    if (ns < 0n || ns >= 0x1_0000_0000n * 1_000_000_000n) throw new RangeError(`pcap: timestamp ${ns} ns does not fit 32-bit seconds`);
    const capturedLength = Math.min(packet.data.length, this.snapLength);
    const originalLength = packet.originalLength ?? packet.data.length;
    if (originalLength < capturedLength) throw new RangeError(`pcap: original length ${originalLength} is below the captured ${capturedLength}`);
    const out = new Uint8Array(PCAP_RECORD_HEADER_LENGTH + capturedLength);
    const view = viewOf(out);
    const subsecondNs = ns % 1_000_000_000n;
    view.setUint32(PcapRecordOffsets.seconds, Number(ns / 1_000_000_000n), true);
    view.setUint32(PcapRecordOffsets.fraction, Number(this.resolution === 'ns' ? subsecondNs : subsecondNs / 1000n), true);
    view.setUint32(PcapRecordOffsets.capturedLength, capturedLength, true);
    view.setUint32(PcapRecordOffsets.originalLength, originalLength, true);
    out.set(packet.data.subarray(0, capturedLength), PCAP_RECORD_HEADER_LENGTH);
    this.sink(out);
  }
}
