/**
 * IPv4 (RFC 791). The header keeps every bit it read, the reserved flag and
 * the option bytes included, so that a decoded packet, bad checksum and all,
 * can be written back byte for byte.
 */
import * as BL from 'buffer-layout';
import { ipv4ToString, writeIpv4 } from './address.js';
import { internetChecksum } from './checksum.js';
import { type Decoded, type EncodeOptions, computeChecksums, decoded, fixLengths } from './codec.js';
import { DecodeError, requireBytes } from './decode-error.js';

export interface Ipv4Header {
  readonly version: number;
  /** Header length in 32-bit words, 5 to 15. */
  readonly ihl: number;
  readonly dscp: number;
  readonly ecn: number;
  /** Header plus payload, in bytes. */
  readonly totalLength: number;
  readonly identification: number;
  /** The first flag bit, which must be zero (RFC 3514's "evil bit"); kept so odd packets re-encode exactly. */
  readonly reservedFlag: boolean;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In bytes: the 13-bit field times 8. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  /** Whether the header sums to zero as read; decode never corrects it. */
  readonly checksumValid: boolean;
  readonly source: string;
  readonly destination: string;
  /** The raw option bytes between the fixed header and the payload; empty when ihl is 5. */
  readonly options: Uint8Array;
}

export const IPV4_MIN_HEADER_LENGTH = 20;
/** IHL is 4 bits of 32-bit words: at most 60 header bytes, so 40 of options. */
export const IPV4_MAX_OPTIONS_LENGTH = 40;

/** Byte offsets for the hot path: the forwarding core edits frames in place through these. */
export const Ipv4Offsets = {
  versionIhl: 0,
  dscpEcn: 1,
  totalLength: 2,
  identification: 4,
  flagsFragment: 6,
  ttl: 8,
  protocol: 9,
  checksum: 10,
  source: 12,
  destination: 16,
} as const;

export const IpProtocol = { icmp: 1, tcp: 6, udp: 17, gre: 47 } as const;

/** The fixed 20-byte header, declared once: the spec and the tests' oracle. fragmentOffset here is in 8-byte units, as on the wire. */
export const ipv4Layout = (() => {
  const versionIhl = BL.bits(BL.u8(), true, 'versionIhl');
  versionIhl.addField(4, 'version');
  versionIhl.addField(4, 'ihl');
  const dscpEcn = BL.bits(BL.u8(), true, 'dscpEcn');
  dscpEcn.addField(6, 'dscp');
  dscpEcn.addField(2, 'ecn');
  const flagsFragment = BL.bits(BL.u16be(), true, 'flagsFragment');
  flagsFragment.addBoolean('reservedFlag');
  flagsFragment.addBoolean('dontFragment');
  flagsFragment.addBoolean('moreFragments');
  flagsFragment.addField(13, 'fragmentOffset');
  return BL.struct([
    versionIhl,
    dscpEcn,
    BL.u16be('totalLength'),
    BL.u16be('identification'),
    flagsFragment,
    BL.u8('ttl'),
    BL.u8('protocol'),
    BL.u16be('checksum'),
    BL.blob(4, 'source'),
    BL.blob(4, 'destination'),
  ]);
})();

/**
 * Whether the header at `offset` sums to zero, read in place without
 * allocating: what a router checks before it forwards. A header whose IHL is
 * below 5 or runs past the buffer is not valid.
 */
export function headerChecksumValid(bytes: Uint8Array, offset: number): boolean {
  const headerLength = (bytes[offset] & 0x0f) << 2;
  if (headerLength < IPV4_MIN_HEADER_LENGTH || offset + headerLength > bytes.length) return false;
  return headerSumsToZero(bytes, offset, headerLength);
}

/** The header's one's-complement sum is all ones; headerLength is a multiple of 4, so there is no odd byte. */
function headerSumsToZero(b: Uint8Array, offset: number, headerLength: number): boolean {
  let sum = 0;
  for (let i = offset, end = offset + headerLength; i < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

const NO_OPTIONS = new Uint8Array(0);

/**
 * Decodes the packet at `offset`. The payload is what totalLength says it
 * is; bytes after it (Ethernet padding) are not the packet's.
 */
export function decode(bytes: Uint8Array, offset = 0): Decoded<Ipv4Header> {
  requireBytes(bytes, offset, IPV4_MIN_HEADER_LENGTH, 'ipv4', 'header');
  const b = bytes;
  const version = b[offset] >>> 4;
  if (version !== 4) throw new DecodeError('ipv4', offset, `version ${version} is not 4`);
  const ihl = b[offset] & 0x0f;
  const headerLength = ihl << 2;
  if (ihl < 5) throw new DecodeError('ipv4', offset, `header length ${headerLength} bytes (IHL ${ihl}) is less than 20`);
  requireBytes(bytes, offset, headerLength, 'ipv4', `header with options (header length ${headerLength})`);
  const totalLength = (b[offset + 2] << 8) | b[offset + 3];
  if (totalLength < headerLength) {
    throw new DecodeError('ipv4', offset, `total length ${totalLength} is less than the header length ${headerLength}`);
  }
  requireBytes(bytes, offset, totalLength, 'ipv4', `packet (total length ${totalLength})`);
  const flagsFragment = (b[offset + 6] << 8) | b[offset + 7];
  const header: Ipv4Header = {
    version,
    ihl,
    dscp: b[offset + 1] >>> 2,
    ecn: b[offset + 1] & 3,
    totalLength,
    identification: (b[offset + 4] << 8) | b[offset + 5],
    reservedFlag: (flagsFragment & 0x8000) !== 0,
    dontFragment: (flagsFragment & 0x4000) !== 0,
    moreFragments: (flagsFragment & 0x2000) !== 0,
    fragmentOffset: (flagsFragment & 0x1fff) << 3,
    ttl: b[offset + 8],
    protocol: b[offset + 9],
    checksum: (b[offset + 10] << 8) | b[offset + 11],
    checksumValid: headerSumsToZero(b, offset, headerLength),
    source: ipv4ToString(b, offset + 12),
    destination: ipv4ToString(b, offset + 16),
    // Most packets carry no options; sharing one empty array spares a view per decode.
    options: ihl === 5 ? NO_OPTIONS : b.subarray(offset + IPV4_MIN_HEADER_LENGTH, offset + headerLength),
  };
  return decoded(bytes, header, headerLength, offset + headerLength, totalLength - headerLength);
}

/** The header's length in bytes as written: 20 plus the options padded with zeros to a multiple of 4. */
function writtenHeaderLength(header: Ipv4Header): number {
  return IPV4_MIN_HEADER_LENGTH + ((header.options.length + 3) & ~3);
}

export function encodingLength(header: Ipv4Header, payloadLength = 0, _options?: EncodeOptions): number {
  return writtenHeaderLength(header) + payloadLength;
}

/**
 * Writes header and payload at `offset`; returns the bytes written. The
 * header always spans 20 bytes plus the options padded to a multiple of 4.
 * With fixLengths, ihl and totalLength are computed from those; without it,
 * the header's own ihl and totalLength are written, however wrong. Likewise
 * the checksum with computeChecksums.
 */
export function encodeInto(buf: Uint8Array, offset: number, header: Ipv4Header, payload: Uint8Array, options?: EncodeOptions): number {
  if (header.options.length > IPV4_MAX_OPTIONS_LENGTH) {
    throw new RangeError(`ipv4: ${header.options.length} option bytes exceed the ${IPV4_MAX_OPTIONS_LENGTH} an IHL can describe`);
  }
  if (header.fragmentOffset % 8 !== 0 || header.fragmentOffset < 0 || header.fragmentOffset > 0x1fff * 8) {
    throw new RangeError(`ipv4: fragment offset ${header.fragmentOffset} is not a multiple of 8 bytes within 0–65528`);
  }
  const headerLength = writtenHeaderLength(header);
  const total = headerLength + payload.length;
  if (buf.length - offset < total) throw new RangeError(`ipv4: ${total} bytes do not fit at offset ${offset}`);
  const fix = fixLengths(options);
  const ihl = fix ? headerLength >>> 2 : header.ihl;
  const totalLength = fix ? total : header.totalLength;
  const flagsFragment =
    (header.reservedFlag ? 0x8000 : 0) | (header.dontFragment ? 0x4000 : 0) | (header.moreFragments ? 0x2000 : 0) | (header.fragmentOffset >>> 3);
  buf[offset] = ((header.version & 0x0f) << 4) | (ihl & 0x0f);
  buf[offset + 1] = ((header.dscp & 0x3f) << 2) | (header.ecn & 3);
  buf[offset + 2] = (totalLength >>> 8) & 0xff;
  buf[offset + 3] = totalLength & 0xff;
  buf[offset + 4] = (header.identification >>> 8) & 0xff;
  buf[offset + 5] = header.identification & 0xff;
  buf[offset + 6] = flagsFragment >>> 8;
  buf[offset + 7] = flagsFragment & 0xff;
  buf[offset + 8] = header.ttl;
  buf[offset + 9] = header.protocol;
  buf[offset + 10] = 0;
  buf[offset + 11] = 0;
  writeIpv4(buf, offset + 12, header.source);
  writeIpv4(buf, offset + 16, header.destination);
  buf.set(header.options, offset + IPV4_MIN_HEADER_LENGTH);
  buf.fill(0, offset + IPV4_MIN_HEADER_LENGTH + header.options.length, offset + headerLength);
  const checksum = computeChecksums(options) ? internetChecksum(buf, offset, offset + headerLength) : header.checksum;
  buf[offset + 10] = (checksum >>> 8) & 0xff;
  buf[offset + 11] = checksum & 0xff;
  buf.set(payload, offset + headerLength);
  return total;
}

export function encode(header: Ipv4Header, payload: Uint8Array = new Uint8Array(0), options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(encodingLength(header, payload.length, options));
  encodeInto(out, 0, header, payload, options);
  return out;
}
