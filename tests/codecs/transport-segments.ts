/**
 * The UDP and TCP segments of the capture fixtures: records come from
 * readCapture, the link header is skipped by link type (Ethernet with any
 * 802.1Q tags, or Linux SLL), and the IPv4 codec gives the segment's bounds
 * and addresses, its length being the IPv4 payload length without padding.
 */
import { readCapture } from '../../codecs/capture.js';
import * as ipv4 from '../../codecs/ipv4.js';
import { LinkType } from '../../codecs/link-type.js';
import { readFixture } from '../helpers/fixtures.js';

export interface Segment {
  /** 1-based, as tshark numbers frames; 0 for a frame that came as hex. */
  readonly frame: number;
  /** The whole captured frame. */
  readonly bytes: Uint8Array;
  /** Where the transport header starts in `bytes`. */
  readonly offset: number;
  /** The IPv4 payload length: the segment, without link padding. */
  readonly length: number;
  readonly source: string;
  readonly destination: string;
}

function networkOffset(linkType: number, bytes: Uint8Array): number | undefined {
  if (linkType === LinkType.linuxSll) return ((bytes[14] << 8) | bytes[15]) === 0x0800 ? 16 : undefined;
  if (linkType !== LinkType.ethernet) throw new Error(`link type ${linkType} is not handled`);
  let at = 12;
  while (((bytes[at] << 8) | bytes[at + 1]) === 0x8100) at += 4;
  return ((bytes[at] << 8) | bytes[at + 1]) === 0x0800 ? at + 2 : undefined;
}

function segmentAt(frame: number, bytes: Uint8Array, ip: number, protocol: number): Segment | undefined {
  const { header, payloadOffset, payloadLength } = ipv4.decode(bytes, ip);
  if (header.protocol !== protocol || header.moreFragments || header.fragmentOffset !== 0) return undefined;
  return { frame, bytes, offset: payloadOffset, length: payloadLength, source: header.source, destination: header.destination };
}

/** Every unfragmented IPv4 segment of `protocol` (6 TCP, 17 UDP) in a capture fixture. */
export function segmentsOf(relative: string, protocol: number): Segment[] {
  const segments: Segment[] = [];
  let frame = 0;
  for (const { linkType, data } of readCapture(readFixture(relative))) {
    frame++;
    const ip = networkOffset(linkType, data);
    const segment = ip === undefined ? undefined : segmentAt(frame, data, ip, protocol);
    if (segment) segments.push(segment);
  }
  return segments;
}

/** An Ethernet frame given as hex (fixtures/vectors/real_frames.json), located the same way. */
export function segmentOfFrame(frame: Uint8Array, protocol: number): Segment {
  const ip = networkOffset(LinkType.ethernet, frame);
  const segment = ip === undefined ? undefined : segmentAt(0, frame, ip, protocol);
  if (!segment) throw new Error(`frame carries no IPv4 protocol ${protocol}`);
  return segment;
}
