import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4ToUint32 } from '../../codecs/address.js';
import {
  foldSum,
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSum,
  pseudoHeaderSumOf,
  ttlDecremented,
  updateChecksum16,
  updateChecksum32,
} from '../../codecs/checksum.js';
import { fromHex, readFixture } from '../helpers/fixtures.js';

const vectors = JSON.parse(new TextDecoder().decode(readFixture('vectors/vectors.json'))) as Record<string, Record<string, string>>;
const hex16 = (s: string) => parseInt(s, 16);

describe('checksum vectors', () => {
  it('RFC 1071 §3: sum ddf2, checksum 220d', () => {
    const v = vectors.rfc1071_sec3;
    const data = fromHex(v.data);
    expect(foldSum(onesComplementSum(data, 0, data.length))).toBe(hex16(v.ones_complement_sum));
    expect(internetChecksum(data)).toBe(hex16(v.checksum));
  });

  it('the worked IPv4 header: b861, and a header carrying it sums to zero', () => {
    const v = vectors.ipv4_header_wikipedia;
    expect(internetChecksum(fromHex(v.header_with_zero_cksum))).toBe(hex16(v.checksum));
    expect(internetChecksum(fromHex(v.full_header))).toBe(0);
  });

  it('RFC 1624 §4: the incremental update gives 0000, never RFC 1141\'s ffff', () => {
    const v = vectors.rfc1624_sec4;
    const before = fromHex(v.example_32_bytes);
    const after = fromHex(v.example_after_change);
    expect(internetChecksum(before)).toBe(hex16(v.HC));
    expect(foldSum(onesComplementSum(before, 0, 30))).toBe(hex16(v.other_octets_sum));
    const updated = updateChecksum16(hex16(v.HC), hex16(v.m), hex16(v.m_new));
    expect(updated).toBe(hex16(v.HC_new_eqn3));
    expect(updated).not.toBe(hex16(v.HC_new_rfc1141_eqn));
    expect(internetChecksum(after)).toBe(updated);
  });

  it('the UDP pseudo-header alone: d779, from bytes and from numbers', () => {
    const v = vectors.udp_pseudoheader_ovs;
    const p = fromHex(v.pseudo_header);
    expect(internetChecksum(p)).toBe(hex16(v.checksum_of_pseudo_only));
    const protocol = p[9];
    const length = (p[10] << 8) | p[11];
    expect(~foldSum(pseudoHeaderSum(p, 0, 4, protocol, length)) & 0xffff).toBe(hex16(v.checksum_of_pseudo_only));
    const source = ipv4ToUint32(Array.from(p.subarray(0, 4)).join('.'));
    const destination = ipv4ToUint32(Array.from(p.subarray(4, 8)).join('.'));
    expect(~foldSum(pseudoHeaderSumOf(source, destination, protocol, length)) & 0xffff).toBe(hex16(v.checksum_of_pseudo_only));
  });

  it('pads an odd last byte with zero on the right', () => {
    expect(onesComplementSum(Uint8Array.of(0x12, 0x34, 0x56), 0, 3)).toBe(0x1234 + 0x5600);
    expect(internetChecksum(Uint8Array.of(0xab))).toBe(~0xab00 & 0xffff);
  });

  it('folds sums far beyond 32 bits', () => {
    const big = new Uint8Array(1 << 20).fill(0xff);
    expect(internetChecksum(big)).toBe(0);
    const ones = new Uint8Array(1 << 20).fill(0x01);
    // 2^19 words of 0x0101 fold to 2^19 * 0x0101 mod 0xffff.
    expect(foldSum(onesComplementSum(ones, 0, ones.length))).toBe(Number((2n ** 19n * 0x101n) % 0xffffn));
  });
});

/**
 * Equal as checksums. The two forms of one's-complement zero only part when
 * everything covered sums to zero; then a full recompute gives ffff and
 * RFC 1624's equation 0000, and both verify.
 */
function sameChecksum(incremental: number, full: number, data: Uint8Array): void {
  if (incremental !== full && foldSum(onesComplementSum(data, 0, data.length)) % 0xffff === 0) {
    expect([incremental, full].sort()).toEqual([0, 0xffff]);
  } else {
    expect(incremental).toBe(full);
  }
}

/** Makes random bytes a 20-byte IPv4 header with this TTL and a valid checksum, which it returns. */
function checksummedWithTtl(header: Uint8Array, ttl: number): number {
  header[0] = 0x45;
  header[8] = ttl;
  header[10] = 0;
  header[11] = 0;
  const checksum = internetChecksum(header);
  header[10] = checksum >>> 8;
  header[11] = checksum & 0xff;
  return checksum;
}

describe('incremental update equals a full recompute', () => {
  const buffers = fc.integer({ min: 1, max: 64 }).chain((words) => fc.uint8Array({ minLength: words * 2, maxLength: words * 2 }));

  it('for a 16-bit change', () => {
    fc.assert(
      fc.property(buffers, fc.nat(), fc.integer({ min: 0, max: 0xffff }), (data, at, newWord) => {
        const i = (at % (data.length / 2)) * 2;
        const before = internetChecksum(data);
        const oldWord = (data[i] << 8) | data[i + 1];
        data[i] = newWord >>> 8;
        data[i + 1] = newWord & 0xff;
        sameChecksum(updateChecksum16(before, oldWord, newWord), internetChecksum(data), data);
      }),
      { numRuns: 3000 },
    );
  });

  it('for a 32-bit change', () => {
    fc.assert(
      fc.property(buffers.filter((d) => d.length >= 4), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (data, at, newValue) => {
        const i = (at % (data.length / 2 - 1)) * 2;
        const before = internetChecksum(data);
        const oldValue = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
        data[i] = newValue >>> 24;
        data[i + 1] = (newValue >>> 16) & 0xff;
        data[i + 2] = (newValue >>> 8) & 0xff;
        data[i + 3] = newValue & 0xff;
        sameChecksum(updateChecksum32(before, oldValue, newValue), internetChecksum(data), data);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a header that carries its checksum valid through repeated TTL decrements', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 1, max: 255 }), (header, ttl) => {
        let checksum = checksummedWithTtl(header, ttl);
        while (header[8] > 0) {
          const oldWord = (header[8] << 8) | header[9];
          header[8]--;
          checksum = updateChecksum16(checksum, oldWord, (header[8] << 8) | header[9]);
          header[10] = checksum >>> 8;
          header[11] = checksum & 0xff;
          expect(foldSum(onesComplementSum(header, 0, 20))).toBe(0xffff);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('ttlDecremented: the word of TTL, protocol and checksum equals the header recomputed in full', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 1, max: 255 }), (header, ttl) => {
        checksummedWithTtl(header, ttl);
        const word = ((header[8] << 24) | (header[9] << 16) | (header[10] << 8) | header[11]) | 0;
        const after = ttlDecremented(word);
        header[8]--;
        header[10] = 0;
        header[11] = 0;
        const recomputed = internetChecksum(header);
        expect(after >>> 24).toBe(ttl - 1);
        expect((after >>> 16) & 0xff).toBe(header[9]);
        sameChecksum(after & 0xffff, recomputed, header);
      }),
      { numRuns: 3000 },
    );
  });
});
