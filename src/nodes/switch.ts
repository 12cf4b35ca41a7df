/**
 * A learning Ethernet switch. Its ports are its interfaces, named port1 to
 * portN so that its MAC table reads like a real switch's ("5 | AA:AA"). It
 * learns each frame's source on the port it came in by, sends a frame for a
 * learnt address out of that one port, floods broadcast and unknown
 * destinations to every other port, and never sends a frame back out of the
 * port it came from. Frames go out unchanged, packet id and all.
 */
import { macToString } from '../../codecs/address.js';
import { MacTable } from '../forward/mac-table.js';
import type { Frame } from '../sim/frame.js';
import { Interface, type NetworkNode } from '../sim/interface.js';
import type { Simulator } from '../sim/simulator.js';

export interface SwitchOptions {
  readonly name: string;
  /** How many ports (port1..portN). */
  readonly ports: number;
  /** The ports' own MACs; by default derived from the switch's name. */
  readonly macs?: readonly string[];
  /** How long a learnt address lives; default 300 s of virtual time. */
  readonly agingNs?: number;
}

export interface SwitchTableRow {
  /** 1-based, as the port's name says. */
  readonly port: number;
  readonly interface: string;
  readonly mac: string;
  /** Who owns the MAC, when the caller told the switch (e.g. "your computer"). */
  readonly owner: string | undefined;
  readonly expiresInNs: number;
}

export interface SwitchCounters {
  readonly received: number;
  readonly forwarded: number;
  readonly flooded: number;
  /** Frames whose destination was learnt on the port they came in by. */
  readonly filtered: number;
  readonly runts: number;
}

const ETHERNET_HEADER_LENGTH = 14;

/** A locally administered MAC for each port, stable for a given switch name. */
export function switchPortMac(switchName: string, port: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < switchName.length; i++) h = Math.imul(h ^ switchName.charCodeAt(i), 0x01000193);
  const bytes = [0x02, 0x5e, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, port & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export class Switch implements NetworkNode {
  readonly name: string;
  readonly interfaces: readonly Interface[];
  readonly macTable: MacTable;
  /** Names for MACs in the printed table; the topology fills it from the nodes it knows. */
  readonly owners = new Map<string, string>();
  private readonly egress: Int32Array;
  private readonly portIndex = new Map<Interface, number>();
  private received = 0;
  private forwarded = 0;
  private flooded = 0;
  private filtered = 0;
  private runts = 0;

  constructor(
    private readonly sim: Simulator,
    options: SwitchOptions,
  ) {
    if (!Number.isInteger(options.ports) || options.ports < 1 || options.ports > 255) {
      throw new RangeError(`switch ${options.name}: ports must be a whole number from 1 to 255, not ${options.ports}`);
    }
    if (options.macs && options.macs.length !== options.ports) {
      throw new RangeError(`switch ${options.name}: ${options.macs.length} MACs given for ${options.ports} ports`);
    }
    this.name = options.name;
    this.macTable = new MacTable({ agingNs: options.agingNs });
    this.egress = new Int32Array(options.ports);
    const ports: Interface[] = [];
    for (let p = 1; p <= options.ports; p++) {
      const iface = new Interface(this, `port${p}`, options.macs?.[p - 1] ?? switchPortMac(options.name, p));
      this.portIndex.set(iface, p - 1);
      ports.push(iface);
    }
    this.interfaces = ports;
  }

  port(n: number): Interface {
    const iface = this.interfaces[n - 1];
    if (!iface) throw new RangeError(`switch ${this.name} has no port ${n}`);
    return iface;
  }

  receive(iface: Interface, frame: Frame): void {
    const ingress = this.portIndex.get(iface);
    if (ingress === undefined) return;
    this.received++;
    const bytes = frame.bytes;
    if (bytes.length < ETHERNET_HEADER_LENGTH) {
      this.runts++;
      return;
    }
    const now = this.sim.now;
    const known = !(bytes[0] & 1) && this.macTable.lookup(bytes, 0, now) >= 0;
    const n = this.macTable.forwardPorts(bytes, ingress, this.interfaces.length, now, this.egress);
    const destination = macToString(bytes, 0);
    const source = macToString(bytes, 6);
    const ingressName = iface.name;
    if (n === 0) {
      this.filtered++;
      this.sim.log.record(this.name, 'switch-forward', { ingress: ingressName, source, destination, learnt: source, egress: null, packetId: frame.packetId });
      return;
    }
    // A port with no cable plugged in carries nothing.
    const out: string[] = [];
    const ports: Interface[] = [];
    for (let i = 0; i < n; i++) {
      const port = this.interfaces[this.egress[i]];
      if (port.link === undefined) continue;
      out.push(port.name);
      ports.push(port);
    }
    if (known) {
      this.forwarded++;
      this.sim.log.record(this.name, 'switch-forward', { ingress: ingressName, source, destination, learnt: source, egress: out[0], packetId: frame.packetId });
      ports[0].send(frame, `${this.name}: ${destination} learnt on ${out[0]}, in ${ingressName} → out ${out[0]}`);
      return;
    }
    this.flooded++;
    this.sim.log.record(this.name, 'switch-forward', { ingress: ingressName, source, destination, learnt: source, flooded: out, packetId: frame.packetId });
    const why = bytes[0] & 1 ? 'broadcast/multicast' : 'unknown unicast';
    const note = `${this.name}: flood ${why} ${destination} from ${ingressName}`;
    for (const port of ports) port.send(frame, note);
  }

  /** A link came up on a port: what was learnt there may have moved. */
  linkUp(iface: Interface): void {
    const port = this.portIndex.get(iface);
    if (port !== undefined) this.macTable.flushPort(port);
  }

  /** The MAC table as data, ports numbered from 1. */
  table(nowNs = this.sim.now): SwitchTableRow[] {
    return this.macTable.entries(nowNs).map((row) => ({
      port: row.port + 1,
      interface: this.interfaces[row.port].name,
      mac: row.mac,
      owner: this.owners.get(row.mac),
      expiresInNs: row.expiresInNs,
    }));
  }

  /** The MAC table as the seed article prints it: "5     |  aa:aa:aa:aa:aa:aa (your computer)". */
  format(nowNs = this.sim.now): string {
    const rows = this.table(nowNs);
    const lines = ['Port  |  MAC', '------|------'];
    if (rows.length === 0) lines.push('(empty)');
    for (const row of rows) lines.push(`${String(row.port).padEnd(6)}|  ${row.mac}${row.owner ? ` (${row.owner})` : ''}`);
    return lines.join('\n');
  }

  counters(): SwitchCounters {
    return { received: this.received, forwarded: this.forwarded, flooded: this.flooded, filtered: this.filtered, runts: this.runts };
  }
}
