/**
 * A deliberately plain Internet checksum for the transport tests to judge
 * the codecs by: it builds the 12-byte IPv4 pseudo-header as bytes and sums
 * the words of one concatenated array, sharing no code with codecs/checksum.ts.
 */

export function pseudoHeaderBytes(source: string, destination: string, protocol: number, length: number): Uint8Array {
  const out = new Uint8Array(12);
  out.set(source.split('.').map(Number), 0);
  out.set(destination.split('.').map(Number), 4);
  out[9] = protocol;
  out[10] = length >> 8;
  out[11] = length & 0xff;
  return out;
}

/** The folded 16-bit one's-complement sum of `parts` laid end to end (an odd tail padded with zero). */
export function referenceSum(...parts: Uint8Array[]): number {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + 1);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  let sum = 0;
  for (let i = 0; i < at; i += 2) {
    sum += all[i] * 256 + all[i + 1];
    while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  }
  return sum;
}

/** The checksum field value that makes `parts` sum to 0xffff, computed with the field zeroed. */
export function referenceChecksum(...parts: Uint8Array[]): number {
  return 0xffff - referenceSum(...parts);
}
