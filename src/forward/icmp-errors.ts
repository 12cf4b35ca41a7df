/**
 * The ICMP errors a router sends about a packet it cannot forward: Time
 * Exceeded and Destination Unreachable, quoting the original IP header and
 * the first 8 bytes of its payload (RFC 792; RFC 1812 §4.3.2.3 allows more,
 * we keep to the classic quote that every tool expects).
 */
import { internetChecksum } from '../../codecs/checksum.js';
import { ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME, EtherType } from '../../codecs/ethernet.js';
import { ICMP_HEADER_LENGTH, ICMP_QUOTED_PAYLOAD_LENGTH, IcmpOffsets, IcmpType } from '../../codecs/icmp.js';
import { IPV4_MIN_HEADER_LENGTH, IpProtocol, Ipv4Offsets } from '../../codecs/ipv4.js';

const ERROR_TYPES = new Set<number>([
  IcmpType.destinationUnreachable,
  IcmpType.sourceQuench,
  IcmpType.redirect,
  IcmpType.timeExceeded,
  IcmpType.parameterProblem,
]);

/**
 * RFC 1812 §4.3.2.7: no error about an ICMP error, a fragment other than the
 * first, or a packet whose source is not one host (0.0.0.0, multicast,
 * limited broadcast).
 */
export function mayAnswerWithError(frame: Uint8Array, ip: number, headerLength: number, totalLength: number): boolean {
  if ((((frame[ip + Ipv4Offsets.flagsFragment] & 0x1f) << 8) | frame[ip + Ipv4Offsets.flagsFragment + 1]) !== 0) return false;
  const first = frame[ip + Ipv4Offsets.source];
  if (first === 0 || first >= 224) return false;
  if (frame[ip + Ipv4Offsets.protocol] === IpProtocol.icmp) {
    if (totalLength < headerLength + 1) return false;
    if (ERROR_TYPES.has(frame[ip + headerLength + IcmpOffsets.type])) return false;
  }
  return true;
}

/**
 * A new Ethernet frame carrying the ICMP error from `source` to the
 * original sender, MACs left zero for the caller to fill.
 */
export function buildIcmpError(
  frame: Uint8Array,
  ip: number,
  headerLength: number,
  totalLength: number,
  type: number,
  code: number,
  source: number,
  identification: number,
): Uint8Array {
  const quoteLength = Math.min(headerLength + ICMP_QUOTED_PAYLOAD_LENGTH, totalLength);
  const ipLength = IPV4_MIN_HEADER_LENGTH + ICMP_HEADER_LENGTH + quoteLength;
  const out = new Uint8Array(Math.max(ETHERNET_MIN_FRAME, ETHERNET_HEADER_LENGTH + ipLength));
  out[12] = EtherType.ipv4 >>> 8;
  out[13] = EtherType.ipv4 & 0xff;
  const o = ETHERNET_HEADER_LENGTH;
  out[o] = 0x45;
  out[o + Ipv4Offsets.totalLength] = ipLength >>> 8;
  out[o + Ipv4Offsets.totalLength + 1] = ipLength & 0xff;
  out[o + Ipv4Offsets.identification] = (identification >>> 8) & 0xff;
  out[o + Ipv4Offsets.identification + 1] = identification & 0xff;
  out[o + Ipv4Offsets.ttl] = 64;
  out[o + Ipv4Offsets.protocol] = IpProtocol.icmp;
  out[o + Ipv4Offsets.source] = source >>> 24;
  out[o + Ipv4Offsets.source + 1] = (source >>> 16) & 0xff;
  out[o + Ipv4Offsets.source + 2] = (source >>> 8) & 0xff;
  out[o + Ipv4Offsets.source + 3] = source & 0xff;
  out.set(frame.subarray(ip + Ipv4Offsets.source, ip + Ipv4Offsets.source + 4), o + Ipv4Offsets.destination);
  const ipChecksum = internetChecksum(out, o, o + IPV4_MIN_HEADER_LENGTH);
  out[o + Ipv4Offsets.checksum] = ipChecksum >>> 8;
  out[o + Ipv4Offsets.checksum + 1] = ipChecksum & 0xff;

  const icmp = o + IPV4_MIN_HEADER_LENGTH;
  out[icmp + IcmpOffsets.type] = type;
  out[icmp + IcmpOffsets.code] = code;
  out.set(frame.subarray(ip, ip + quoteLength), icmp + IcmpOffsets.original);
  const icmpChecksum = internetChecksum(out, icmp, icmp + ICMP_HEADER_LENGTH + quoteLength);
  out[icmp + IcmpOffsets.checksum] = icmpChecksum >>> 8;
  out[icmp + IcmpOffsets.checksum + 1] = icmpChecksum & 0xff;
  return out;
}
