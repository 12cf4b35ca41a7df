/**
 * A token bucket in virtual time, for the ICMP errors a router sends
 * (RFC 1812 §4.3.2.8 asks routers to limit them). Tokens accrue at
 * `perSecond` up to `burst`; each message takes one.
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private lastNs = 0;
  private readonly nsPerToken: number;

  constructor(readonly limit: RateLimit) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError('a rate limit needs perSecond > 0 and burst >= 1');
    this.tokens = limit.burst;
    this.nsPerToken = 1e9 / limit.perSecond;
  }

  /** Takes a token if one is there at `nowNs`. */
  take(nowNs: number): boolean {
    if (nowNs > this.lastNs) {
      this.tokens = Math.min(this.limit.burst, this.tokens + (nowNs - this.lastNs) / this.nsPerToken);
      this.lastNs = nowNs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
