/**
 * One datagram's path, hop by hop, from the events that carry its packet
 * id: what each switch learnt and where it sent the frame, each router's
 * longest-prefix match (the route that won and the ones it beat), its TTL
 * and MAC rewrite, and the NAT translation. Devices keep the packet id as
 * they forward, so the id ties the hops together, NAT included.
 */
import type { SimEvent } from '../sim/event-log.js';
import { details, list, num, str, text } from './format.js';

const HOP_KINDS = new Set(['switch-forward', 'route', 'nat', 'arp-release', 'fragment', 'drop', 'link-drop', 'frame-lost']);

/** The events of one datagram's journey, in the order they happened. */
export function hopsOf(events: readonly SimEvent[], packetId: bigint): SimEvent[] {
  return events.filter((e) => e.packetId === packetId && HOP_KINDS.has(e.kind));
}

/** The routers a datagram crossed: one forwarded 'route' event each. */
export function routerHops(events: readonly SimEvent[], packetId: bigint): SimEvent[] {
  return events.filter((e) => e.kind === 'route' && e.packetId === packetId);
}

/**
 * The packet id of the first datagram a router saw after `fromIndex` with
 * these addresses: the way to find which datagram an endpoint's event
 * (a DNS query, a SYN) became on the wire.
 */
export function datagramAfter(events: readonly SimEvent[], fromIndex: number, match: { readonly source?: string; readonly destination?: string }): bigint | undefined {
  for (let i = Math.max(0, fromIndex); i < events.length; i++) {
    const e = events[i];
    if (e.kind !== 'route' || typeof e.packetId !== 'bigint') continue;
    if (match.source !== undefined && e.source !== match.source) continue;
    if (match.destination !== undefined && e.destination !== match.destination) continue;
    return e.packetId;
  }
  return undefined;
}

export function routeLines(e: SimEvent): string[] {
  const beat = list(e, 'beat').map(text);
  const via = e.connected ? `directly connected, out ${str(e, 'egress')}` : `next hop ${str(e, 'nextHop')}${e.nextHopName ? ` (${str(e, 'nextHopName')})` : ''} out ${str(e, 'egress')}`;
  const lines = [
    `${e.node}: Layer 3 routing to ${str(e, 'destination')} (in on ${str(e, 'ingress')}, source ${str(e, 'source')} as forwarded)`,
    `  longest prefix match: ${str(e, 'prefix')} won${beat.length > 0 ? `, beating ${beat.join(', ')}` : ', the only route that matched'}`,
    `  ${via}`,
    `  TTL ${num(e, 'ttlBefore')} → ${num(e, 'ttlAfter')}`,
  ];
  if (e.macDestination) lines.push(`  Layer 2 rewritten: source MAC ${str(e, 'macSource')}, destination MAC ${str(e, 'macDestination')}`);
  else lines.push(`  ${str(e, 'outcome')}`);
  return lines;
}

export function natLines(e: SimEvent): string[] {
  const protocol = str(e, 'protocol')?.toUpperCase();
  if (e.direction === 'outbound') {
    return [
      `${e.node}: NAT ${protocol} source ${str(e, 'inside')} → ${str(e, 'outside')} (to ${str(e, 'remote')})`,
      `  ${e.created ? 'new mapping' : 'existing mapping'}: External ${str(e, 'outside')} ←→ Internal ${str(e, 'inside')}`,
    ];
  }
  return [`${e.node}: NAT reverse translation, ${protocol} destination ${str(e, 'outside')} → ${str(e, 'inside')} (from ${str(e, 'remote')})`];
}

export function switchLines(e: SimEvent): string[] {
  const head = `${e.node}: Layer 2 frame ${str(e, 'source')} → ${str(e, 'destination')} in on ${str(e, 'ingress')}; learns ${str(e, 'learnt')} on ${str(e, 'ingress')}`;
  if (Array.isArray(e.flooded)) return [head, `  destination not in the MAC table: flooded out ${text(e.flooded)}`];
  if (e.egress === null) return [head, '  destination is on the port it came in on: filtered'];
  return [head, `  MAC table: ${str(e, 'destination')} is on ${str(e, 'egress')}, forwarded out ${str(e, 'egress')}`];
}

/** One hop event as lines. */
export function hopLines(e: SimEvent): string[] {
  switch (e.kind) {
    case 'route':
      return routeLines(e);
    case 'nat':
      return natLines(e);
    case 'switch-forward':
      return switchLines(e);
    case 'arp-release':
      return [`${e.node}: the next hop answered its ARP; the packet for ${str(e, 'destination')} leaves ${str(e, 'egress')} with destination MAC ${str(e, 'macDestination')}`];
    default:
      return [`${e.node}: ${e.kind} ${details(e)}`];
  }
}

/** A datagram's whole path as lines. */
export function pathLines(events: readonly SimEvent[], packetId: bigint): string[] {
  return hopsOf(events, packetId).flatMap(hopLines);
}
