/**
 * A batch of frames packed in one buffer, the way a NIC's receive ring holds
 * them: frame i is bytes[offsets[i], offsets[i] + lengths[i]). The router's
 * batch pipeline reads and writes headers through one DataView over that
 * buffer, so a 32-bit field is one load rather than four byte loads, and no
 * per-frame view has to exist at all. Frames may be anywhere in the buffer,
 * in any order; they must not overlap.
 */
export class FrameBatch {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
  /** Frames in the batch: the first `count` offsets and lengths. */
  count: number;

  /**
   * Frames laid out in `bytes` already (a receive buffer filled in place):
   * `count` of them, or as many as `offsets` holds.
   */
  constructor(bytes: Uint8Array, offsets: Int32Array, lengths: Int32Array, count = offsets.length) {
    if (lengths.length < count || offsets.length < count) throw new RangeError(`FrameBatch: ${count} frames, but ${offsets.length} offsets and ${lengths.length} lengths`);
    for (let i = 0; i < count; i++) {
      if (!liesInside(offsets[i], lengths[i], bytes.length)) {
        throw new RangeError(`FrameBatch: frame ${i} (${lengths[i]} bytes at ${offsets[i]}) lies outside the ${bytes.length}-byte buffer`);
      }
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offsets = offsets;
    this.lengths = lengths;
    this.count = count;
  }

  /** Copies of `frames`, back to back in a fresh buffer. */
  static of(frames: readonly Uint8Array[]): FrameBatch {
    let total = 0;
    for (const f of frames) total += f.length;
    const bytes = new Uint8Array(total);
    const offsets = new Int32Array(frames.length);
    const lengths = new Int32Array(frames.length);
    let at = 0;
    frames.forEach((f, i) => {
      bytes.set(f, at);
      offsets[i] = at;
      lengths[i] = f.length;
      at += f.length;
    });
    return new FrameBatch(bytes, offsets, lengths);
  }

  /** Frame i as a view into the batch's buffer: it changes when the buffer is reused. */
  frame(i: number): Uint8Array {
    return this.bytes.subarray(this.offsets[i], this.offsets[i] + this.lengths[i]);
  }
}

/**
 * Whether `length` bytes at `offset` lie inside a buffer of `size` bytes. A
 * batch's offsets and lengths can change after it is made, so the router
 * asks again for every frame it forwards.
 */
export function liesInside(offset: number, length: number, size: number): boolean {
  return offset >= 0 && length >= 0 && offset + length <= size;
}
