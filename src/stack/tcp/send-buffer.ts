/**
 * The bytes the application wrote and the peer has not yet acknowledged.
 * Positions are stream offsets (the first byte written is 0); chunks are
 * kept as written and only sliced when a segment is built.
 */
export class SendBuffer {
  private chunks: Uint8Array[] = [];
  /** The stream offset of the first byte still held. */
  private start = 0;
  /** The stream offset one past the last byte written. */
  private endOffset = 0;
  /** How far into chunks[0] the first held byte is. */
  private headSkip = 0;

  /** Total bytes written so far, acknowledged or not. */
  get written(): number {
    return this.endOffset;
  }

  /** Bytes held: written and not yet acknowledged. */
  get held(): number {
    return this.endOffset - this.start;
  }

  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes.slice());
    this.endOffset += bytes.length;
  }

  /** A copy of the bytes in [from, to); both must lie within what is held. */
  slice(from: number, to: number): Uint8Array {
    if (from < this.start || to > this.endOffset || from > to) throw new RangeError(`send buffer holds [${this.start}, ${this.endOffset}), asked for [${from}, ${to})`);
    const out = new Uint8Array(to - from);
    let position = this.start - this.headSkip;
    let written = 0;
    for (const chunk of this.chunks) {
      const chunkEnd = position + chunk.length;
      if (chunkEnd > from && position < to) {
        const a = Math.max(from, position) - position;
        const b = Math.min(to, chunkEnd) - position;
        out.set(chunk.subarray(a, b), written);
        written += b - a;
      }
      if (chunkEnd >= to) break;
      position = chunkEnd;
    }
    return out;
  }

  /** Forgets the bytes before `offset`: the peer has them. */
  release(offset: number): void {
    const upTo = Math.min(offset, this.endOffset);
    while (this.chunks.length > 0 && this.start < upTo) {
      const head = this.chunks[0];
      const remaining = head.length - this.headSkip;
      const drop = Math.min(remaining, upTo - this.start);
      this.start += drop;
      this.headSkip += drop;
      if (this.headSkip === head.length) {
        this.chunks.shift();
        this.headSkip = 0;
      }
    }
  }
}
