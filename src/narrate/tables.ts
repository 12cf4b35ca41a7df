/**
 * Table snapshots: each device's tables at one moment, as data and as the
 * text the device prints of itself. The story shows one taken before the
 * run and one after, so a reader sees what the run taught each device.
 */
import type { ArpEntryRow } from '../forward/arp-cache.js';
import type { NatTableRow } from '../forward/nat.js';
import { Host } from '../nodes/host.js';
import { NatRouter } from '../nodes/nat-router.js';
import { Router, type RoutingTableRow } from '../nodes/router.js';
import { Switch, type SwitchTableRow } from '../nodes/switch.js';
import type { NetworkNode } from '../sim/interface.js';
import type { DnsCacheRow } from '../stack/dns-resolver.js';
import type { RouteRow } from '../stack/ipv4-layer.js';
import { block, ms } from './format.js';

export interface TableOf<R> {
  readonly node: string;
  readonly rows: readonly R[];
  readonly text: string;
}

export type HostArpRow = ArpEntryRow & { readonly interface: string };

export interface TableSnapshot {
  readonly atNs: number;
  readonly macTables: ReadonlyArray<TableOf<SwitchTableRow>>;
  readonly hostArpTables: ReadonlyArray<TableOf<HostArpRow>>;
  readonly hostRouteTables: ReadonlyArray<TableOf<RouteRow>>;
  readonly dnsCaches: ReadonlyArray<TableOf<DnsCacheRow>>;
  readonly routerArpTables: ReadonlyArray<TableOf<ArpEntryRow>>;
  readonly routingTables: ReadonlyArray<TableOf<RoutingTableRow>>;
  readonly natTables: ReadonlyArray<TableOf<NatTableRow>>;
}

/** What a snapshot needs of a network: its nodes by name. */
export interface NodeSet {
  readonly nodes: ReadonlyMap<string, NetworkNode>;
}

export function snapshotTables(network: NodeSet, nowNs: number): TableSnapshot {
  const nodes = [...network.nodes.values()];
  const switches = nodes.filter((n): n is Switch => n instanceof Switch);
  const hosts = nodes.filter((n): n is Host => n instanceof Host);
  const routers = nodes.filter((n): n is Router => n instanceof Router);
  const nats = routers.filter((n): n is NatRouter => n instanceof NatRouter);
  return {
    atNs: nowNs,
    macTables: switches.map((s) => ({ node: s.name, rows: s.table(nowNs), text: s.format(nowNs) })),
    hostArpTables: hosts.map((h) => ({ node: h.name, rows: hostArpRows(h, nowNs), text: hostArpText(h, nowNs) })),
    hostRouteTables: hosts.map((h) => ({ node: h.name, rows: h.routeTable(), text: h.formatRouteTable() })),
    dnsCaches: hosts.filter((h) => h.resolver).map((h) => ({ node: h.name, rows: h.resolver!.cacheTable(), text: h.resolver!.formatCacheTable() })),
    routerArpTables: routers.map((r) => ({ node: r.name, rows: r.arpTable(nowNs), text: r.formatArp(nowNs) })),
    routingTables: routers.map((r) => ({ node: r.name, rows: r.routes(), text: r.formatRoutes() })),
    natTables: nats.map((r) => ({ node: r.name, rows: r.natTable(nowNs), text: r.formatNat(nowNs) })),
  };
}

function hostArpRows(host: Host, nowNs: number): HostArpRow[] {
  return host.interfaces.flatMap((i) => host.ip.arpCache(i).entries(nowNs).map((row) => ({ ...row, interface: i.name })));
}

function hostArpText(host: Host, nowNs: number): string {
  return host.interfaces.map((i) => `${i.name}\n${host.ip.arpCache(i).format(nowNs)}`).join('\n');
}

/** The snapshot as lines: the three tables of the seed's closing section, then NAT, routes and caches. */
export function formatTables(title: string, snapshot: TableSnapshot): string[] {
  const lines = [`${title} (${ms(snapshot.atNs)})`];
  for (const t of snapshot.macTables) lines.push(...block(`MAC address table, ${t.node}:`, t.text));
  for (const t of snapshot.hostArpTables) lines.push(...block(`ARP table, ${t.node}:`, t.text));
  for (const t of snapshot.dnsCaches) lines.push(...block(`DNS cache, ${t.node}:`, t.text));
  for (const t of snapshot.hostRouteTables) lines.push(...block(`Routing table, ${t.node}:`, t.text));
  for (const t of snapshot.routingTables) lines.push(...block(`Routing table, ${t.node}:`, t.text));
  for (const t of snapshot.routerArpTables) lines.push(...block(`ARP table, ${t.node}:`, t.text));
  for (const t of snapshot.natTables) lines.push(...block(`NAT table, ${t.node}:`, t.text));
  return lines;
}
