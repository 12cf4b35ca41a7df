/**
 * The retransmission timeout of RFC 6298. The floor is Linux's 200 ms rather
 * than the RFC's 1 s: the journeys here take tens of milliseconds, and a 1 s
 * floor would make every loss look like a stall in the capture. The ceiling
 * is the RFC's 60 s.
 */
export const INITIAL_RTO_NS = 1_000_000_000;
export const MIN_RTO_NS = 200_000_000;
export const MAX_RTO_NS = 60_000_000_000;
/** The clock granularity G: virtual time is exact, so this only keeps RTTVAR from vanishing. */
const GRANULARITY_NS = 1_000_000;

export class RtoEstimator {
  /** Smoothed round-trip time; undefined until the first sample. */
  srttNs: number | undefined;
  rttvarNs = 0;
  /** The timeout before any backoff. */
  private baseNs = INITIAL_RTO_NS;
  /** How many times the timer has doubled since the last fresh sample. */
  backoffs = 0;

  /** The timeout to arm the timer with now. */
  get rtoNs(): number {
    return Math.min(MAX_RTO_NS, this.baseNs * 2 ** this.backoffs);
  }

  /** A round-trip sample from a segment that was not retransmitted (Karn's rule is the caller's). */
  sample(rttNs: number): void {
    if (this.srttNs === undefined) {
      this.srttNs = rttNs;
      this.rttvarNs = rttNs / 2;
    } else {
      this.rttvarNs = 0.75 * this.rttvarNs + 0.25 * Math.abs(this.srttNs - rttNs);
      this.srttNs = 0.875 * this.srttNs + 0.125 * rttNs;
    }
    this.baseNs = Math.min(MAX_RTO_NS, Math.max(MIN_RTO_NS, this.srttNs + Math.max(GRANULARITY_NS, 4 * this.rttvarNs)));
    this.backoffs = 0;
  }

  /** The timer expired: double the timeout (RFC 6298 §5.5). */
  backOff(): void {
    if (this.rtoNs < MAX_RTO_NS) this.backoffs++;
  }
}
