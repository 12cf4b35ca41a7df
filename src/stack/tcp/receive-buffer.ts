/**
 * Reassembly of what arrives out of order, and the SACK blocks that describe
 * it (RFC 2018). Positions are stream offsets (the peer's first data byte is
 * 0). The connection trims every segment to its receive window first, so
 * what is held here is bounded by the window it advertised.
 */
import type { SackBlock } from '../../../codecs/tcp-options.js';

interface Range {
  start: number;
  end: number;
}

interface HeldSegment extends Range {
  bytes: Uint8Array;
}

export class ReceiveBuffer {
  /** The next stream offset expected in order. */
  next = 0;
  /** Segments beyond `next`, sorted and not overlapping. */
  private held: HeldSegment[] = [];
  /** The ranges of held data, most recently changed first, for SACK's ordering rule. */
  private recent: Range[] = [];

  /** Bytes held out of order. */
  get heldBytes(): number {
    let total = 0;
    for (const segment of this.held) total += segment.end - segment.start;
    return total;
  }

  get hasGaps(): boolean {
    return this.held.length > 0;
  }

  /**
   * Takes the bytes at stream offset `start`; returns the bytes that are now
   * in order (possibly several pieces, when this filled a gap), in order.
   */
  insert(start: number, bytes: Uint8Array): Uint8Array[] {
    let from = start;
    let data = bytes;
    if (from < this.next) {
      data = data.subarray(Math.min(data.length, this.next - from));
      from = this.next;
    }
    if (data.length === 0) return [];
    if (from > this.next) {
      this.hold(from, data);
      return [];
    }
    const ready: Uint8Array[] = [data.slice()];
    this.next = from + data.length;
    while (this.held.length > 0 && this.held[0].start <= this.next) {
      const segment = this.held.shift()!;
      if (segment.end > this.next) {
        ready.push(segment.bytes.subarray(this.next - segment.start));
        this.next = segment.end;
      }
    }
    this.recent = this.recent.filter((range) => range.end > this.next);
    return ready;
  }

  /** Up to `max` SACK blocks, the most recently changed first, as stream offsets. */
  sackRanges(max: number): Range[] {
    return this.recent.slice(0, max).map((range) => ({ start: range.start, end: range.end }));
  }

  /** The SACK blocks in sequence numbers, given how to map a stream offset to one. */
  sackBlocks(max: number, toSequence: (offset: number) => number): SackBlock[] {
    return this.sackRanges(max).map((range) => ({ left: toSequence(range.start), right: toSequence(range.end) }));
  }

  private hold(start: number, data: Uint8Array): void {
    let from = start;
    let end = start + data.length;
    // Keep only the parts not already held, then record the merged range it now belongs to.
    const pieces: HeldSegment[] = [];
    let cursor = from;
    for (const segment of this.held) {
      if (segment.end <= cursor || segment.start >= end) continue;
      if (segment.start > cursor) pieces.push({ start: cursor, end: segment.start, bytes: data.slice(cursor - start, segment.start - start) });
      cursor = Math.max(cursor, segment.end);
    }
    if (cursor < end) pieces.push({ start: cursor, end, bytes: data.slice(cursor - start, end - start) });
    for (const piece of pieces) {
      let index = this.held.findIndex((segment) => segment.start > piece.start);
      if (index < 0) index = this.held.length;
      this.held.splice(index, 0, piece);
    }
    // The contiguous run of held data that contains this segment.
    let i = this.held.findIndex((segment) => segment.start <= from && segment.end > from);
    while (i > 0 && this.held[i - 1].end === this.held[i].start) i--;
    from = this.held[i].start;
    while (i + 1 < this.held.length && this.held[i].end === this.held[i + 1].start) i++;
    end = this.held[i].end;
    this.recent = [{ start: from, end }, ...this.recent.filter((range) => range.end < from || range.start > end)];
  }
}
