/**
 * The one seeded generator every random choice in a run draws from:
 * ephemeral ports, TCP initial sequence numbers, IP ids, DNS ids, TLS
 * randoms and key shares. One seed, one sequence, so the same seed gives the
 * same capture byte for byte.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

type Generator = ReturnType<typeof xoroshiro128plus>;

export class SeededRandom {
  private readonly generator: Generator;

  constructor(readonly seed: number) {
    // xoroshiro128+ seeded with a small number starts from a state of mostly
    // zero and one bits, and its first outputs show it (~seed, then numbers
    // near it): scramble the seed and let the state settle first.
    this.generator = xoroshiro128plus(scramble(seed | 0));
    for (let i = 0; i < 16; i++) this.generator.next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.generator, min, max);
  }

  uint32(): number {
    return this.generator.next() >>> 0;
  }

  uint16(): number {
    return this.generator.next() & 0xffff;
  }

  /** A float in [0, 1), for loss decisions. */
  float(): number {
    return (this.generator.next() >>> 0) / 0x1_0000_0000;
  }

  /** Fills a new array of `length` bytes; `length` comes from our code, never from the wire. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const v = this.generator.next();
      out[i] = v & 255;
      if (i + 1 < length) out[i + 1] = (v >>> 8) & 255;
      if (i + 2 < length) out[i + 2] = (v >>> 16) & 255;
      if (i + 3 < length) out[i + 3] = (v >>> 24) & 255;
    }
    return out;
  }
}

/** MurmurHash3's 32-bit finaliser: every seed bit reaches every state bit. */
function scramble(seed: number): number {
  let h = seed ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
