/**
 * The outside ports (or ICMP query ids) of one protocol on the outside
 * address: which mapping owns each one. The inside port is kept when it is
 * free and inside the range (RFC 4787 REQ-3's port preservation, as home
 * routers do); otherwise the next free port after a moving cursor is taken,
 * so allocation is deterministic and spreads over the range.
 */
export class PortAllocator {
  /** The owning mapping id of each port, or -1. */
  private readonly owner = new Int32Array(65536).fill(-1);
  readonly low: number;
  readonly span: number;
  private cursor = 0;
  private reclaimCursor = 0;
  private used = 0;

  constructor(range: readonly [number, number]) {
    const [low, high] = range;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 0 || high > 65535 || low > high) {
      throw new RangeError(`port range must be integers within 0..65535, low <= high, not [${low}, ${high}]`);
    }
    this.low = low;
    this.span = high - low + 1;
  }

  /** Ports of the range still free. */
  get free(): number {
    return this.span - this.used;
  }

  ownerOf(port: number): number {
    return this.owner[port];
  }

  /** Claims `preferred` if free and in range, else the next free port; returns -1 when none is left. */
  allocate(preferred: number, mapping: number): number {
    const rel = preferred - this.low;
    if (rel >= 0 && rel < this.span && this.owner[preferred] < 0) return this.claim(preferred, mapping);
    if (this.used >= this.span) return -1;
    // Some port is free, so this loop ends within `span` steps.
    for (;;) {
      const port = this.low + this.cursor;
      this.cursor = this.cursor + 1 === this.span ? 0 : this.cursor + 1;
      if (this.owner[port] < 0) return this.claim(port, mapping);
    }
  }

  /** Ports of the range in turn, for a caller looking for one whose owner can be reclaimed. */
  nextReclaimCandidate(): number {
    const port = this.low + this.reclaimCursor;
    this.reclaimCursor = this.reclaimCursor + 1 === this.span ? 0 : this.reclaimCursor + 1;
    return port;
  }

  release(port: number): void {
    if (this.owner[port] < 0) return;
    this.owner[port] = -1;
    this.used--;
  }

  private claim(port: number, mapping: number): number {
    this.owner[port] = mapping;
    this.used++;
    return port;
  }
}
