/**
 * The UDP and TCP segments of the capture fixtures: each frame is walked to
 * its network layer (helpers/frames.ts), and the IPv4 codec gives the
 * segment's bounds and addresses, its length being the IPv4 payload length
 * without padding.
 */
import { EtherType } from '../../codecs/ethernet.js';
import * as ipv4 from '../../codecs/ipv4.js';
import { LinkType } from '../../codecs/link-type.js';
import { fromHex } from '../helpers/fixtures.js';
import { captureFrames, networkLayer } from '../helpers/frames.js';

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

function segmentAt(frameNumber: number, bytes: Uint8Array, linkType: number, protocol: number): Segment | undefined {
  const network = networkLayer(bytes, linkType);
  if (network.etherType !== EtherType.ipv4) return undefined;
  const { header, payloadOffset, payloadLength } = ipv4.decode(bytes, network.offset);
  if (header.protocol !== protocol || header.moreFragments || header.fragmentOffset !== 0) return undefined;
  return { frame: frameNumber, bytes, offset: payloadOffset, length: payloadLength, source: header.source, destination: header.destination };
}

/** Every unfragmented IPv4 segment of `protocol` (6 TCP, 17 UDP) in a capture fixture. */
export function segmentsOf(relative: string, protocol: number): Segment[] {
  return captureFrames(relative).flatMap(({ frameNumber, frame, linkType }) => segmentAt(frameNumber, frame, linkType, protocol) ?? []);
}

/** An Ethernet frame given as hex (fixtures/vectors/real_frames.json), located the same way. */
export function segmentOfFrame(frame: Uint8Array, protocol: number): Segment {
  const segment = segmentAt(0, frame, LinkType.ethernet, protocol);
  if (!segment) throw new Error(`frame carries no IPv4 protocol ${protocol}`);
  return segment;
}

/** The segments of each capture fixture, and all of them together with those of the frames kept as hex. */
export function segmentFixtures(files: readonly string[], protocol: number, hexFrames: readonly { readonly hex: string }[]): { byFile: Map<string, Segment[]>; all: Segment[] } {
  const byFile = new Map(files.map((file) => [file, segmentsOf(file, protocol)]));
  return { byFile, all: [...[...byFile.values()].flat(), ...hexFrames.map((f) => segmentOfFrame(fromHex(f.hex), protocol))] };
}
