/**
 * Splits an IPv4 packet that does not fit a link's MTU (RFC 791 §3.2, "An
 * Example Fragmentation Procedure"). Every fragment but the last carries a
 * multiple of 8 payload bytes, because the offset field counts 8-byte units;
 * all but the last set More Fragments. The first fragment keeps every option;
 * the later ones keep only the options whose copied flag (the type's top bit)
 * is set, padded to a 32-bit boundary.
 */
import { internetChecksum } from '../../codecs/checksum.js';
import { IPV4_MIN_HEADER_LENGTH, Ipv4Offsets } from '../../codecs/ipv4.js';

const OPTION_END = 0;
const OPTION_NOP = 1;
const COPIED = 0x80;

/** The options of a header that later fragments repeat, padded with zeros to 4-byte words. */
export function copiedOptions(options: Uint8Array): Uint8Array {
  const kept: number[] = [];
  let i = 0;
  while (i < options.length) {
    const type = options[i];
    if (type === OPTION_END) break;
    if (type === OPTION_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= options.length) break;
    const length = options[i + 1];
    // A length that cannot be right ends the walk: what follows cannot be trusted.
    if (length < 2 || i + length > options.length) break;
    if (type & COPIED) for (let k = 0; k < length; k++) kept.push(options[i + k]);
    i += length;
  }
  const out = new Uint8Array((kept.length + 3) & ~3);
  out.set(kept);
  return out;
}

/**
 * The fragments of `packet` (a whole IPv4 packet, header first) for a link
 * of `mtu` bytes, or the packet itself when it fits. The caller has checked
 * Don't Fragment. Offsets and More Fragments build on the packet's own, so a
 * fragment can be fragmented again on the way.
 */
export function fragment(packet: Uint8Array, mtu: number): Uint8Array[] {
  const headerLength = (packet[0] & 0x0f) << 2;
  const totalLength = (packet[Ipv4Offsets.totalLength] << 8) | packet[Ipv4Offsets.totalLength + 1];
  if (totalLength <= mtu) return [packet];
  const flags = (packet[Ipv4Offsets.flagsFragment] << 8) | packet[Ipv4Offsets.flagsFragment + 1];
  const baseOffset = (flags & 0x1fff) << 3;
  const lastHadMore = (flags & 0x2000) !== 0;
  const firstHeader = packet.subarray(0, headerLength);
  const laterOptions = copiedOptions(packet.subarray(IPV4_MIN_HEADER_LENGTH, headerLength));
  const laterHeaderLength = IPV4_MIN_HEADER_LENGTH + laterOptions.length;
  const payload = packet.subarray(headerLength, totalLength);

  const fragments: Uint8Array[] = [];
  let at = 0;
  while (at < payload.length) {
    const first = at === 0;
    const hl = first ? headerLength : laterHeaderLength;
    const room = (mtu - hl) & ~7;
    if (room <= 0) throw new RangeError(`an MTU of ${mtu} leaves no room for fragment data after a ${hl}-byte header`);
    const size = Math.min(room, payload.length - at);
    const last = at + size === payload.length;
    const out = new Uint8Array(hl + size);
    if (first) {
      out.set(firstHeader);
    } else {
      out.set(firstHeader.subarray(0, IPV4_MIN_HEADER_LENGTH));
      out.set(laterOptions, IPV4_MIN_HEADER_LENGTH);
      out[0] = 0x40 | (hl >>> 2);
    }
    out.set(payload.subarray(at, at + size), hl);
    const length = hl + size;
    out[Ipv4Offsets.totalLength] = length >>> 8;
    out[Ipv4Offsets.totalLength + 1] = length & 0xff;
    const more = !last || lastHadMore;
    const field = (flags & 0xc000) | (more ? 0x2000 : 0) | ((baseOffset + at) >>> 3);
    out[Ipv4Offsets.flagsFragment] = field >>> 8;
    out[Ipv4Offsets.flagsFragment + 1] = field & 0xff;
    out[Ipv4Offsets.checksum] = 0;
    out[Ipv4Offsets.checksum + 1] = 0;
    const sum = internetChecksum(out, 0, hl);
    out[Ipv4Offsets.checksum] = sum >>> 8;
    out[Ipv4Offsets.checksum + 1] = sum & 0xff;
    fragments.push(out);
    at += size;
  }
  return fragments;
}
