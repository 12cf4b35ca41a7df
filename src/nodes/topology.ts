/**
 * The topology builder: nodes, interfaces and links described as data,
 * checked as a whole before anything is built, then built into a Network
 * that holds the simulator, the nodes by name and the links, and that can
 * capture every link end into one pcapng.
 *
 * Mistakes are named where they are: a MAC used twice, an address used twice
 * on one network, a link to a node or interface that does not exist, an
 * interface linked twice, a route whose gateway is on none of the router's
 * subnets, a host gateway on none of the host's subnets.
 */
import type { CaptureSink } from '../../codecs/capture-record.js';
import type { NameResolution } from '../../codecs/pcapng-writer.js';
import { Capture, type CaptureOptions } from '../sim/capture.js';
import { type Interface, type NetworkNode, parseAssignment } from '../sim/interface.js';
import { Link, type LinkOptions } from '../sim/link.js';
import { Simulator, type SimulatorOptions } from '../sim/simulator.js';
import { Host, type HostConfig } from './host.js';
import { NatRouter, type NatRouterOptions } from './nat-router.js';
import { Router, type RouterOptions } from './router.js';
import { Switch, type SwitchOptions } from './switch.js';

export interface InterfaceSpec {
  readonly name: string;
  readonly mac: string;
  /** "192.168.1.100/24" */
  readonly address?: string;
}

export interface HostSpec {
  readonly name: string;
  readonly interfaces: readonly InterfaceSpec[];
  readonly gateway?: string;
  /** Anything else the host understands (dnsServer, ttl, ...). */
  readonly [option: string]: unknown;
}

/** Builds a host from its spec; by default the standard Host, whose config the spec is. */
export type HostFactory = (sim: Simulator, spec: HostSpec) => NetworkNode;

/** The factory used when a topology names none; exported for callers that choose per network. */
export const standardHost: HostFactory = (sim, spec) => new Host(sim, spec as unknown as HostConfig);

export interface LinkSpec extends LinkOptions {
  /** "node:interface" */
  readonly a: string;
  readonly b: string;
}

/** A whole topology as one data object. */
export interface TopologyData {
  readonly seed?: number;
  readonly startTime?: Date;
  readonly hosts?: readonly HostSpec[];
  readonly routers?: readonly RouterOptions[];
  readonly natRouters?: readonly NatRouterOptions[];
  readonly switches?: readonly SwitchOptions[];
  readonly links?: readonly LinkSpec[];
}

/** What the checks need to know of a node before it is built. */
interface PlannedNode {
  readonly name: string;
  readonly kind: 'host' | 'router' | 'switch' | 'node';
  readonly interfaces: readonly InterfaceSpec[];
  /** A label for MAC tables and the like ("your computer"). */
  readonly label?: string;
  readonly build: (sim: Simulator) => NetworkNode;
}

export interface TopologyOptions extends SimulatorOptions {
  readonly hostFactory?: HostFactory;
}

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}

export class Topology {
  private readonly planned: PlannedNode[] = [];
  private readonly links: LinkSpec[] = [];
  private readonly labels = new Map<string, string>();

  constructor(private readonly options: TopologyOptions = {}) {}

  host(spec: HostSpec & { readonly label?: string }): this {
    const factory = this.options.hostFactory ?? standardHost;
    if (spec.gateway !== undefined) {
      const gateway = parseAssignment(`${spec.gateway}/32`).value;
      const onLink = spec.interfaces.some((i) => i.address !== undefined && onSubnet(i.address, gateway));
      if (!onLink) throw new TopologyError(`host ${spec.name}: gateway ${spec.gateway} is on none of its subnets (${addresses(spec.interfaces)})`);
    }
    return this.plan({ name: spec.name, kind: 'host', interfaces: spec.interfaces, label: spec.label, build: (sim) => factory(sim, spec) });
  }

  router(spec: RouterOptions & { readonly label?: string }): this {
    this.checkRouter(spec);
    return this.plan({ name: spec.name, kind: 'router', interfaces: spec.interfaces, label: spec.label, build: (sim) => new Router(sim, spec) });
  }

  natRouter(spec: NatRouterOptions & { readonly label?: string }): this {
    this.checkRouter(spec);
    if (!spec.interfaces.some((i) => i.name === spec.outside)) throw new TopologyError(`router ${spec.name}: outside interface ${spec.outside} is not one of its interfaces`);
    return this.plan({ name: spec.name, kind: 'router', interfaces: spec.interfaces, label: spec.label, build: (sim) => new NatRouter(sim, spec) });
  }

  switch(spec: SwitchOptions): this {
    return this.plan({ name: spec.name, kind: 'switch', interfaces: [], build: (sim) => new Switch(sim, spec) });
  }

  /** Any other node; `interfaces` lists what it will have, for the checks. */
  node(name: string, interfaces: readonly InterfaceSpec[], build: (sim: Simulator) => NetworkNode, label?: string): this {
    return this.plan({ name, kind: 'node', interfaces, label, build });
  }

  /** Links two link ends, each "node:interface". */
  link(a: string, b: string, options: LinkOptions = {}): this {
    this.links.push({ ...options, a, b });
    return this;
  }

  /** Checks the whole and builds it. */
  build(): Network {
    const sim = new Simulator({ seed: this.options.seed, startTime: this.options.startTime });
    const nodes = new Map<string, NetworkNode>();
    for (const plan of this.planned) {
      const node = plan.build(sim);
      if (node.name !== plan.name) throw new TopologyError(`node ${plan.name}: built a node named ${node.name}`);
      nodes.set(plan.name, node);
    }
    checkMacs(nodes);
    const ends = this.resolveLinks(nodes);
    this.checkAddresses(nodes, ends);
    const links = ends.map(([a, b, options]) => new Link(sim, a, b, options));
    const owners = new Map<string, string>();
    for (const plan of this.planned) {
      if (plan.kind === 'switch') continue;
      for (const i of plan.interfaces) owners.set(i.mac.toLowerCase(), plan.label ?? plan.name);
    }
    for (const node of nodes.values()) if (node instanceof Switch) for (const [mac, owner] of owners) node.owners.set(mac, owner);
    return new Network(sim, nodes, links);
  }

  private plan(node: PlannedNode): this {
    if (this.planned.some((p) => p.name === node.name)) throw new TopologyError(`two nodes named ${node.name}`);
    if (node.name.includes(':')) throw new TopologyError(`node name ${JSON.stringify(node.name)} may not contain ':'`);
    this.planned.push(node);
    return this;
  }

  private checkRouter(spec: RouterOptions): void {
    for (const route of spec.routes ?? []) {
      if (route.via === undefined) continue;
      const gateway = parseAssignment(`${route.via}/32`).value;
      const onLink = spec.interfaces.filter((i) => onSubnet(i.address, gateway));
      if (onLink.length === 0) {
        throw new TopologyError(`router ${spec.name}: route ${route.prefix} via ${route.via}: the gateway is on none of its subnets (${addresses(spec.interfaces)})`);
      }
      if (route.interface !== undefined && !onLink.some((i) => i.name === route.interface)) {
        throw new TopologyError(`router ${spec.name}: route ${route.prefix} via ${route.via}: the gateway is not on ${route.interface}'s subnet`);
      }
    }
  }

  private resolveLinks(nodes: Map<string, NetworkNode>): Array<[Interface, Interface, LinkOptions]> {
    const used = new Map<Interface, string>();
    const out: Array<[Interface, Interface, LinkOptions]> = [];
    for (const spec of this.links) {
      const { a, b, ...options } = spec;
      const where = `link ${a} — ${b}`;
      const ia = endOf(nodes, a, where);
      const ib = endOf(nodes, b, where);
      if (ia === ib) throw new TopologyError(`${where}: links an interface to itself`);
      for (const end of [ia, ib]) {
        const other = used.get(end);
        if (other) throw new TopologyError(`${where}: ${end.label} is already linked (${other})`);
        used.set(end, where);
      }
      out.push([ia, ib, options]);
    }
    return out;
  }

  /** No address twice on one network: interfaces joined by links and switches form one. */
  private checkAddresses(nodes: Map<string, NetworkNode>, ends: ReadonlyArray<[Interface, Interface, LinkOptions]>): void {
    const parent = new Map<Interface, Interface>();
    const find = (i: Interface): Interface => {
      let root = i;
      while (parent.get(root) !== root && parent.has(root)) root = parent.get(root)!;
      parent.set(i, root);
      return root;
    };
    const join = (x: Interface, y: Interface) => parent.set(find(x), find(y));
    for (const node of nodes.values()) for (const i of node.interfaces) parent.set(i, i);
    for (const [a, b] of ends) join(a, b);
    for (const node of nodes.values()) {
      if (!(node instanceof Switch)) continue;
      for (const port of node.interfaces) join(port, node.interfaces[0]);
    }
    const seen = new Map<string, Interface>();
    for (const node of nodes.values()) {
      for (const i of node.interfaces) {
        if (!i.ipv4) continue;
        const key = `${find(i).label} ${i.ipv4.address}`;
        const other = seen.get(key);
        if (other) throw new TopologyError(`duplicate IP ${i.ipv4.address} on one network: ${other.label} and ${i.label}`);
        seen.set(key, i);
      }
    }
  }
}

/** Builds a topology from one data object. */
export function buildTopology(data: TopologyData, hostFactory?: HostFactory): Network {
  const t = new Topology({ seed: data.seed, startTime: data.startTime, hostFactory });
  for (const s of data.switches ?? []) t.switch(s);
  for (const r of data.routers ?? []) t.router(r);
  for (const r of data.natRouters ?? []) t.natRouter(r);
  for (const h of data.hosts ?? []) t.host(h);
  for (const l of data.links ?? []) {
    const { a, b, ...options } = l;
    t.link(a, b, options);
  }
  return t.build();
}

export interface NetworkCaptureOptions extends CaptureOptions {
  /** Link ends to tap, as "node:interface"; default every linked interface. */
  readonly ends?: readonly string[];
}

export class Network {
  constructor(
    readonly sim: Simulator,
    readonly nodes: ReadonlyMap<string, NetworkNode>,
    readonly links: readonly Link[],
  ) {}

  node<T extends NetworkNode = NetworkNode>(name: string): T {
    const node = this.nodes.get(name);
    if (!node) throw new TopologyError(`no node named ${name}`);
    return node as T;
  }

  /** The interface at "node:interface". */
  iface(label: string): Interface {
    return endOf(this.nodes, label, 'lookup');
  }

  /** The link plugged into "node:interface". */
  linkOf(label: string): Link {
    const link = this.iface(label).link;
    if (!link) throw new TopologyError(`${label} is not linked`);
    return link;
  }

  /** Every address of the hosts and routers, with the node's name, for the capture's name resolution. */
  names(): NameResolution[] {
    const out: NameResolution[] = [];
    for (const node of this.nodes.values()) {
      if (node instanceof Switch) continue;
      for (const i of node.interfaces) if (i.ipv4) out.push({ address: i.ipv4.address, names: [node.name] });
    }
    return out;
  }

  /** Starts a capture of the given link ends (default all linked ones), with names for the addresses. */
  capture(sink: CaptureSink, options: NetworkCaptureOptions = {}): Capture {
    const capture = new Capture(this.sim, sink, options);
    const ends = options.ends ? options.ends.map((label) => this.iface(label)) : this.links.flatMap((l) => [l.a, l.b]);
    for (const end of ends) capture.tap(end);
    capture.addNames(this.names());
    return capture;
  }
}

function checkMacs(nodes: ReadonlyMap<string, NetworkNode>): void {
  const seen = new Map<string, Interface>();
  for (const node of nodes.values()) {
    for (const i of node.interfaces) {
      const mac = i.mac.toLowerCase();
      const other = seen.get(mac);
      if (other) throw new TopologyError(`duplicate MAC ${i.mac}: ${other.label} and ${i.label}`);
      seen.set(mac, i);
    }
  }
}

function endOf(nodes: ReadonlyMap<string, NetworkNode>, label: string, where: string): Interface {
  const colon = label.indexOf(':');
  if (colon < 0) throw new TopologyError(`${where}: ${JSON.stringify(label)} is not "node:interface"`);
  const nodeName = label.slice(0, colon);
  const ifaceName = label.slice(colon + 1);
  const node = nodes.get(nodeName);
  if (!node) throw new TopologyError(`${where}: unknown node ${nodeName}`);
  const iface = node.interfaces.find((i) => i.name === ifaceName);
  if (!iface) throw new TopologyError(`${where}: ${nodeName} has no interface ${ifaceName} (it has ${node.interfaces.map((i) => i.name).join(', ') || 'none'})`);
  return iface;
}

function onSubnet(cidr: string | undefined, address: number): boolean {
  if (cidr === undefined) return false;
  const a = parseAssignment(cidr);
  return ((address & a.mask) >>> 0) === a.network;
}

function addresses(interfaces: readonly InterfaceSpec[]): string {
  return interfaces.map((i) => `${i.name} ${i.address ?? 'no address'}`).join(', ');
}
