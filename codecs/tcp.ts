/**
 * The TCP header (RFC 9293 §3.1). The options live in tcp-options.ts. The
 * segment's length comes from the IPv4 layer, since TCP carries none of its
 * own; the data offset says where the payload starts within it.
 */
import * as BL from 'buffer-layout';
import { readUint32 } from './address.js';
import { foldSum, onesComplementSum } from './checksum.js';
import { type Decoded, type PseudoHeaderInput, computeChecksums, decoded, fixLengths } from './codec.js';
import { DecodeError, requireBytes } from './decode-error.js';
import { TCP_MAX_OPTIONS_LENGTH, type TcpOption, decodeOptions, encodeOptions, optionsLength } from './tcp-options.js';
import { type TransportEncodeOptions, pseudoSum, segmentEnd, writeUint16, writeUint32 } from './transport.js';

export type { TransportEncodeOptions } from './transport.js';
export type { SackBlock, TcpOption } from './tcp-options.js';

export interface TcpFlags {
  readonly fin: boolean;
  readonly syn: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly ack: boolean;
  readonly urg: boolean;
  readonly ece: boolean;
  readonly cwr: boolean;
  /** RFC 3540's nonce sum, now historic (RFC 8311); kept so the bit survives a round trip. */
  readonly ns: boolean;
}

export interface TcpHeader {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly sequenceNumber: number;
  readonly acknowledgmentNumber: number;
  /** The header length in 32-bit words, as on the wire. */
  readonly dataOffset: number;
  /** The three reserved bits between the data offset and NS, kept as they came. */
  readonly reserved: number;
  readonly flags: TcpFlags;
  readonly window: number;
  readonly checksum: number;
  /** Set by decode when given the pseudo-header. */
  readonly checksumValid?: boolean;
  readonly urgentPointer: number;
  readonly options: readonly TcpOption[];
}

export const TCP_MIN_HEADER_LENGTH = 20;
export const TCP_PROTOCOL = 6;

/** Byte offsets for the hot path, which edits segments in place. */
export const TcpOffsets = {
  sourcePort: 0,
  destinationPort: 2,
  sequenceNumber: 4,
  acknowledgmentNumber: 8,
  dataOffset: 12,
  flags: 13,
  window: 14,
  checksum: 16,
  urgentPointer: 18,
} as const;

/** The flag bits in the 16-bit word at `TcpOffsets.dataOffset` (NS is the low bit of byte 12). */
export const TcpFlagBits = {
  fin: 0x01,
  syn: 0x02,
  rst: 0x04,
  psh: 0x08,
  ack: 0x10,
  urg: 0x20,
  ece: 0x40,
  cwr: 0x80,
  ns: 0x100,
} as const;

/** The fixed 20 bytes, declared once: the spec and the tests' oracle. */
export const tcpLayout = (() => {
  const word = BL.bits(BL.u16be(), true, 'offsetAndFlags');
  word.addField(4, 'dataOffset');
  word.addField(3, 'reserved');
  word.addBoolean('ns');
  word.addBoolean('cwr');
  word.addBoolean('ece');
  word.addBoolean('urg');
  word.addBoolean('ack');
  word.addBoolean('psh');
  word.addBoolean('rst');
  word.addBoolean('syn');
  word.addBoolean('fin');
  return BL.struct([
    BL.u16be('sourcePort'),
    BL.u16be('destinationPort'),
    BL.u32be('sequenceNumber'),
    BL.u32be('acknowledgmentNumber'),
    word,
    BL.u16be('window'),
    BL.u16be('checksum'),
    BL.u16be('urgentPointer'),
  ]);
})();

/**
 * Decodes the segment at `offset`, `length` bytes long as the IPv4 layer
 * says (what follows is link padding). With `pseudo`, checksumValid says
 * whether the checksum over pseudo-header, header and payload holds.
 */
export function decode(bytes: Uint8Array, offset = 0, length = bytes.length - offset, pseudo?: PseudoHeaderInput): Decoded<TcpHeader> {
  const end = segmentEnd('tcp', bytes, offset, length);
  requireBytes(bytes, offset, TCP_MIN_HEADER_LENGTH, 'tcp', 'header', end);
  const b12 = bytes[offset + 12];
  const b13 = bytes[offset + 13];
  const dataOffset = b12 >>> 4;
  if (dataOffset < 5) throw new DecodeError('tcp', offset + 12, `data offset ${dataOffset} is below 5 words`);
  const headerLength = dataOffset * 4;
  requireBytes(bytes, offset, headerLength, 'tcp', 'header with options', end);
  const options = headerLength > TCP_MIN_HEADER_LENGTH ? decodeOptions(bytes, offset + TCP_MIN_HEADER_LENGTH, offset + headerLength) : [];
  const checksum = (bytes[offset + 16] << 8) | bytes[offset + 17];
  const header: TcpHeader = {
    sourcePort: (bytes[offset] << 8) | bytes[offset + 1],
    destinationPort: (bytes[offset + 2] << 8) | bytes[offset + 3],
    sequenceNumber: readUint32(bytes, offset + 4),
    acknowledgmentNumber: readUint32(bytes, offset + 8),
    dataOffset,
    reserved: (b12 >>> 1) & 0x07,
    flags: {
      fin: (b13 & 0x01) !== 0,
      syn: (b13 & 0x02) !== 0,
      rst: (b13 & 0x04) !== 0,
      psh: (b13 & 0x08) !== 0,
      ack: (b13 & 0x10) !== 0,
      urg: (b13 & 0x20) !== 0,
      ece: (b13 & 0x40) !== 0,
      cwr: (b13 & 0x80) !== 0,
      ns: (b12 & 0x01) !== 0,
    },
    window: (bytes[offset + 14] << 8) | bytes[offset + 15],
    checksum,
    checksumValid: pseudo !== undefined ? foldSum(onesComplementSum(bytes, offset, end, pseudoSum('tcp', pseudo, TCP_PROTOCOL, length))) === 0xffff : undefined,
    urgentPointer: (bytes[offset + 18] << 8) | bytes[offset + 19],
    options,
  };
  return decoded(bytes, header, headerLength, offset + headerLength, length - headerLength);
}

/** The header length encode writes: 20 bytes plus the options padded to a 32-bit boundary. */
function headerLengthOf(header: TcpHeader): number {
  const length = optionsLength(header.options);
  if (length > TCP_MAX_OPTIONS_LENGTH) throw new RangeError(`tcp: ${length} bytes of options exceed the ${TCP_MAX_OPTIONS_LENGTH} a header can carry`);
  return TCP_MIN_HEADER_LENGTH + ((length + 3) & ~3);
}

/** How many bytes encode writes for this header around a payload of `payloadLength`. */
export function encodingLength(header: TcpHeader, payloadLength = 0, _options?: TransportEncodeOptions): number {
  return headerLengthOf(header) + payloadLength;
}

/**
 * Writes the segment at `offset`; returns the bytes written. Options are
 * padded with zeros to a 32-bit boundary. With fixLengths the data offset
 * comes from that length, else the header's own is written; with
 * computeChecksums the checksum covers options.pseudoHeader, header and payload.
 */
export function encodeInto(buf: Uint8Array, offset: number, header: TcpHeader, payload: Uint8Array, options?: TransportEncodeOptions): number {
  const headerLength = headerLengthOf(header);
  const total = headerLength + payload.length;
  if (buf.length - offset < total) throw new RangeError(`tcp: ${total} bytes do not fit at offset ${offset}`);
  const dataOffset = fixLengths(options) ? headerLength >>> 2 : header.dataOffset;
  const f = header.flags;
  writeUint16(buf, offset, header.sourcePort);
  writeUint16(buf, offset + 2, header.destinationPort);
  writeUint32(buf, offset + 4, header.sequenceNumber);
  writeUint32(buf, offset + 8, header.acknowledgmentNumber);
  buf[offset + 12] = ((dataOffset & 0x0f) << 4) | ((header.reserved & 0x07) << 1) | (f.ns ? 1 : 0);
  buf[offset + 13] =
    (f.fin ? 0x01 : 0) | (f.syn ? 0x02 : 0) | (f.rst ? 0x04 : 0) | (f.psh ? 0x08 : 0) | (f.ack ? 0x10 : 0) | (f.urg ? 0x20 : 0) | (f.ece ? 0x40 : 0) | (f.cwr ? 0x80 : 0);
  writeUint16(buf, offset + 14, header.window);
  writeUint16(buf, offset + 18, header.urgentPointer);
  const optionsEnd = offset + TCP_MIN_HEADER_LENGTH + encodeOptions(buf, offset + TCP_MIN_HEADER_LENGTH, header.options);
  buf.fill(0, optionsEnd, offset + headerLength);
  buf.set(payload, offset + headerLength);
  let checksum = header.checksum;
  if (computeChecksums(options)) {
    buf[offset + 16] = 0;
    buf[offset + 17] = 0;
    const initial = pseudoSum('tcp', options?.pseudoHeader, TCP_PROTOCOL, total);
    checksum = ~foldSum(onesComplementSum(buf, offset, offset + total, initial)) & 0xffff;
  }
  writeUint16(buf, offset + 16, checksum);
  return total;
}

export function encode(header: TcpHeader, payload: Uint8Array = new Uint8Array(0), options?: TransportEncodeOptions): Uint8Array {
  const out = new Uint8Array(encodingLength(header, payload.length, options));
  encodeInto(out, 0, header, payload, options);
  return out;
}
