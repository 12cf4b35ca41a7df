/** Phase 1: the DNS lookup, from the cache check to the cached answer. */
import type { SimEvent } from '../sim/event-log.js';
import { type StoryContext, frameOf, frameWhere, isArp, ownAddress } from './context.js';
import { at, field, indent, list, num, seconds, str, text } from './format.js';
import { pathLines } from './hop.js';
import { deencapsulation, encapsulation } from './layers.js';

function answers(e: SimEvent | undefined): string[] {
  return list(e, 'answers').map((a) => `${text(field(a, 'name'))} → ${text(field(a, 'data'))} (${text(field(a, 'type'))}, TTL ${text(field(a, 'ttl'))} s)`);
}

export function dnsPhase(ctx: StoryContext): string[] {
  const j = ctx.journey;
  if (!j.dnsCache || !j.client) return [];
  const client = j.client;
  const lines = ['Phase 1: DNS resolution', ''];
  const cache = j.dnsCache.event;
  lines.push(`Step 1: ${client} checks its local DNS cache (${at(cache.timeNs)})`);
  lines.push(`  ${str(cache, 'name')} ${str(cache, 'type')}: ${cache.hit ? `hit, expires in ${seconds(num(cache, 'expiresInNs') ?? Number.NaN)}` : 'miss, so it must ask a DNS server'}`);
  if (!j.dnsQuery) return lines;
  const query = j.dnsQuery.event;
  lines.push('', `Step 2: ${client} builds the DNS query (${at(query.timeNs)}): id ${str(query, 'id')}, over ${str(query, 'transport')?.toUpperCase()} from port ${str(query, 'sourcePort')}`);
  const queryFrame = frameOf(ctx, j.dnsQueryDatagram, client, 'outbound');
  if (queryFrame) lines.push(...indent(encapsulation(queryFrame.bytes)));
  lines.push('', ...arpSteps(ctx, j.dnsQuery.index));
  if (j.dnsQueryDatagram !== undefined) lines.push('', `Step 4: the query crosses the network to ${j.dnsServer}`, ...indent(pathLines(ctx.events, j.dnsQueryDatagram)));
  const served = j.dnsServerAnswer?.event;
  if (served) {
    const asked = ctx.events.find((e) => e.kind === 'dns-server-query' && e.node === served.node && e.id === served.id);
    lines.push('', `Step 5: ${served.node} answers (${at(served.timeNs)})`);
    if (asked) lines.push(`  query id ${str(asked, 'id')} from ${str(asked, 'from')}: ${str(asked, 'name')} ${str(asked, 'type')}`);
    lines.push(`  rcode ${str(served, 'rcode')}`, ...indent(answers(served)));
  }
  if (j.dnsResponseDatagram !== undefined) lines.push('', `Step 6: the response comes back to ${client}`, ...indent(pathLines(ctx.events, j.dnsResponseDatagram)));
  const response = j.dnsResponse?.event;
  if (response) {
    lines.push('', `Step 7: ${client} receives the response (${at(response.timeNs)})`);
    const arrived = frameOf(ctx, j.dnsResponseDatagram, client, 'inbound');
    const own = ownAddress(ctx);
    if (arrived && own) lines.push(...indent(deencapsulation(arrived.bytes, { ...own, port: num(query, 'sourcePort') })));
    lines.push(...indent(answers(response)));
    lines.push(`  cached for ${str(response, 'ttl')} s (the smallest TTL of the answers)`);
  }
  return lines;
}

/** Step 3: the route the client chose, and ARP for the next hop: miss, request, reply, cache updated, later hits. */
function arpSteps(ctx: StoryContext, from: number): string[] {
  const client = ctx.journey.client!;
  const events = ctx.events;
  const mine = (e: SimEvent) => e.node === client;
  const decision = events.slice(from).find((e) => mine(e) && e.kind === 'route-decision');
  const lookup = events.slice(from).find((e) => mine(e) && e.kind === 'arp-lookup');
  if (!decision || !lookup) return [];
  const lines = [`Step 3: ${client} finds the next hop's MAC`];
  lines.push(`  route: ${str(decision, 'destination')} matches ${str(decision, 'route')}, next hop ${str(decision, 'nextHop')} on ${str(decision, 'interface')}`);
  const ip = str(lookup, 'ip');
  lines.push(`  ARP cache lookup for ${ip}: ${lookup.hit ? `hit, ${str(lookup, 'mac')}` : 'miss'}`);
  if (!lookup.hit) {
    const request = events.find((e) => mine(e) && e.kind === 'arp-request' && e.ip === ip && e.timeNs >= lookup.timeNs);
    if (request) {
      lines.push(`  ARP request (broadcast) on ${str(request, 'interface')} (${at(request.timeNs)}): who has ${ip}?`);
      const frame = frameWhere(ctx, (f) => f.node === client && f.direction === 'outbound' && isArp(f.bytes) && f.timeNs >= request.timeNs);
      if (frame) lines.push(...indent(pathLines(events, frame.packetId), 4));
    }
    const heard = events.find((e) => e.kind === 'arp' && e.opcode === 'request' && e.targetIp === ip && e.timeNs >= lookup.timeNs);
    if (heard) {
      lines.push(`  ${heard.node} hears it on ${str(heard, 'interface')}: ${str(heard, 'senderIp')} is at ${str(heard, 'senderMac')}${heard.learnt ? ' (learnt)' : ''}`);
      const reply = frameWhere(ctx, (f) => f.node === heard.node && f.direction === 'outbound' && isArp(f.bytes) && f.timeNs >= heard.timeNs);
      if (reply) lines.push(`  ${heard.node} replies: ${reply.note ?? 'ARP reply'}`, ...indent(pathLines(events, reply.packetId), 4));
    }
    const learnt = events.find((e) => mine(e) && e.kind === 'arp-learn' && e.ip === ip && e.timeNs >= lookup.timeNs);
    if (learnt) lines.push(`  cache updated (${at(learnt.timeNs)}): ${ip} → ${str(learnt, 'mac')} (from an ARP ${str(learnt, 'opcode')})`);
  }
  const later = events.filter((e) => mine(e) && e.kind === 'arp-lookup' && e.ip === ip && e !== lookup);
  if (later.length > 0) {
    const hits = later.filter((e) => e.hit).length;
    lines.push(`  later lookups of ${ip} in this run: ${later.length}, of which ${hits} hit the cache`);
  }
  return lines;
}
