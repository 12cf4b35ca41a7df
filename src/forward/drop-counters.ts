/**
 * Why a frame was dropped, one named counter per reason, the way VPP keeps
 * its error counters. The hot path counts by slot index into a typed array;
 * names are only turned into an object when someone asks.
 */

export const DROP_REASONS = [
  'bad-checksum',
  'ttl-expired',
  'no-route',
  'arp-queue-full',
  'arp-failed',
  'nat-no-mapping',
  'nat-ports-exhausted',
  'malformed',
  'not-for-us',
  'icmp-rate-limited',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

/** Slot of each reason, for callers that count by index on the hot path. */
export const DropSlot = {
  badChecksum: 0,
  ttlExpired: 1,
  noRoute: 2,
  arpQueueFull: 3,
  arpFailed: 4,
  natNoMapping: 5,
  natPortsExhausted: 6,
  malformed: 7,
  notForUs: 8,
  icmpRateLimited: 9,
} as const;

const SLOT_OF: ReadonlyMap<string, number> = new Map(DROP_REASONS.map((reason, slot) => [reason, slot]));

export type DropCountsObject = { [R in DropReason]: number };

export class DropCounters {
  /** Float64 so a counter never wraps in a long run. */
  readonly slots = new Float64Array(DROP_REASONS.length);

  count(reason: DropReason, n = 1): void {
    this.slots[slotOf(reason)] += n;
  }

  countSlot(slot: number, n = 1): void {
    this.slots[slot] += n;
  }

  get(reason: DropReason): number {
    return this.slots[slotOf(reason)];
  }

  total(): number {
    let sum = 0;
    for (let i = 0; i < this.slots.length; i++) sum += this.slots[i];
    return sum;
  }

  reset(): void {
    this.slots.fill(0);
  }

  toObject(): DropCountsObject {
    const out = {} as DropCountsObject;
    for (let i = 0; i < DROP_REASONS.length; i++) out[DROP_REASONS[i]] = this.slots[i];
    return out;
  }
}

function slotOf(reason: DropReason): number {
  const slot = SLOT_OF.get(reason);
  if (slot === undefined) throw new TypeError(`unknown drop reason: ${JSON.stringify(reason)}`);
  return slot;
}
