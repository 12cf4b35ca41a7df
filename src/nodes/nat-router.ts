/**
 * The home router: a router with source NAT on its outside interface, as in
 * the seed (inside 192.168.1.1/24, outside 203.0.113.50). Packets leaving by
 * the outside interface take its address, keeping their port when it is
 * free; replies are translated back; unsolicited inbound packets are
 * dropped and counted. Every translation is logged as a 'nat' event.
 */
import { Nat, type NatCounters, type NatTableRow, type NatTimeouts } from '../forward/nat.js';
import type { Frame } from '../sim/frame.js';
import type { Simulator } from '../sim/simulator.js';
import { Router, type RouterNodeCounters, type RouterOptions } from './router.js';

export interface NatRouterOptions extends RouterOptions {
  /** The interface whose address packets take on the way out. */
  readonly outside: string;
  /** Outside ports (and ICMP ids) to allocate from; default [1024, 65535]. */
  readonly portRange?: readonly [number, number];
  readonly natCapacity?: number;
  readonly natTimeouts?: Partial<NatTimeouts>;
}

export interface NatRouterCounters extends RouterNodeCounters {
  readonly nat: NatCounters;
}

export class NatRouter extends Router {
  readonly nat: Nat;
  readonly outside: string;
  private translations = 0;

  constructor(sim: Simulator, options: NatRouterOptions) {
    const outside = options.interfaces.find((i) => i.name === options.outside);
    if (!outside) throw new Error(`NAT router ${options.name}: outside interface ${options.outside} is not one of its interfaces`);
    const nat = new Nat({ outsideAddress: outside.address.split('/')[0], portRange: options.portRange, capacity: options.natCapacity, timeouts: options.natTimeouts });
    super(sim, options, { nat, outsideInterface: options.outside });
    this.nat = nat;
    this.outside = options.outside;
  }

  protected override afterForward(frame: Frame): void {
    const counts = this.nat.counters();
    const translations = counts.translatedInbound + counts.translatedOutbound;
    if (translations === this.translations) return;
    this.translations = translations;
    const mapping = this.nat.describeLast();
    if (!mapping) return;
    this.simulator.log.record(this.name, 'nat', {
      packetId: frame.packetId,
      direction: mapping.direction,
      protocol: mapping.protocol,
      inside: mapping.inside,
      outside: mapping.outside,
      remote: mapping.remote,
      created: mapping.created,
      icmpError: mapping.icmpError,
    });
  }

  natTable(nowNs = this.simulator.now): NatTableRow[] {
    return this.nat.table(nowNs);
  }

  formatNat(nowNs = this.simulator.now): string {
    return this.nat.format(nowNs);
  }

  override counters(): NatRouterCounters {
    return { ...super.counters(), nat: this.nat.counters() };
  }
}
