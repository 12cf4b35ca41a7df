/**
 * The story of a run, in the seed article's order: DNS, TCP, TLS, the
 * request, the response; then the tables before and after, then the
 * summary. It reads the event log, the frames a recorder kept and two
 * table snapshots, and nothing else: every value printed comes from them.
 */
import type { SimEvent } from '../sim/event-log.js';
import type { StoryContext } from './context.js';
import type { FrameRecord } from './frames.js';
import { findJourney } from './journey.js';
import { dnsPhase } from './phase-dns.js';
import { requestPhase, responsePhase } from './phase-http.js';
import { tlsPhase } from './phase-tls.js';
import { tcpPhase } from './phase-tcp.js';
import { type Summary, formatSummary, summarize } from './summary.js';
import { type TableSnapshot, formatTables } from './tables.js';

export interface NarrateInput {
  readonly events: readonly SimEvent[];
  /** The frames the links carried (recordFrames); without them the story has no layer views or TCP options. */
  readonly frames?: readonly FrameRecord[];
  readonly before?: TableSnapshot;
  readonly after?: TableSnapshot;
  /** When absent, computed from the events and frames. */
  readonly summary?: Summary;
}

export function narrate(input: NarrateInput): string[] {
  const ctx: StoryContext = { events: input.events, frames: input.frames ?? [], journey: findJourney(input.events, input.frames) };
  const lines: string[] = [];
  for (const phase of [dnsPhase, tcpPhase, tlsPhase, requestPhase, responsePhase]) {
    const part = phase(ctx);
    if (part.length > 0) lines.push(...part, '');
  }
  if (input.before) lines.push(...formatTables('Tables before the run', input.before), '');
  if (input.after) lines.push(...formatTables('Tables after the run', input.after), '');
  lines.push(...formatSummary(input.summary ?? summarize({ events: input.events, frames: input.frames })));
  return lines;
}
