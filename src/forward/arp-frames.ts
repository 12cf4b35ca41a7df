/**
 * Whole Ethernet frames carrying ARP (RFC 826) for Ethernet and IPv4: the
 * requests a router or host sends, the replies it gives for its own
 * addresses, and the gratuitous ARP a host sends when an interface comes up.
 * The 28 bytes are written by offset, and frames are padded to Ethernet's
 * 60-byte minimum as they would be on the wire.
 */
import { ArpHardwareType, ArpOffsets, ArpOpcode, ARP_ETHERNET_IPV4_LENGTH } from '../../codecs/arp.js';
import { readUint32 } from '../../codecs/address.js';
import { ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME, EtherType, EthernetOffsets } from '../../codecs/ethernet.js';

export const ARP_FRAME_LENGTH = ETHERNET_MIN_FRAME;

const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const UNKNOWN = new Uint8Array(6);

/** An address this node answers for: the IPv4 address (as a 32-bit number) and the interface MAC. */
export interface OwnAddress {
  readonly ip: number;
  readonly mac: Uint8Array;
}

/**
 * Writes an ARP frame at `offset` (60 bytes, padding zeroed) and returns the
 * bytes written. `ethernetDestination` is broadcast for requests and the
 * asker for replies.
 */
export function writeArpFrame(
  buf: Uint8Array,
  offset: number,
  opcode: number,
  ethernetDestination: Uint8Array,
  senderMac: Uint8Array,
  senderIp: number,
  targetMac: Uint8Array,
  targetIp: number,
): number {
  if (buf.length - offset < ARP_FRAME_LENGTH) throw new RangeError(`arp: ${ARP_FRAME_LENGTH} bytes do not fit at offset ${offset}`);
  buf.set(ethernetDestination.subarray(0, 6), offset + EthernetOffsets.destination);
  buf.set(senderMac.subarray(0, 6), offset + EthernetOffsets.source);
  write16(buf, offset + EthernetOffsets.etherType, EtherType.arp);
  const a = offset + ETHERNET_HEADER_LENGTH;
  write16(buf, a + ArpOffsets.hardwareType, ArpHardwareType.ethernet);
  write16(buf, a + ArpOffsets.protocolType, EtherType.ipv4);
  buf[a + ArpOffsets.hardwareSize] = 6;
  buf[a + ArpOffsets.protocolSize] = 4;
  write16(buf, a + ArpOffsets.opcode, opcode);
  buf.set(senderMac.subarray(0, 6), a + ArpOffsets.senderHardwareAddress);
  write32(buf, a + ArpOffsets.senderProtocolAddress, senderIp);
  buf.set(targetMac.subarray(0, 6), a + ArpOffsets.targetHardwareAddress);
  write32(buf, a + ArpOffsets.targetProtocolAddress, targetIp);
  buf.fill(0, a + ARP_ETHERNET_IPV4_LENGTH, offset + ARP_FRAME_LENGTH);
  return ARP_FRAME_LENGTH;
}

/** "Who has targetIp? Tell senderIp", broadcast. */
export function arpRequest(senderMac: Uint8Array, senderIp: number, targetIp: number): Uint8Array {
  const frame = new Uint8Array(ARP_FRAME_LENGTH);
  writeArpFrame(frame, 0, ArpOpcode.request, BROADCAST, senderMac, senderIp, UNKNOWN, targetIp);
  return frame;
}

/** "senderIp is at senderMac", sent to the asker. */
export function arpReply(senderMac: Uint8Array, senderIp: number, targetMac: Uint8Array, targetIp: number): Uint8Array {
  const frame = new Uint8Array(ARP_FRAME_LENGTH);
  writeArpFrame(frame, 0, ArpOpcode.reply, targetMac, senderMac, senderIp, targetMac, targetIp);
  return frame;
}

/**
 * A gratuitous ARP: a broadcast request for the sender's own address (RFC
 * 5227 §3's announcement), so neighbours update their caches when an
 * interface comes up.
 */
export function gratuitousArp(mac: Uint8Array, ip: number): Uint8Array {
  const frame = new Uint8Array(ARP_FRAME_LENGTH);
  writeArpFrame(frame, 0, ArpOpcode.request, BROADCAST, mac, ip, UNKNOWN, ip);
  return frame;
}

/** The fields of an Ethernet/IPv4 ARP frame that a cache and a responder need. */
export interface ArpFrameFields {
  readonly opcode: number;
  readonly senderMac: Uint8Array;
  readonly senderIp: number;
  readonly targetMac: Uint8Array;
  readonly targetIp: number;
}

/**
 * Reads an untagged Ethernet frame holding Ethernet/IPv4 ARP; undefined for
 * anything else (too short, another EtherType or address sizes). The MACs
 * are views into the frame.
 */
export function readArpFrame(frame: Uint8Array, offset = 0): ArpFrameFields | undefined {
  if (!(offset >= 0) || frame.length - offset < ETHERNET_HEADER_LENGTH + ARP_ETHERNET_IPV4_LENGTH) return undefined;
  if (read16(frame, offset + EthernetOffsets.etherType) !== EtherType.arp) return undefined;
  const a = offset + ETHERNET_HEADER_LENGTH;
  if (
    read16(frame, a + ArpOffsets.hardwareType) !== ArpHardwareType.ethernet ||
    read16(frame, a + ArpOffsets.protocolType) !== EtherType.ipv4 ||
    frame[a + ArpOffsets.hardwareSize] !== 6 ||
    frame[a + ArpOffsets.protocolSize] !== 4
  ) {
    return undefined;
  }
  return {
    opcode: read16(frame, a + ArpOffsets.opcode),
    senderMac: frame.subarray(a + ArpOffsets.senderHardwareAddress, a + ArpOffsets.senderHardwareAddress + 6),
    senderIp: readUint32(frame, a + ArpOffsets.senderProtocolAddress),
    targetMac: frame.subarray(a + ArpOffsets.targetHardwareAddress, a + ArpOffsets.targetHardwareAddress + 6),
    targetIp: readUint32(frame, a + ArpOffsets.targetProtocolAddress),
  };
}

/**
 * The reply to a "who has" for one of `own` addresses, or undefined when the
 * frame is not such a request (or asks for someone else). A gratuitous
 * request (sender and target the same) gets no reply.
 */
export function replyFor(requestFrame: Uint8Array, own: readonly OwnAddress[], offset = 0): Uint8Array | undefined {
  const arp = readArpFrame(requestFrame, offset);
  if (!arp || arp.opcode !== ArpOpcode.request || arp.senderIp === arp.targetIp) return undefined;
  for (const address of own) {
    if (address.ip >>> 0 === arp.targetIp) return arpReply(address.mac, arp.targetIp, arp.senderMac, arp.senderIp);
  }
  return undefined;
}

function read16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function write16(b: Uint8Array, at: number, value: number): void {
  b[at] = value >>> 8;
  b[at + 1] = value & 0xff;
}

function write32(b: Uint8Array, at: number, value: number): void {
  b[at] = value >>> 24;
  b[at + 1] = (value >>> 16) & 0xff;
  b[at + 2] = (value >>> 8) & 0xff;
  b[at + 3] = value & 0xff;
}
