/**
 * Frames out of the classic pcap fixtures, and where their network layer
 * starts. Enough for the codec tests: a 24-byte global header (either byte
 * order, micro- or nanosecond magic), then 16-byte record headers.
 */
import * as ethernet from '../../codecs/ethernet.js';
import * as vlan from '../../codecs/vlan.js';
import { readFixture } from '../helpers/fixtures.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_IPV4 = 228;

export interface PcapFrames {
  readonly linkType: number;
  /** Frame n (1-based, as tshark numbers them) is frames[n - 1]. */
  readonly frames: readonly Uint8Array[];
}

export function readPcap(relative: string): PcapFrames {
  const file = readFixture(relative);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, true);
  const littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!littleEndian && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error(`${relative}: not a classic pcap file`);
  }
  const linkType = view.getUint32(20, littleEndian) & 0x0fffffff;
  const frames: Uint8Array[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const captured = view.getUint32(at + 8, littleEndian);
    frames.push(file.subarray(at + 16, at + 16 + captured));
    at += 16 + captured;
  }
  return { linkType, frames };
}

export interface NetworkLayer {
  readonly etherType: number;
  /** Where the ARP or IP header starts in the frame. */
  readonly offset: number;
}

/** Walks Ethernet and any 802.1Q tags (or nothing, for raw IPv4) to the network layer. */
export function networkLayer(frame: Uint8Array, linkType: number): NetworkLayer {
  if (linkType === LINKTYPE_RAW_IPV4) return { etherType: ethernet.EtherType.ipv4, offset: 0 };
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`link type ${linkType} is not handled here`);
  let { etherType } = ethernet.decode(frame).header;
  let offset = ethernet.ETHERNET_HEADER_LENGTH;
  while (etherType === ethernet.EtherType.vlan || etherType === ethernet.EtherType.qinq) {
    etherType = vlan.decode(frame, offset, etherType).header.etherType;
    offset += vlan.VLAN_TAG_LENGTH;
  }
  return { etherType, offset };
}
