/**
 * Sequence numbers live in a space of 2^32 that wraps (RFC 9293 §3.4). The
 * connection keeps its own positions as plain offsets from the initial
 * sequence numbers, which never wrap within a run, and meets the wire's
 * 32-bit numbers only through these functions.
 */

/** `a + n` in sequence space. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** How far `b` lies past `a`, as a signed 32-bit distance: negative when `b` is before `a`. */
export function seqDiff(b: number, a: number): number {
  return (b - a) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}
