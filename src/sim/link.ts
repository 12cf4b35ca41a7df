/**
 * A point-to-point link between two interfaces. It delays each frame by its
 * serialization time (length over bandwidth, one frame at a time in each
 * direction) plus the propagation delay, so captured timestamps look like a
 * real network's; it enforces the MTU, can lose frames at a seeded rate, and
 * can be taken down.
 */
import type { Frame } from './frame.js';
import type { Interface } from './interface.js';
import type { Simulator } from './simulator.js';

export interface LinkOptions {
  /** One-way propagation delay; default 50 µs (about 10 km of fibre). */
  readonly delayNs?: number;
  /** Default 1 Gbit/s. */
  readonly bandwidthBps?: number;
  /** The largest IP packet the link carries; default 1500. */
  readonly mtu?: number;
  /** The chance that a frame is lost, drawn from the run's seeded generator; default 0. */
  readonly lossRate?: number;
  /** Frames that may wait for the wire in each direction before more are dropped; default 1000. */
  readonly queueLimit?: number;
}

export type LinkDropReason = 'link-down' | 'mtu-exceeded' | 'queue-full' | 'lost';

/** The Ethernet header and any VLAN tags are not part of the MTU. */
function l3Length(bytes: Uint8Array): number {
  let offset = 12;
  while (offset + 2 <= bytes.length) {
    const type = (bytes[offset] << 8) | bytes[offset + 1];
    if (type !== 0x8100 && type !== 0x88a8) break;
    offset += 4;
  }
  return bytes.length - offset - 2;
}

export class Link {
  readonly delayNs: number;
  readonly bandwidthBps: number;
  readonly mtu: number;
  readonly lossRate: number;
  readonly queueLimit: number;
  private isUp = true;
  /** Per direction (0: a→b, 1: b→a), when the wire is next free and how many frames wait. */
  private readonly busyUntilNs = [0, 0];
  private readonly waiting = [0, 0];
  readonly drops: Record<LinkDropReason, number> = { 'link-down': 0, 'mtu-exceeded': 0, 'queue-full': 0, lost: 0 };

  constructor(
    private readonly sim: Simulator,
    readonly a: Interface,
    readonly b: Interface,
    options: LinkOptions = {},
  ) {
    if (a.link || b.link) throw new Error(`${a.link ? a.label : b.label} is already connected`);
    this.delayNs = options.delayNs ?? 50_000;
    this.bandwidthBps = options.bandwidthBps ?? 1e9;
    this.mtu = options.mtu ?? 1500;
    this.lossRate = options.lossRate ?? 0;
    this.queueLimit = options.queueLimit ?? 1000;
    a.link = this;
    b.link = this;
  }

  get up(): boolean {
    return this.isUp;
  }

  setUp(up: boolean): void {
    if (up === this.isUp) return;
    this.isUp = up;
    this.sim.log.record(this.a.node.name, up ? 'link-up' : 'link-down', { link: `${this.a.label}—${this.b.label}` });
    if (up) {
      this.a.node.linkUp?.(this.a);
      this.b.node.linkUp?.(this.b);
    }
  }

  peer(end: Interface): Interface {
    return end === this.a ? this.b : this.a;
  }

  transmit(from: Interface, frame: Frame, note?: string): void {
    const to = this.peer(from);
    const direction = from === this.a ? 0 : 1;
    if (!this.isUp) return this.drop(from, frame, 'link-down');
    if (l3Length(frame.bytes) > this.mtu) return this.drop(from, frame, 'mtu-exceeded');
    if (this.waiting[direction] >= this.queueLimit) return this.drop(from, frame, 'queue-full');

    const now = this.sim.now;
    const start = Math.max(now, this.busyUntilNs[direction]);
    // Preamble, start delimiter, FCS and inter-frame gap take the wire too: 24 bytes.
    const serializationNs = Math.ceil(((frame.bytes.length + 24) * 8 * 1e9) / this.bandwidthBps);
    const done = start + serializationNs;
    this.busyUntilNs[direction] = done;
    this.waiting[direction]++;
    const lost = this.lossRate > 0 && this.sim.rng.float() < this.lossRate;
    // The sender's capture sees the frame as it goes onto the wire.
    for (const tap of from.taps) tap.frame(from, 'outbound', frame, start, note);
    // The receiver gets its own copy: routers rewrite frames in place.
    const copy: Frame = { bytes: frame.bytes.slice(), packetId: frame.packetId };
    this.sim.schedule(done - now, () => this.waiting[direction]--);
    if (lost) {
      this.drops.lost++;
      this.sim.log.record(from.node.name, 'frame-lost', { interface: from.label, packetId: frame.packetId });
      return;
    }
    this.sim.schedule(done + this.delayNs - now, () => {
      if (!this.isUp) return this.drop(from, copy, 'link-down');
      for (const tap of to.taps) tap.frame(to, 'inbound', copy, this.sim.now, undefined);
      to.node.receive(to, copy);
    });
  }

  private drop(from: Interface, frame: Frame, reason: LinkDropReason): void {
    this.drops[reason]++;
    this.sim.log.record(from.node.name, 'link-drop', { interface: from.label, reason, packetId: frame.packetId });
  }
}
