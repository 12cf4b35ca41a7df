/**
 * The two non-Ethernet link headers that real captures in the fixtures use:
 * BSD loopback (LINKTYPE_NULL: a 4-byte address family in the capturing
 * host's byte order) and Linux cooked capture (LINKTYPE_LINUX_SLL, 16 bytes).
 */
import { type Decoded, type EncodeOptions, decoded } from './codec.js';
import { requireBytes } from './decode-error.js';

export interface LoopbackHeader {
  /** The address family: 2 is IPv4 on every BSD and Linux; 24, 28 or 30 are IPv6. */
  readonly family: number;
  /** Whether the family was written little-endian, as the capturing host's order was. */
  readonly littleEndian: boolean;
}

export const LOOPBACK_HEADER_LENGTH = 4;

export function decodeLoopback(bytes: Uint8Array, offset = 0): Decoded<LoopbackHeader> {
  requireBytes(bytes, offset, LOOPBACK_HEADER_LENGTH, 'loopback', 'header');
  const le = bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);
  const be = (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
  // A family is a small number, so whichever reading is small is the host's order.
  const littleEndian = (le >>> 0) < 0x10000;
  const header = { family: (littleEndian ? le : be) >>> 0, littleEndian };
  return decoded(bytes, header, LOOPBACK_HEADER_LENGTH, offset + 4, bytes.length - offset - 4);
}

export function encodeLoopback(header: LoopbackHeader, payload: Uint8Array, _options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(LOOPBACK_HEADER_LENGTH + payload.length);
  new DataView(out.buffer).setUint32(0, header.family, header.littleEndian);
  out.set(payload, LOOPBACK_HEADER_LENGTH);
  return out;
}

export interface LinuxSllHeader {
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  readonly packetType: number;
  readonly addressType: number;
  readonly addressLength: number;
  /** The 8-byte address field, kept whole (only `addressLength` bytes of it mean anything). */
  readonly address: Uint8Array;
  /** The EtherType of what follows. */
  readonly protocol: number;
}

export const LINUX_SLL_HEADER_LENGTH = 16;

export function decodeLinuxSll(bytes: Uint8Array, offset = 0): Decoded<LinuxSllHeader> {
  requireBytes(bytes, offset, LINUX_SLL_HEADER_LENGTH, 'sll', 'header');
  const header: LinuxSllHeader = {
    packetType: (bytes[offset] << 8) | bytes[offset + 1],
    addressType: (bytes[offset + 2] << 8) | bytes[offset + 3],
    addressLength: (bytes[offset + 4] << 8) | bytes[offset + 5],
    address: bytes.subarray(offset + 6, offset + 14),
    protocol: (bytes[offset + 14] << 8) | bytes[offset + 15],
  };
  return decoded(bytes, header, LINUX_SLL_HEADER_LENGTH, offset + 16, bytes.length - offset - 16);
}

export function encodeLinuxSll(header: LinuxSllHeader, payload: Uint8Array, _options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(LINUX_SLL_HEADER_LENGTH + payload.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, header.packetType);
  view.setUint16(2, header.addressType);
  view.setUint16(4, header.addressLength);
  out.set(header.address.subarray(0, 8), 6);
  view.setUint16(14, header.protocol);
  out.set(payload, LINUX_SLL_HEADER_LENGTH);
  return out;
}
