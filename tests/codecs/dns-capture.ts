/**
 * The DNS messages inside a capture, found by walking Ethernet, 802.1Q,
 * IPv4, UDP and TCP by hand, so that the DNS tests stand on nothing but the
 * capture reader. Frames are numbered from 1, as tshark numbers them.
 */
import { readCapture } from '../../codecs/capture.js';
import { readFixture } from '../helpers/fixtures.js';

export interface DnsPayload {
  readonly frame: number;
  /** The UDP payload, or the TCP payload with its 2-byte length prefixes. */
  readonly bytes: Uint8Array;
  readonly transport: 'udp' | 'tcp';
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_IPV4 = 228;

/** IPv4 fragments waiting for the rest of their datagram, by source, destination, protocol and id. */
type Pending = Map<string, { parts: Map<number, Uint8Array>; total: number }>;

/**
 * The transport bytes of the IPv4 packet at `at`: the packet's own, or the
 * whole datagram once its last missing fragment arrives (as tshark reports
 * it, on that fragment's frame); undefined while pieces are missing.
 */
function reassemble(d: Uint8Array, at: number, pending: Pending): Uint8Array | undefined {
  const ihl = (d[at] & 15) * 4;
  const total = (d[at + 2] << 8) | d[at + 3];
  if (at + total > d.length) return undefined;
  const data = d.subarray(at + ihl, at + total);
  const moreFragments = (d[at + 6] & 0x20) !== 0;
  const offset = (((d[at + 6] & 0x1f) << 8) | d[at + 7]) * 8;
  if (!moreFragments && offset === 0) return data;
  const key = `${d[at + 9]}:${Array.from(d.subarray(at + 12, at + 20)).join('.')}:${(d[at + 4] << 8) | d[at + 5]}`;
  const entry = pending.get(key) ?? { parts: new Map<number, Uint8Array>(), total: -1 };
  pending.set(key, entry);
  entry.parts.set(offset, data);
  if (!moreFragments) entry.total = offset + data.length;
  if (entry.total < 0) return undefined;
  const whole = new Uint8Array(entry.total);
  for (let o = 0; o < entry.total; ) {
    const part = entry.parts.get(o);
    if (!part || part.length === 0) return undefined;
    whole.set(part.subarray(0, entry.total - o), o);
    o += part.length;
  }
  pending.delete(key);
  return whole;
}

function ipv4Payload(frame: number, d: Uint8Array, at: number, pending: Pending, out: DnsPayload[]): void {
  if (d.length - at < 20 || d[at] >> 4 !== 4) return;
  const protocol = d[at + 9];
  const l4 = reassemble(d, at, pending);
  if (!l4 || l4.length < 8) return;
  const sport = (l4[0] << 8) | l4[1];
  const dport = (l4[2] << 8) | l4[3];
  if (sport !== 53 && dport !== 53) return;
  if (protocol === 17) {
    const udpLength = (l4[4] << 8) | l4[5];
    if (udpLength <= l4.length) out.push({ frame, bytes: l4.subarray(8, udpLength), transport: 'udp' });
  } else if (protocol === 6) {
    const dataOffset = (l4[12] >> 4) * 4;
    if (dataOffset < l4.length) out.push({ frame, bytes: l4.subarray(dataOffset), transport: 'tcp' });
  }
}

export function dnsPayloads(file: string): DnsPayload[] {
  const out: DnsPayload[] = [];
  const pending: Pending = new Map();
  let frame = 0;
  for (const record of readCapture(readFixture(file))) {
    frame++;
    const d = record.data;
    if (record.linkType === LINKTYPE_RAW || record.linkType === LINKTYPE_IPV4) {
      ipv4Payload(frame, d, 0, pending, out);
    } else if (record.linkType === LINKTYPE_ETHERNET) {
      let at = 12;
      let etherType = (d[at] << 8) | d[at + 1];
      while (etherType === 0x8100 || etherType === 0x88a8) {
        at += 4;
        etherType = (d[at] << 8) | d[at + 1];
      }
      if (etherType === 0x0800) ipv4Payload(frame, d, at + 2, pending, out);
    }
  }
  return out;
}

/** Splits a TCP payload into the messages its length prefixes frame (without the prefixes). */
export function tcpMessages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o + 2 <= bytes.length; ) {
    const n = (bytes[o] << 8) | bytes[o + 1];
    out.push(bytes.subarray(o + 2, o + 2 + n));
    o += 2 + n;
  }
  return out;
}
