/**
 * Congestion control: slow start and congestion avoidance (RFC 5681) with
 * NewReno's fast recovery (RFC 6582). The initial window is ten segments
 * (RFC 6928), as Linux sends. Byte counts, not segments, throughout.
 */
export const INITIAL_WINDOW_SEGMENTS = 10;

export class CongestionControl {
  cwnd: number;
  ssthresh = Number.MAX_SAFE_INTEGER;
  /** While in fast recovery: the highest offset sent when it began (NewReno's `recover`). */
  recover: number | undefined;

  constructor(private mss: number) {
    this.cwnd = INITIAL_WINDOW_SEGMENTS * mss;
  }

  get inRecovery(): boolean {
    return this.recover !== undefined;
  }

  get phase(): 'slow-start' | 'congestion-avoidance' | 'fast-recovery' {
    if (this.recover !== undefined) return 'fast-recovery';
    return this.cwnd < this.ssthresh ? 'slow-start' : 'congestion-avoidance';
  }

  /** The path MSS shrank (PMTUD): keep the window's size in segments. */
  setMss(mss: number): void {
    this.cwnd = Math.max(mss, Math.floor((this.cwnd / this.mss) * mss));
    this.mss = mss;
  }

  /** New data acknowledged outside recovery (RFC 5681 §3.1). */
  onAck(acked: number): void {
    if (this.cwnd < this.ssthresh) this.cwnd += Math.min(acked, this.mss);
    else this.cwnd += Math.max(1, Math.floor((this.mss * this.mss) / this.cwnd));
  }

  /** The third duplicate ACK: halve and enter fast recovery (RFC 6582 §3.2 step 2). */
  enterRecovery(flightSize: number, highestSent: number): void {
    this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.mss);
    this.cwnd = this.ssthresh + 3 * this.mss;
    this.recover = highestSent;
  }

  /** A further duplicate ACK during recovery: one more segment has left the network. */
  onDuplicateInRecovery(): void {
    this.cwnd += this.mss;
  }

  /** An ACK below `recover`: deflate by what it acknowledged, then allow one more segment (§3.2 step 5). */
  onPartialAck(acked: number): void {
    this.cwnd = Math.max(this.mss, this.cwnd - acked + this.mss);
  }

  /** An ACK that covers `recover`: leave recovery with the window at ssthresh (§3.2 step 6, option 1). */
  exitRecovery(flightSize: number): void {
    this.cwnd = Math.min(this.ssthresh, Math.max(flightSize, this.mss) + this.mss);
    this.recover = undefined;
  }

  /** The retransmission timer expired (RFC 5681 §3.1, equation 4): back to one segment. */
  onTimeout(flightSize: number): void {
    this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.recover = undefined;
  }
}
