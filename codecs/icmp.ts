/**
 * ICMP for IPv4 (RFC 792, with RFC 1191's next-hop MTU). The 4 bytes after
 * the checksum mean something different for each type; the header names
 * them for the types a router or host uses and keeps them as raw bytes for
 * the rest. Bits that RFC 792 leaves unused are kept too, as `unused`, so
 * that every message can be written back exactly.
 *
 * The body after the 8-byte header is the payload: echo data, or for the
 * error types the quoted original datagram. For error types decode gives the
 * same view as both `payload` and `header.original`. encode writes the
 * payload it is passed; when it is passed none, it writes `header.original`.
 * So `encode(d.header, d.payload)` round-trips a decoded message, and
 * `encode(timeExceeded(packet))` builds a whole Time Exceeded.
 */
import * as BL from 'buffer-layout';
import { ipv4ToString, writeIpv4 } from './address.js';
import { foldSum, internetChecksum, onesComplementSum } from './checksum.js';
import { type Decoded, type EncodeOptions, computeChecksums, decoded } from './codec.js';
import { DecodeError, requireBytes } from './decode-error.js';

export interface IcmpHeader {
  readonly type: number;
  readonly code: number;
  /** Covers the whole message, header and body. */
  readonly checksum: number;
  /** Whether the message sums to zero as read; decode never corrects it. */
  readonly checksumValid: boolean;
  /** Echo request and reply. */
  readonly identifier?: number;
  readonly sequenceNumber?: number;
  /** Destination unreachable: the MTU of the next hop (RFC 1191), set with code 4 and zero otherwise. */
  readonly nextHopMtu?: number;
  /** Parameter problem: the octet of the original datagram where the problem lies. */
  readonly pointer?: number;
  /** Redirect: the router to send to instead. */
  readonly gateway?: string;
  /**
   * The rest-of-header bits RFC 792 leaves unused, as one number: 16 bits for
   * destination unreachable, 24 for parameter problem, 32 for time exceeded
   * and source quench. Zero when not given.
   */
  readonly unused?: number;
  /** Error types: the quoted original datagram, IP header first (a view on decode). */
  readonly original?: Uint8Array;
  /** Any other type: its 4 rest-of-header bytes as they are. */
  readonly rest?: Uint8Array;
}

export const ICMP_HEADER_LENGTH = 8;
/** RFC 792 quotes the original IP header and the first 8 bytes of what it carried. */
export const ICMP_QUOTED_PAYLOAD_LENGTH = 8;

export const IcmpOffsets = { type: 0, code: 1, checksum: 2, identifier: 4, sequenceNumber: 6, original: 8 } as const;

export const IcmpType = {
  echoReply: 0,
  destinationUnreachable: 3,
  sourceQuench: 4,
  redirect: 5,
  echoRequest: 8,
  timeExceeded: 11,
  parameterProblem: 12,
} as const;

export const DestinationUnreachableCode = { net: 0, host: 1, protocol: 2, port: 3, fragmentationNeeded: 4, sourceRouteFailed: 5 } as const;
export const TimeExceededCode = { ttl: 0, fragmentReassembly: 1 } as const;

/** The 8-byte header with its rest-of-header read as echo's two words, declared once: the spec and the tests' oracle. */
export const icmpLayout = BL.struct([BL.u8('type'), BL.u8('code'), BL.u16be('checksum'), BL.u16be('identifier'), BL.u16be('sequenceNumber')]);

const EMPTY = new Uint8Array(0);

function isError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/**
 * Decodes the message at `offset`, `length` bytes long: the checksum covers
 * all of them, so the caller passes what the IP layer says the message spans.
 */
export function decode(bytes: Uint8Array, offset = 0, length = bytes.length - offset): Decoded<IcmpHeader> {
  requireBytes(bytes, offset, ICMP_HEADER_LENGTH, 'icmp', 'header');
  if (length < ICMP_HEADER_LENGTH) throw new DecodeError('icmp', offset, `message length ${length} is less than the 8-byte header`);
  requireBytes(bytes, offset, length, 'icmp', `message (length ${length})`);
  const b = bytes;
  const end = offset + length;
  const type = b[offset];
  const word1 = (b[offset + 4] << 8) | b[offset + 5];
  const word2 = (b[offset + 6] << 8) | b[offset + 7];
  const common = {
    type,
    code: b[offset + 1],
    checksum: (b[offset + 2] << 8) | b[offset + 3],
    checksumValid: foldSum(onesComplementSum(b, offset, end)) === 0xffff,
  };
  const body = b.subarray(offset + ICMP_HEADER_LENGTH, end);
  let header: IcmpHeader;
  switch (type) {
    case IcmpType.echoReply:
    case IcmpType.echoRequest:
      header = { ...common, identifier: word1, sequenceNumber: word2 };
      break;
    case IcmpType.destinationUnreachable:
      header = { ...common, unused: word1, nextHopMtu: word2, original: body };
      break;
    case IcmpType.sourceQuench:
    case IcmpType.timeExceeded:
      header = { ...common, unused: word1 * 0x10000 + word2, original: body };
      break;
    case IcmpType.redirect:
      header = { ...common, gateway: ipv4ToString(b, offset + 4), original: body };
      break;
    case IcmpType.parameterProblem:
      header = { ...common, pointer: b[offset + 4], unused: (b[offset + 5] << 16) | word2, original: body };
      break;
    default:
      header = { ...common, rest: b.subarray(offset + 4, offset + 8) };
  }
  return decoded(bytes, header, ICMP_HEADER_LENGTH, offset + ICMP_HEADER_LENGTH, length - ICMP_HEADER_LENGTH);
}

/** With no payloadLength, the body is `header.original`, as encode would write it. */
export function encodingLength(header: IcmpHeader, payloadLength = header.original?.length ?? 0, _options?: EncodeOptions): number {
  return ICMP_HEADER_LENGTH + payloadLength;
}

function writeRestOfHeader(buf: Uint8Array, at: number, header: IcmpHeader): void {
  let word1 = 0;
  let word2 = 0;
  switch (header.type) {
    case IcmpType.echoReply:
    case IcmpType.echoRequest:
      word1 = header.identifier ?? 0;
      word2 = header.sequenceNumber ?? 0;
      break;
    case IcmpType.destinationUnreachable:
      word1 = header.unused ?? 0;
      word2 = header.nextHopMtu ?? 0;
      break;
    case IcmpType.sourceQuench:
    case IcmpType.timeExceeded:
      word1 = Math.floor((header.unused ?? 0) / 0x10000);
      word2 = (header.unused ?? 0) & 0xffff;
      break;
    case IcmpType.redirect:
      writeIpv4(buf, at, header.gateway ?? '0.0.0.0');
      return;
    case IcmpType.parameterProblem:
      word1 = ((header.pointer ?? 0) << 8) | ((header.unused ?? 0) >>> 16);
      word2 = (header.unused ?? 0) & 0xffff;
      break;
    default: {
      const rest = header.rest ?? new Uint8Array(4);
      if (rest.length !== 4) throw new RangeError(`icmp: rest of header is ${rest.length} bytes, not 4`);
      buf.set(rest, at);
      return;
    }
  }
  buf[at] = (word1 >>> 8) & 0xff;
  buf[at + 1] = word1 & 0xff;
  buf[at + 2] = (word2 >>> 8) & 0xff;
  buf[at + 3] = word2 & 0xff;
}

/**
 * Writes the message at `offset`; returns the bytes written. The body is
 * `payload`, or `header.original` when no payload is passed. With
 * computeChecksums the checksum is computed over the whole message;
 * without it, the header's own is written.
 */
export function encodeInto(buf: Uint8Array, offset: number, header: IcmpHeader, payload: Uint8Array = header.original ?? EMPTY, options?: EncodeOptions): number {
  const total = ICMP_HEADER_LENGTH + payload.length;
  if (buf.length - offset < total) throw new RangeError(`icmp: ${total} bytes do not fit at offset ${offset}`);
  buf[offset] = header.type;
  buf[offset + 1] = header.code;
  buf[offset + 2] = 0;
  buf[offset + 3] = 0;
  writeRestOfHeader(buf, offset + 4, header);
  buf.set(payload, offset + ICMP_HEADER_LENGTH);
  const checksum = computeChecksums(options) ? internetChecksum(buf, offset, offset + total) : header.checksum;
  buf[offset + 2] = (checksum >>> 8) & 0xff;
  buf[offset + 3] = checksum & 0xff;
  return total;
}

export function encode(header: IcmpHeader, payload: Uint8Array = header.original ?? EMPTY, options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_LENGTH + payload.length);
  encodeInto(out, 0, header, payload, options);
  return out;
}

/**
 * What an error quotes of `originalPacket`: its IP header and the first 8
 * bytes after it (RFC 792), copied, since the packet's buffer is usually
 * reused once the error is built.
 */
export function quote(originalPacket: Uint8Array): Uint8Array {
  const headerLength = Math.max((originalPacket[0] & 0x0f) << 2, 20);
  return originalPacket.slice(0, Math.min(originalPacket.length, headerLength + ICMP_QUOTED_PAYLOAD_LENGTH));
}

/**
 * Builders for the messages routers and hosts send. They leave checksum 0
 * (and checksumValid false): encode computes it over the body it writes.
 */
export function timeExceeded(originalPacket: Uint8Array, code: number = TimeExceededCode.ttl): IcmpHeader {
  return { type: IcmpType.timeExceeded, code, checksum: 0, checksumValid: false, unused: 0, original: quote(originalPacket) };
}

export function destinationUnreachable(originalPacket: Uint8Array, code: number, nextHopMtu = 0): IcmpHeader {
  return { type: IcmpType.destinationUnreachable, code, checksum: 0, checksumValid: false, unused: 0, nextHopMtu, original: quote(originalPacket) };
}

export function echo(type: typeof IcmpType.echoRequest | typeof IcmpType.echoReply, identifier: number, sequenceNumber: number): IcmpHeader {
  return { type, code: 0, checksum: 0, checksumValid: false, identifier, sequenceNumber };
}
