/**
 * The UDP and TCP segments of the classic pcap fixtures, found without the
 * IPv4 codec: the link header is skipped by link type (Ethernet, with any
 * 802.1Q tags, or Linux SLL), and the IPv4 header by its IHL, with the
 * segment's length taken from the total length as the IPv4 layer would.
 */
import { readFixture } from '../helpers/fixtures.js';

export interface CaptureRecord {
  /** 1-based, as tshark numbers frames. */
  readonly frame: number;
  readonly bytes: Uint8Array;
}

export interface Segment {
  readonly frame: number;
  /** The whole captured frame. */
  readonly bytes: Uint8Array;
  /** Where the transport header starts in `bytes`. */
  readonly offset: number;
  /** The IPv4 payload length: the segment, without link padding. */
  readonly length: number;
  readonly protocol: number;
  readonly source: string;
  readonly destination: string;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;

export function readClassicPcap(relative: string): { linkType: number; records: CaptureRecord[] } {
  const file = readFixture(relative);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, false);
  const bigEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!bigEndian && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) throw new Error(`${relative}: not a classic pcap`);
  const le = !bigEndian;
  const linkType = view.getUint32(20, le) & 0x0fffffff;
  const records: CaptureRecord[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const captured = view.getUint32(at + 8, le);
    records.push({ frame: records.length + 1, bytes: file.subarray(at + 16, at + 16 + captured) });
    at += 16 + captured;
  }
  return { linkType, records };
}

function networkOffset(linkType: number, bytes: Uint8Array): number | undefined {
  if (linkType === LINKTYPE_LINUX_SLL) return ((bytes[14] << 8) | bytes[15]) === 0x0800 ? 16 : undefined;
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`link type ${linkType} is not handled`);
  let at = 12;
  while (((bytes[at] << 8) | bytes[at + 1]) === 0x8100) at += 4;
  return ((bytes[at] << 8) | bytes[at + 1]) === 0x0800 ? at + 2 : undefined;
}

/** Every unfragmented IPv4 segment of `protocol` (6 TCP, 17 UDP) in a classic pcap fixture. */
export function segmentsOf(relative: string, protocol: number): Segment[] {
  const { linkType, records } = readClassicPcap(relative);
  const segments: Segment[] = [];
  for (const { frame, bytes } of records) {
    const ip = networkOffset(linkType, bytes);
    if (ip === undefined || bytes[ip] >>> 4 !== 4 || bytes[ip + 9] !== protocol) continue;
    const fragment = ((bytes[ip + 6] << 8) | bytes[ip + 7]) & 0x3fff;
    if (fragment !== 0) continue;
    const ihl = (bytes[ip] & 0x0f) * 4;
    const totalLength = (bytes[ip + 2] << 8) | bytes[ip + 3];
    segments.push({
      frame,
      bytes,
      offset: ip + ihl,
      length: totalLength - ihl,
      protocol,
      source: bytes.subarray(ip + 12, ip + 16).join('.'),
      destination: bytes.subarray(ip + 16, ip + 20).join('.'),
    });
  }
  return segments;
}

/** A frame given as hex (fixtures/vectors/real_frames.json) located the same way, as Ethernet. */
export function segmentOfFrame(frame: Uint8Array, protocol: number): Segment {
  const ip = networkOffset(LINKTYPE_ETHERNET, frame);
  if (ip === undefined || frame[ip + 9] !== protocol) throw new Error(`frame carries no IPv4 protocol ${protocol}`);
  const ihl = (frame[ip] & 0x0f) * 4;
  return {
    frame: 0,
    bytes: frame,
    offset: ip + ihl,
    length: ((frame[ip + 2] << 8) | frame[ip + 3]) - ihl,
    protocol,
    source: frame.subarray(ip + 12, ip + 16).join('.'),
    destination: frame.subarray(ip + 16, ip + 20).join('.'),
  };
}
