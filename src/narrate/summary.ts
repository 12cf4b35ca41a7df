/**
 * The run in numbers, all measured: frames the links carried and their
 * bytes (from a frame recorder), router hops each way (from the route
 * events of the request and response datagrams), and virtual time.
 */
import type { SimEvent } from '../sim/event-log.js';
import { ms } from './format.js';
import type { FrameRecord } from './frames.js';
import { routerHops } from './hop.js';
import { findJourney } from './journey.js';

export interface Summary {
  /** Frames put on a link by a sender (each counted once, whatever the number of taps). */
  readonly packets?: number;
  readonly bytes?: number;
  /** Distinct datagrams and ARP messages: each counted once however many links it crossed. */
  readonly datagrams?: number;
  /** Frames by what they carried. */
  readonly byProtocol?: Readonly<Record<string, number>>;
  readonly routerHopsOut?: number;
  readonly routerHopsBack?: number;
  /** From the client's first step to the response's arrival. */
  readonly journeyNs?: number;
  /** The virtual time of the last event. */
  readonly runNs: number;
  readonly events: number;
  readonly routeLookups: number;
  readonly natTranslations: number;
  readonly drops: number;
}

export interface SummaryInput {
  readonly events: readonly SimEvent[];
  readonly frames?: readonly FrameRecord[];
}

function protocolOf(bytes: Uint8Array): string {
  const etherType = (bytes[12] << 8) | bytes[13];
  if (etherType === 0x0806) return 'ARP';
  if (etherType !== 0x0800 || bytes.length < 34) return 'other';
  const protocol = bytes[23];
  const l4 = 14 + ((bytes[14] & 0x0f) << 2);
  const port = (at: number) => (bytes[at] << 8) | bytes[at + 1];
  if (protocol === 17 && bytes.length >= l4 + 4 && (port(l4) === 53 || port(l4 + 2) === 53)) return 'DNS';
  if (protocol === 17) return 'UDP';
  if (protocol === 6) return 'TCP';
  if (protocol === 1) return 'ICMP';
  return 'other';
}

export function summarize(input: SummaryInput): Summary {
  const { events } = input;
  const j = findJourney(events, input.frames);
  const sent = input.frames?.filter((f) => f.direction === 'outbound');
  const byProtocol: Record<string, number> = {};
  for (const f of sent ?? []) {
    const p = protocolOf(f.bytes);
    byProtocol[p] = (byProtocol[p] ?? 0) + 1;
  }
  const start = j.dnsCache?.event.timeNs ?? j.syn?.event.timeNs;
  const end = j.responseArrival?.event.timeNs;
  return {
    packets: sent?.length,
    bytes: sent?.reduce((n, f) => n + f.bytes.length, 0),
    datagrams: sent ? new Set(sent.map((f) => f.packetId)).size : undefined,
    byProtocol: sent ? byProtocol : undefined,
    routerHopsOut: j.requestDatagram !== undefined ? routerHops(events, j.requestDatagram).length : undefined,
    routerHopsBack: j.responseDatagram !== undefined ? routerHops(events, j.responseDatagram).length : undefined,
    journeyNs: start !== undefined && end !== undefined ? end - start : undefined,
    runNs: events.length > 0 ? events[events.length - 1].timeNs : 0,
    events: events.length,
    routeLookups: events.filter((e) => e.kind === 'route').length,
    natTranslations: events.filter((e) => e.kind === 'nat').length,
    drops: events.filter((e) => e.kind === 'drop' || e.kind === 'link-drop' || e.kind === 'frame-lost').length,
  };
}

export function formatSummary(s: Summary): string[] {
  const lines = ['Summary (measured)'];
  if (s.packets !== undefined) lines.push(`  Packets exchanged: ${s.datagrams} packets end to end, carried as ${s.packets} frames over the links (${s.bytes} bytes)`);
  if (s.byProtocol) lines.push(`  By protocol: ${Object.entries(s.byProtocol).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.routerHopsOut !== undefined) lines.push(`  Router hops: ${s.routerHopsOut} out (request), ${s.routerHopsBack ?? '?'} back (response)`);
  lines.push(`  Route lookups: ${s.routeLookups}, NAT translations: ${s.natTranslations}, drops: ${s.drops}`);
  if (s.journeyNs !== undefined) lines.push(`  Time, first DNS check to the response's arrival: ${ms(s.journeyNs)} (virtual)`);
  lines.push(`  Run ended at ${ms(s.runNs)} of virtual time, after ${s.events} events`);
  return lines;
}
