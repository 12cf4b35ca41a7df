/** Test packets for the NAT, built with the codecs, and checksums checked by full recomputation. */
import { internetChecksum, pseudoHeaderSum } from '../../codecs/checksum.js';
import * as icmp from '../../codecs/icmp.js';
import * as ipv4 from '../../codecs/ipv4.js';
import * as tcp from '../../codecs/tcp.js';
import * as udp from '../../codecs/udp.js';

/** The seed's endpoints: the home router's outside address, two hosts behind it, and two servers out there. */
export const OUTSIDE = '203.0.113.50';
export const LAPTOP = '192.168.1.100';
export const OTHER = '192.168.1.101';
export const DNS = '8.8.8.8';
export const API = '52.94.133.131';
/** A second of virtual time, in nanoseconds. */
export const S = 1e9;

export interface IpExtra {
  readonly ttl?: number;
  readonly identification?: number;
  readonly moreFragments?: boolean;
  readonly fragmentOffset?: number;
}

export function ipPacket(source: string, destination: string, protocol: number, payload: Uint8Array, extra: IpExtra = {}): Uint8Array {
  return ipv4.encode(
    {
      version: 4,
      ihl: 5,
      dscp: 0,
      ecn: 0,
      totalLength: 0,
      identification: extra.identification ?? 0x1234,
      reservedFlag: false,
      dontFragment: false,
      moreFragments: extra.moreFragments ?? false,
      fragmentOffset: extra.fragmentOffset ?? 0,
      ttl: extra.ttl ?? 64,
      protocol,
      checksum: 0,
      checksumValid: false,
      source,
      destination,
      options: new Uint8Array(0),
    },
    payload,
  );
}

export function udpPacket(source: string, sourcePort: number, destination: string, destinationPort: number, data: Uint8Array = new Uint8Array([1, 2, 3, 4, 5]), extra: IpExtra & { zeroChecksum?: boolean } = {}): Uint8Array {
  const header = { sourcePort, destinationPort, length: 8 + data.length, checksum: 0 };
  const segment = extra.zeroChecksum
    ? udp.encode(header, data, { computeChecksums: false })
    : udp.encode(header, data, { pseudoHeader: { source, destination } });
  return ipPacket(source, destination, ipv4.IpProtocol.udp, segment, extra);
}

export const NO_FLAGS = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false, ns: false };

export function tcpPacket(
  source: string,
  sourcePort: number,
  destination: string,
  destinationPort: number,
  flags: Partial<typeof NO_FLAGS>,
  data: Uint8Array = new Uint8Array(0),
  extra: IpExtra = {},
): Uint8Array {
  const segment = tcp.encode(
    {
      sourcePort,
      destinationPort,
      sequenceNumber: 0x01020304,
      acknowledgmentNumber: flags.ack ? 0x0a0b0c0d : 0,
      dataOffset: 5,
      reserved: 0,
      flags: { ...NO_FLAGS, ...flags },
      window: 64240,
      checksum: 0,
      urgentPointer: 0,
      options: [],
    },
    data,
    { pseudoHeader: { source, destination } },
  );
  return ipPacket(source, destination, ipv4.IpProtocol.tcp, segment, extra);
}

export function echoPacket(source: string, destination: string, type: 0 | 8, identifier: number, sequenceNumber = 1): Uint8Array {
  const message = icmp.encode(icmp.echo(type, identifier, sequenceNumber), new Uint8Array([0x61, 0x62, 0x63, 0x64]));
  return ipPacket(source, destination, ipv4.IpProtocol.icmp, message);
}

/** An ICMP error from `router` to `destination` quoting the first `quoteLength` bytes of `original`. */
export function icmpErrorPacket(router: string, destination: string, type: 3 | 11, code: number, original: Uint8Array, quoteLength: number): Uint8Array {
  const header: icmp.IcmpHeader = { type, code, checksum: 0, checksumValid: false, unused: 0, original: original.slice(0, quoteLength) };
  return ipPacket(router, destination, ipv4.IpProtocol.icmp, icmp.encode(header));
}

/** Full recomputation of the IPv4 header checksum; returns whether the field holds it. */
export function ipChecksumOk(p: Uint8Array, o = 0): boolean {
  const ihl = (p[o] & 0x0f) * 4;
  const field = (p[o + 10] << 8) | p[o + 11];
  const copy = p.slice(o, o + ihl);
  copy[10] = 0;
  copy[11] = 0;
  return internetChecksum(copy) === field;
}

/** Full recomputation of the transport checksum of a whole (unfragmented) packet. */
export function transportChecksumOk(p: Uint8Array, o = 0): boolean {
  const ihl = (p[o] & 0x0f) * 4;
  const total = (p[o + 2] << 8) | p[o + 3];
  const protocol = p[o + 9];
  const l4 = o + ihl;
  const segment = p.slice(l4, o + total);
  const field = protocol === 6 ? 16 : protocol === 17 ? 6 : 2;
  const stored = (segment[field] << 8) | segment[field + 1];
  if (protocol === 17 && stored === 0) return true;
  segment[field] = 0;
  segment[field + 1] = 0;
  const initial = protocol === 1 ? 0 : pseudoHeaderSum(p, o + 12, o + 16, protocol, segment.length);
  let expected = internetChecksum(segment, 0, segment.length, initial);
  if (protocol === 17 && expected === 0) expected = 0xffff;
  return expected === stored;
}
