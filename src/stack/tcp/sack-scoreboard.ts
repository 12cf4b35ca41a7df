/**
 * What the peer's SACK blocks say it holds beyond the cumulative ACK
 * (RFC 2018, RFC 6675's scoreboard), as sorted, merged ranges of send
 * offsets. Recovery uses it to resend the holes and nothing else.
 */
export interface OffsetRange {
  start: number;
  end: number;
}

export class SackScoreboard {
  private ranges: OffsetRange[] = [];

  /** Adds one block, merging it with the ranges it touches. */
  record(start: number, end: number): void {
    if (start >= end) return;
    const merged = { start, end };
    const kept: OffsetRange[] = [];
    for (const range of this.ranges) {
      if (range.end < merged.start || range.start > merged.end) kept.push(range);
      else {
        merged.start = Math.min(merged.start, range.start);
        merged.end = Math.max(merged.end, range.end);
      }
    }
    kept.push(merged);
    kept.sort((a, b) => a.start - b.start);
    this.ranges = kept;
  }

  /** The cumulative ACK reached `offset`: what lies below needs no record. */
  acknowledged(offset: number): void {
    this.ranges = this.ranges.filter((range) => range.end > offset);
  }

  /** RFC 2018 §8: after a timeout the receiver may have dropped what it SACKed. */
  clear(): void {
    this.ranges = [];
  }

  /** The first offset at or after `from` that the peer has not SACKed, if it lies below the highest SACKed byte. */
  nextHole(from: number): number | undefined {
    let start = from;
    for (const range of this.ranges) if (start >= range.start && start < range.end) start = range.end;
    const highest = this.ranges.length > 0 ? this.ranges[this.ranges.length - 1].end : 0;
    return start < highest ? start : undefined;
  }

  /** Where a resend from `offset` should stop so as not to run into SACKed data: `end`, or the next SACKed range's start. */
  clip(offset: number, end: number): number {
    let clipped = end;
    for (const range of this.ranges) if (range.start > offset && range.start < clipped) clipped = range.start;
    return clipped;
  }

  get list(): readonly OffsetRange[] {
    return this.ranges;
  }
}
