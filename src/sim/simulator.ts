/**
 * The engine: virtual time in nanoseconds, an event queue, the run's one
 * seeded generator and its event log. Nothing here reads the wall clock, so a
 * run depends on its seed and scenario alone.
 */
import { EventLog } from './event-log.js';
import { EventQueue, type ScheduledEvent } from './event-queue.js';
import { SeededRandom } from './random.js';

export interface SimulatorOptions {
  readonly seed?: number;
  /** The wall-clock date the run pretends to start at; certificates are checked against it. */
  readonly startTime?: Date;
}

/** A fixed default start, so captures carry a plausible date and stay identical run to run. */
export const DEFAULT_START_TIME = new Date('2026-03-02T09:30:00Z');

export interface RunLimits {
  /** Stop before the first event later than this virtual time. */
  readonly untilNs?: number;
  /** Stop after this many events, as a guard against a run that never settles. */
  readonly maxEvents?: number;
}

export class Simulator {
  readonly rng: SeededRandom;
  readonly startTime: Date;
  readonly log: EventLog;
  private readonly queue = new EventQueue();
  private nowNs = 0;
  private packetIds = 0n;
  private eventsRun = 0;

  constructor(options: SimulatorOptions = {}) {
    this.rng = new SeededRandom(options.seed ?? 1);
    this.startTime = options.startTime ?? DEFAULT_START_TIME;
    this.log = new EventLog(() => this.nowNs);
  }

  /** Virtual nanoseconds since the start. */
  get now(): number {
    return this.nowNs;
  }

  /** The virtual wall-clock time in nanoseconds since the Unix epoch, as captures record it. */
  epochNs(atNs = this.nowNs): bigint {
    return BigInt(this.startTime.getTime()) * 1_000_000n + BigInt(Math.round(atNs));
  }

  /** The virtual wall-clock date, for certificate validity and HTTP dates. */
  date(atNs = this.nowNs): Date {
    return new Date(this.startTime.getTime() + Math.floor(atNs / 1e6));
  }

  /** Runs `action` after `delayNs` of virtual time. */
  schedule(delayNs: number, action: () => void): ScheduledEvent {
    if (!(delayNs >= 0)) throw new RangeError(`cannot schedule ${delayNs} ns into the past`);
    return this.queue.push(this.nowNs + delayNs, action);
  }

  cancel(event: ScheduledEvent | undefined): void {
    if (event) event.cancelled = true;
  }

  /** A fresh id for a datagram a node originates; forwarders keep it as the datagram crosses hops. */
  nextPacketId(): bigint {
    return ++this.packetIds;
  }

  get eventCount(): number {
    return this.eventsRun;
  }

  /** Runs events in time order until none is left or a limit is reached; returns how many ran. */
  run(limits: RunLimits = {}): number {
    const until = limits.untilNs ?? Infinity;
    const max = limits.maxEvents ?? Infinity;
    let ran = 0;
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined || next.timeNs > until || ran >= max) break;
      this.queue.pop();
      if (next.cancelled) continue;
      this.nowNs = next.timeNs;
      next.action();
      ran++;
    }
    if (until !== Infinity && until > this.nowNs && this.queue.peek() === undefined) this.nowNs = until;
    this.eventsRun += ran;
    return ran;
  }

  /** Runs until `done()` holds, checking after each event; throws if it never does within the limits. */
  runUntil(done: () => boolean, limits: RunLimits = {}): void {
    const until = limits.untilNs ?? Infinity;
    const max = limits.maxEvents ?? 10_000_000;
    let ran = 0;
    while (!done()) {
      const next = this.queue.peek();
      if (next === undefined) throw new Error(`the run settled at ${this.nowNs} ns before the condition held`);
      if (next.timeNs > until || ran >= max) throw new Error(`the condition did not hold within ${until} ns / ${max} events`);
      this.queue.pop();
      ran++;
      if (next.cancelled) continue;
      this.nowNs = next.timeNs;
      next.action();
    }
    this.eventsRun += ran;
  }
}
