/**
 * ARP (RFC 826). Ethernet/IPv4 packets, the only kind the emulator sends,
 * read their addresses as text; any other hardware or protocol size keeps
 * them as bytes, so that every ARP packet can be written back exactly.
 */
import * as BL from 'buffer-layout';
import { ipv4ToString, macToString, writeIpv4, writeMac } from './address.js';
import { type Decoded, type EncodeOptions, decoded, fixLengths } from './codec.js';
import { requireBytes } from './decode-error.js';

export interface ArpHeader {
  readonly hardwareType: number;
  readonly protocolType: number;
  readonly hardwareSize: number;
  readonly protocolSize: number;
  readonly opcode: number;
  /** A MAC string when hardwareSize is 6 and protocolSize 4, otherwise the raw bytes; the same for the other three. */
  readonly senderHardwareAddress: string | Uint8Array;
  readonly senderProtocolAddress: string | Uint8Array;
  readonly targetHardwareAddress: string | Uint8Array;
  readonly targetProtocolAddress: string | Uint8Array;
}

/** The fixed part before the addresses. */
export const ARP_FIXED_LENGTH = 8;
/** An Ethernet/IPv4 packet. */
export const ARP_ETHERNET_IPV4_LENGTH = 28;

export const ArpHardwareType = { ethernet: 1 } as const;
export const ArpOpcode = { request: 1, reply: 2 } as const;

/** Byte offsets of an Ethernet/IPv4 packet, for code that answers ARP in place. */
export const ArpOffsets = {
  hardwareType: 0,
  protocolType: 2,
  hardwareSize: 4,
  protocolSize: 5,
  opcode: 6,
  senderHardwareAddress: 8,
  senderProtocolAddress: 14,
  targetHardwareAddress: 18,
  targetProtocolAddress: 24,
} as const;

/** The Ethernet/IPv4 packet, declared once: the spec and the tests' oracle. */
export const arpLayout = BL.struct([
  BL.u16be('hardwareType'),
  BL.u16be('protocolType'),
  BL.u8('hardwareSize'),
  BL.u8('protocolSize'),
  BL.u16be('opcode'),
  BL.blob(6, 'senderHardwareAddress'),
  BL.blob(4, 'senderProtocolAddress'),
  BL.blob(6, 'targetHardwareAddress'),
  BL.blob(4, 'targetProtocolAddress'),
]);

function isEthernetIpv4(hardwareSize: number, protocolSize: number): boolean {
  return hardwareSize === 6 && protocolSize === 4;
}

/**
 * Decodes the packet at `offset`. Its length comes from the two size fields;
 * whatever follows (Ethernet padding) is not ARP's, so payloadLength is 0.
 */
export function decode(bytes: Uint8Array, offset = 0): Decoded<ArpHeader> {
  requireBytes(bytes, offset, ARP_FIXED_LENGTH, 'arp', 'header');
  const b = bytes;
  const hardwareSize = b[offset + 4];
  const protocolSize = b[offset + 5];
  const length = ARP_FIXED_LENGTH + 2 * (hardwareSize + protocolSize);
  requireBytes(bytes, offset, length, 'arp', `addresses (hardware size ${hardwareSize}, protocol size ${protocolSize})`);
  const sha = offset + ARP_FIXED_LENGTH;
  const spa = sha + hardwareSize;
  const tha = spa + protocolSize;
  const tpa = tha + hardwareSize;
  const text = isEthernetIpv4(hardwareSize, protocolSize);
  const header: ArpHeader = {
    hardwareType: (b[offset] << 8) | b[offset + 1],
    protocolType: (b[offset + 2] << 8) | b[offset + 3],
    hardwareSize,
    protocolSize,
    opcode: (b[offset + 6] << 8) | b[offset + 7],
    senderHardwareAddress: text ? macToString(b, sha) : b.subarray(sha, spa),
    senderProtocolAddress: text ? ipv4ToString(b, spa) : b.subarray(spa, tha),
    targetHardwareAddress: text ? macToString(b, tha) : b.subarray(tha, tpa),
    targetProtocolAddress: text ? ipv4ToString(b, tpa) : b.subarray(tpa, offset + length),
  };
  return decoded(bytes, header, length, offset + length, 0);
}

/** How an address given as text is written: a MAC in 6 bytes, an IPv4 address in 4. */
interface TextForm {
  readonly length: number;
  write(buf: Uint8Array, offset: number, text: string): void;
}
const HARDWARE: TextForm = { length: 6, write: writeMac };
const PROTOCOL: TextForm = { length: 4, write: writeIpv4 };

function addressLength(address: string | Uint8Array, form: TextForm): number {
  return typeof address === 'string' ? form.length : address.length;
}

/** Writes a text address in its form, or raw bytes as they are; returns the bytes written. */
function writeAddress(buf: Uint8Array, offset: number, address: string | Uint8Array, form: TextForm): number {
  if (typeof address === 'string') {
    form.write(buf, offset, address);
    return form.length;
  }
  buf.set(address, offset);
  return address.length;
}

/** The packet's length as written: 8 plus the four addresses (text ones count 6 and 4). */
function packetLength(header: ArpHeader): number {
  return (
    ARP_FIXED_LENGTH +
    addressLength(header.senderHardwareAddress, HARDWARE) +
    addressLength(header.senderProtocolAddress, PROTOCOL) +
    addressLength(header.targetHardwareAddress, HARDWARE) +
    addressLength(header.targetProtocolAddress, PROTOCOL)
  );
}

/** ARP carries nothing; a payload, if given, is written after the packet as it is. */
export function encodingLength(header: ArpHeader, payloadLength = 0, _options?: EncodeOptions): number {
  return packetLength(header) + payloadLength;
}

/**
 * Writes the packet at `offset`; returns the bytes written. With fixLengths,
 * the two size fields are taken from the sender's addresses (and the target's
 * must match them); without it, the header's own sizes are written.
 */
export function encodeInto(buf: Uint8Array, offset: number, header: ArpHeader, payload: Uint8Array = new Uint8Array(0), options?: EncodeOptions): number {
  const total = encodingLength(header, payload.length);
  if (buf.length - offset < total) throw new RangeError(`arp: ${total} bytes do not fit at offset ${offset}`);
  let hardwareSize = header.hardwareSize;
  let protocolSize = header.protocolSize;
  if (fixLengths(options)) {
    hardwareSize = addressLength(header.senderHardwareAddress, HARDWARE);
    protocolSize = addressLength(header.senderProtocolAddress, PROTOCOL);
    if (addressLength(header.targetHardwareAddress, HARDWARE) !== hardwareSize || addressLength(header.targetProtocolAddress, PROTOCOL) !== protocolSize) {
      throw new RangeError('arp: sender and target addresses differ in size');
    }
    if (hardwareSize > 255 || protocolSize > 255) throw new RangeError('arp: an address is longer than 255 bytes');
  }
  buf[offset] = (header.hardwareType >>> 8) & 0xff;
  buf[offset + 1] = header.hardwareType & 0xff;
  buf[offset + 2] = (header.protocolType >>> 8) & 0xff;
  buf[offset + 3] = header.protocolType & 0xff;
  buf[offset + 4] = hardwareSize;
  buf[offset + 5] = protocolSize;
  buf[offset + 6] = (header.opcode >>> 8) & 0xff;
  buf[offset + 7] = header.opcode & 0xff;
  let at = offset + ARP_FIXED_LENGTH;
  at += writeAddress(buf, at, header.senderHardwareAddress, HARDWARE);
  at += writeAddress(buf, at, header.senderProtocolAddress, PROTOCOL);
  at += writeAddress(buf, at, header.targetHardwareAddress, HARDWARE);
  at += writeAddress(buf, at, header.targetProtocolAddress, PROTOCOL);
  buf.set(payload, at);
  return total;
}

export function encode(header: ArpHeader, payload: Uint8Array = new Uint8Array(0), options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(encodingLength(header, payload.length));
  encodeInto(out, 0, header, payload, options);
  return out;
}
