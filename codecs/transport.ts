/**
 * What UDP and TCP share: encode options that carry the IPv4 pseudo-header
 * their checksums cover, the segment bounds that the IPv4 layer sets, and
 * the big-endian writers both encoders use.
 */
import { ipv4ToUint32 } from './address.js';
import { pseudoHeaderSumOf } from './checksum.js';
import type { EncodeOptions, PseudoHeader, PseudoHeaderInput } from './codec.js';
import { DecodeError } from './decode-error.js';

export interface TransportEncodeOptions extends EncodeOptions {
  /** The addresses the checksum covers; needed whenever computeChecksums is on. */
  readonly pseudoHeader?: PseudoHeader;
}

/** The unfolded pseudo-header sum for `pseudo`, or an error that says what is missing. */
export function pseudoSum(layer: string, pseudo: PseudoHeaderInput | undefined, protocol: number, transportLength: number): number {
  if (typeof pseudo === 'number') return pseudo + protocol + transportLength;
  if (!pseudo) throw new TypeError(`${layer}: computeChecksums needs options.pseudoHeader (the IPv4 source and destination), or set computeChecksums to false`);
  return pseudoHeaderSumOf(ipv4ToUint32(pseudo.source), ipv4ToUint32(pseudo.destination), protocol, transportLength);
}

/**
 * The end of a segment of `length` bytes at `offset`, checked against the
 * buffer: the IPv4 layer may claim more than the capture holds.
 */
export function segmentEnd(layer: string, bytes: Uint8Array, offset: number, length: number): number {
  const have = Math.max(0, bytes.length - offset);
  if (!(length >= 0) || offset < 0 || length > have) throw new DecodeError(layer, offset, 'segment runs past the buffer', length, have);
  return offset + length;
}

export function writeUint16(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 8) & 0xff;
  buf[offset + 1] = value & 0xff;
}

export function writeUint32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}
