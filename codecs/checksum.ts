/**
 * The Internet checksum: RFC 1071's one's-complement sum, RFC 1624's
 * incremental update, and the IPv4 pseudo-header that TCP and UDP cover.
 * These run on every forwarded frame, so they read bytes by index and never
 * allocate.
 */

/**
 * The 32-bit running sum of big-endian 16-bit words over bytes[start, end),
 * plus `initial`. An odd last byte is padded with zero on the right, as RFC
 * 1071 says. Not folded: callers chain sums and fold once.
 */
export function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  return sum;
}

/** Folds a running sum to 16 bits, carries added back in. */
export function foldSum(sum: number): number {
  sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum & 0xffff) + (sum >>> 16);
}

/** The checksum field value over bytes[start, end): the complement of the folded sum. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return ~foldSum(onesComplementSum(bytes, start, end, initial)) & 0xffff;
}

/**
 * RFC 1624 equation 3: the new checksum after one 16-bit word of the covered
 * data changes from `oldWord` to `newWord`, HC' = ~(~HC + ~m + m'). Unlike
 * RFC 1141's form it never yields 0xffff for a sum that should be 0x0000.
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  // For 16-bit values, 0xffff - x is ~x & 0xffff; the second fold may leave a
  // carry in bit 16, which the final mask drops.
  let sum = 0xffff - checksum + (0xffff - oldWord) + newWord;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum += sum >>> 16;
  return ~sum & 0xffff;
}

/**
 * An IPv4 header's word of TTL, protocol and header checksum after the TTL
 * goes down by one, the checksum updated by RFC 1624 eqn. 3. A router does
 * this to every frame it forwards, so the word is read and written whole.
 * The TTL must be at least 1.
 */
export function ttlDecremented(word: number): number {
  const ttlProtocol = word >>> 16;
  let c = (~word & 0xffff) + (~ttlProtocol & 0xffff) + ttlProtocol - 0x100;
  c = (c & 0xffff) + (c >>> 16);
  c = ~((c & 0xffff) + (c >>> 16)) & 0xffff;
  return ((ttlProtocol - 0x100) << 16) | c;
}

/** RFC 1624 for a 32-bit field (an IPv4 address): two 16-bit updates in one. */
export function updateChecksum32(checksum: number, oldValue: number, newValue: number): number {
  let sum =
    (~checksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) +
    (~oldValue & 0xffff) +
    (newValue >>> 16) +
    (newValue & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * The running sum of the IPv4 pseudo-header (RFC 768, RFC 9293 §3.1):
 * source, destination, zero, protocol and the transport length. Addresses are
 * read from bytes so that the hot path need not format them as text.
 */
export function pseudoHeaderSum(
  addresses: Uint8Array,
  sourceOffset: number,
  destinationOffset: number,
  protocol: number,
  transportLength: number,
): number {
  return (
    ((addresses[sourceOffset] << 8) | addresses[sourceOffset + 1]) +
    ((addresses[sourceOffset + 2] << 8) | addresses[sourceOffset + 3]) +
    ((addresses[destinationOffset] << 8) | addresses[destinationOffset + 1]) +
    ((addresses[destinationOffset + 2] << 8) | addresses[destinationOffset + 3]) +
    protocol +
    transportLength
  );
}

/** The same sum with addresses as 32-bit numbers, for encoders that hold text. */
export function pseudoHeaderSumOf(source: number, destination: number, protocol: number, transportLength: number): number {
  return (source >>> 16) + (source & 0xffff) + (destination >>> 16) + (destination & 0xffff) + protocol + transportLength;
}
