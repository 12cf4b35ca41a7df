/**
 * Packets out of the capture fixtures, and where each one's network layer
 * starts, for the tests that pick frames of one protocol out of real
 * captures. The records come from readCapture and the link headers are
 * walked with the codecs, so this adds no reader of its own.
 */
import { readCapture } from '../../codecs/capture.js';
import * as ethernet from '../../codecs/ethernet.js';
import { decodeLinuxSll, decodeLoopback } from '../../codecs/link-headers.js';
import { LinkType } from '../../codecs/link-type.js';
import * as vlan from '../../codecs/vlan.js';
import { readFixture } from './fixtures.js';

export interface CapturedFrame {
  /** 1-based, as tshark numbers frames. */
  readonly frameNumber: number;
  readonly linkType: number;
  readonly frame: Uint8Array;
}

/** Every packet of a capture fixture (pcap or pcapng), in file order. */
export function captureFrames(relative: string): CapturedFrame[] {
  return [...readCapture(readFixture(relative))].map((record, i) => ({ frameNumber: i + 1, linkType: record.linkType, frame: record.data }));
}

export interface NetworkLayer {
  /** What the link layer says comes next, as an EtherType. */
  readonly etherType: number;
  /** Where the ARP or IP header starts in the frame. */
  readonly offset: number;
}

/** AF_INET, which BSD loopback headers carry for IPv4 on every system. */
const LOOPBACK_FAMILY_IPV4 = 2;

/**
 * Walks the link header to the network layer: Ethernet with any 802.1Q or
 * 802.1ad tags, Linux cooked capture, BSD loopback carrying IPv4, or none
 * for raw IPv4. Other link types throw, since no fixture needs them.
 */
export function networkLayer(frame: Uint8Array, linkType: number): NetworkLayer {
  switch (linkType) {
    case LinkType.ipv4:
      return { etherType: ethernet.EtherType.ipv4, offset: 0 };
    case LinkType.linuxSll: {
      const sll = decodeLinuxSll(frame);
      return { etherType: sll.header.protocol, offset: sll.payloadOffset };
    }
    case LinkType.null: {
      const loopback = decodeLoopback(frame);
      if (loopback.header.family !== LOOPBACK_FAMILY_IPV4) throw new Error(`loopback family ${loopback.header.family} is not handled here`);
      return { etherType: ethernet.EtherType.ipv4, offset: loopback.payloadOffset };
    }
    case LinkType.ethernet: {
      let { etherType } = ethernet.decode(frame).header;
      let offset = ethernet.ETHERNET_HEADER_LENGTH;
      while (etherType === ethernet.EtherType.vlan || etherType === ethernet.EtherType.qinq) {
        etherType = vlan.decode(frame, offset, etherType).header.etherType;
        offset += vlan.VLAN_TAG_LENGTH;
      }
      return { etherType, offset };
    }
    default:
      throw new Error(`link type ${linkType} is not handled here`);
  }
}
