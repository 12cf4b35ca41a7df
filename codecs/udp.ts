/**
 * UDP (RFC 768). The length field is honoured: when it is shorter than the
 * segment the IPv4 layer gave, the rest is not payload. A checksum field of 0
 * means the sender computed none, so it is valid; a computed 0 goes on the
 * wire as 0xffff, its other one's-complement form.
 */
import * as BL from 'buffer-layout';
import { foldSum, onesComplementSum } from './checksum.js';
import { type Decoded, type PseudoHeaderInput, computeChecksums, decoded, fixLengths } from './codec.js';
import { DecodeError, requireBytes } from './decode-error.js';
import { type TransportEncodeOptions, pseudoSum, segmentEnd, writeUint16 } from './transport.js';

export type { TransportEncodeOptions } from './transport.js';

export interface UdpHeader {
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** Header plus payload, in bytes. */
  readonly length: number;
  readonly checksum: number;
  /** Set by decode when given the pseudo-header; a checksum of 0 (none sent) is valid. */
  readonly checksumValid?: boolean;
}

export const UDP_HEADER_LENGTH = 8;
export const UDP_PROTOCOL = 17;

/** Byte offsets for the hot path, which edits datagrams in place. */
export const UdpOffsets = { sourcePort: 0, destinationPort: 2, length: 4, checksum: 6 } as const;

/** The header, declared once: the spec and the tests' oracle. */
export const udpLayout = BL.struct([BL.u16be('sourcePort'), BL.u16be('destinationPort'), BL.u16be('length'), BL.u16be('checksum')]);

/**
 * Decodes the datagram at `offset` within a segment of `length` bytes (the
 * IPv4 payload length; what follows it is link padding). With `pseudo`,
 * checksumValid says whether the checksum holds.
 */
export function decode(bytes: Uint8Array, offset = 0, length = bytes.length - offset, pseudo?: PseudoHeaderInput): Decoded<UdpHeader> {
  const end = segmentEnd('udp', bytes, offset, length);
  requireBytes(bytes, offset, UDP_HEADER_LENGTH, 'udp', 'header', end);
  const lengthField = (bytes[offset + 4] << 8) | bytes[offset + 5];
  if (lengthField < UDP_HEADER_LENGTH) throw new DecodeError('udp', offset + 4, `length field ${lengthField} is below the 8-byte header`);
  if (lengthField > length) throw new DecodeError('udp', offset + 4, `length field ${lengthField} runs past the segment`, lengthField, length);
  const checksum = (bytes[offset + 6] << 8) | bytes[offset + 7];
  const sourcePort = (bytes[offset] << 8) | bytes[offset + 1];
  const destinationPort = (bytes[offset + 2] << 8) | bytes[offset + 3];
  const checksumValid = pseudo !== undefined ? checksum === 0 || sumsToZero(bytes, offset, lengthField, pseudo) : undefined;
  const header: UdpHeader = { sourcePort, destinationPort, length: lengthField, checksum, checksumValid };
  return decoded(bytes, header, UDP_HEADER_LENGTH, offset + UDP_HEADER_LENGTH, lengthField - UDP_HEADER_LENGTH);
}

function sumsToZero(bytes: Uint8Array, offset: number, lengthField: number, pseudo: PseudoHeaderInput): boolean {
  return foldSum(onesComplementSum(bytes, offset, offset + lengthField, pseudoSum('udp', pseudo, UDP_PROTOCOL, lengthField))) === 0xffff;
}

/** How many bytes encode writes: the header and the payload. */
export function encodingLength(_header: UdpHeader, payloadLength = 0, _options?: TransportEncodeOptions): number {
  return UDP_HEADER_LENGTH + payloadLength;
}

/**
 * Writes the datagram at `offset`; returns the bytes written. With
 * fixLengths the length field is 8 + payload; with computeChecksums the
 * checksum covers options.pseudoHeader (with the length field as written),
 * the header and the payload.
 */
export function encodeInto(buf: Uint8Array, offset: number, header: UdpHeader, payload: Uint8Array, options?: TransportEncodeOptions): number {
  const total = UDP_HEADER_LENGTH + payload.length;
  if (buf.length - offset < total) throw new RangeError(`udp: ${total} bytes do not fit at offset ${offset}`);
  const lengthField = fixLengths(options) ? total : header.length;
  if (lengthField > 0xffff) throw new RangeError(`udp: a datagram of ${lengthField} bytes does not fit the 16-bit length field`);
  writeUint16(buf, offset, header.sourcePort);
  writeUint16(buf, offset + 2, header.destinationPort);
  writeUint16(buf, offset + 4, lengthField);
  buf.set(payload, offset + UDP_HEADER_LENGTH);
  let checksum = header.checksum;
  if (computeChecksums(options)) {
    buf[offset + 6] = 0;
    buf[offset + 7] = 0;
    const initial = pseudoSum('udp', options?.pseudoHeader, UDP_PROTOCOL, lengthField);
    checksum = ~foldSum(onesComplementSum(buf, offset, offset + total, initial)) & 0xffff;
    if (checksum === 0) checksum = 0xffff;
  }
  writeUint16(buf, offset + 6, checksum);
  return total;
}

export function encode(header: UdpHeader, payload: Uint8Array = new Uint8Array(0), options?: TransportEncodeOptions): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_LENGTH + payload.length);
  encodeInto(out, 0, header, payload, options);
  return out;
}
