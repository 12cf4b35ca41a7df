/**
 * What every device shares: a name, the simulator it lives in, its
 * interfaces, and drop counters by named reason. Hosts, switches and routers
 * extend it and say what to do with a frame.
 */
import type { Frame } from '../sim/frame.js';
import { Interface, type NetworkNode } from '../sim/interface.js';
import type { Simulator } from '../sim/simulator.js';

export interface InterfaceConfig {
  readonly name: string;
  readonly mac: string;
  /** "192.168.1.100/24"; absent for a port with no address (a switch port). */
  readonly address?: string;
}

/**
 * Counters keyed by reason. Reasons are open-ended strings, since each kind
 * of device drops for reasons of its own; a reason appears once it is counted.
 */
export class DropTally {
  private readonly counts = new Map<string, number>();

  count(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** The counts as a plain object, reasons in alphabetical order. */
  toObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const reason of [...this.counts.keys()].sort()) out[reason] = this.counts.get(reason)!;
    return out;
  }
}

export abstract class BaseNode implements NetworkNode {
  readonly interfaces: Interface[] = [];
  readonly drops = new DropTally();

  constructor(
    readonly sim: Simulator,
    readonly name: string,
  ) {}

  addInterface(config: InterfaceConfig): Interface {
    if (this.interfaces.some((i) => i.name === config.name)) throw new Error(`${this.name} already has an interface named ${config.name}`);
    const iface = new Interface(this, config.name, config.mac, config.address);
    this.interfaces.push(iface);
    return iface;
  }

  interface(name: string): Interface {
    const iface = this.interfaces.find((i) => i.name === name);
    if (!iface) throw new Error(`${this.name} has no interface named ${name}`);
    return iface;
  }

  /** Counts a drop and logs it with what is known about the frame. */
  drop(reason: string, details: Record<string, unknown> = {}): void {
    this.drops.count(reason);
    this.sim.log.record(this.name, 'drop', { reason, ...details });
  }

  abstract receive(iface: Interface, frame: Frame): void;
}
