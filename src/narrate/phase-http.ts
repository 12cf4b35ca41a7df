/**
 * Phases 4 and 5: the request and the response. One real request frame is
 * shown layer by layer, its datagram followed hop by hop; what the server
 * side recorded while it worked is told in its own terms; the response is
 * followed back and taken apart at the client, ending with the app's own
 * output.
 *
 * The HTTP messages are encrypted on the wire, so their text comes from the
 * client's events: the request from "http-request" ({ method, target,
 * version, headers }) or "app-request-signed" ({ method, target, ... }), the
 * response from "http-response" or "app-response" ({ status, reason, ... }),
 * and the app's printed line from "app-output" ({ line }).
 */
import type { SimEvent } from '../sim/event-log.js';
import { type StoryContext, eventsBetween, frameOf, ownAddress } from './context.js';
import { at, details, field, indent, list, str, text } from './format.js';
import { pathLines } from './hop.js';
import { tlsKind } from './journey.js';
import { type LayerContext, deencapsulation, encapsulation } from './layers.js';

/** Kinds told elsewhere in the story (hops, segments) or too fine-grained for it. */
const NOT_A_SERVER_STEP = /^(tcp-|route$|nat$|switch-forward$|arp|udp-bind$|route-decision$|drop$)/;
const TLS_STEPS = new Set(['handshake-complete', 'certificate-verified', 'failure', 'alert-sent', 'alert-received']);

/** The message's headers when the event holds them, else its other recorded fields as "name: value". */
function fieldLines(e: SimEvent, told: readonly string[]): string[] {
  if (Array.isArray(e.headers)) return list(e, 'headers').map((h) => (Array.isArray(h) ? `${text(h[0])}: ${text(h[1])}` : text(h)));
  const skip = new Set(['timeNs', 'node', 'kind', ...told]);
  return Object.entries(e)
    .filter(([k, v]) => !skip.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}: ${text(v)}`);
}

function httpRequestLines(e: SimEvent | undefined): string[] {
  if (!e) return [];
  return [`${str(e, 'method')} ${str(e, 'target')} ${str(e, 'version') ?? ''}`.trim(), ...fieldLines(e, ['method', 'target', 'version'])];
}

function httpResponseLines(e: SimEvent | undefined): string[] {
  if (!e) return [];
  return [`${str(e, 'version') ?? ''} ${str(e, 'status')} ${str(e, 'reason') ?? ''}`.trim(), ...fieldLines(e, ['version', 'status', 'reason'])];
}

function sessionLines(ctx: StoryContext): string[] {
  const done = ctx.journey.clientTlsDone?.event;
  return done ? [`TLS session: ${str(done, 'version')} ${str(done, 'cipherSuite')}${done.serverName ? `, server ${str(done, 'serverName')}` : ''}`] : [];
}

function clientEvent(ctx: StoryContext, kinds: readonly string[], from: number): SimEvent | undefined {
  return ctx.events.slice(Math.max(0, from)).find((e) => e.node === ctx.journey.client && kinds.includes(e.kind));
}

export function requestPhase(ctx: StoryContext): string[] {
  const j = ctx.journey;
  if (!j.request || !j.client) return [];
  const lines = ['Phase 4: HTTP request', ''];
  const request = clientEvent(ctx, ['http-request', 'app-request-signed'], 0);
  const seg = j.request.event;
  lines.push(`Step 1: ${j.client} sends the request (${at(seg.timeNs)}): TCP seq ${str(seg, 'seq')}, ${str(seg, 'len')} bytes on ${str(seg, 'connection')}`);
  lines.push(...indent(httpRequestLines(request)));
  const frame = frameOf(ctx, j.requestDatagram, j.client, 'outbound');
  const layers: LayerContext = { application: httpRequestLines(request).slice(0, 1), session: sessionLines(ctx) };
  if (frame) lines.push('', 'Step 2: the packet, layer by layer', ...indent(encapsulation(frame.bytes, layers)));
  if (j.requestDatagram !== undefined) lines.push('', `Step 3: the journey to ${j.server}`, ...indent(pathLines(ctx.events, j.requestDatagram)));
  const end = j.response?.index ?? ctx.events.length;
  const work = eventsBetween(ctx, j.request.index, end, (e) => e.node !== j.client && isServerStep(e));
  if (work.length > 0) lines.push('', 'Step 4: the server side at work', ...indent(work.map(serverStep)));
  return lines;
}

function serverStep(e: SimEvent): string {
  const tls = tlsKind(e);
  if (tls === 'certificate-verified') {
    const checks = list(e, 'checks');
    return `${e.node}: TLS ${str(e, 'role') ?? ''} verifies the chain of ${text(list(e, 'subjects')[0])} up to ${str(e, 'anchor')}: ${checks.filter((c) => field(c, 'ok') === true).length} of ${checks.length} checks passed (${at(e.timeNs)})`;
  }
  const what = tls === undefined ? e.kind : `TLS ${e.role ? `${str(e, 'role')} ` : ''}${tls}`;
  return `${e.node}: ${what} ${details(e)} (${at(e.timeNs)})`;
}

function isServerStep(e: SimEvent): boolean {
  const tls = tlsKind(e);
  if (tls !== undefined) return TLS_STEPS.has(tls);
  return !NOT_A_SERVER_STEP.test(e.kind);
}

export function responsePhase(ctx: StoryContext): string[] {
  const j = ctx.journey;
  if (!j.response || !j.client) return [];
  const lines = ['Phase 5: HTTP response', ''];
  const seg = j.response.event;
  lines.push(`Step 1: ${seg.node} sends the response (${at(seg.timeNs)}): TCP seq ${str(seg, 'seq')}, ${str(seg, 'len')} bytes on ${str(seg, 'connection')}`);
  if (j.responseDatagram !== undefined) lines.push('', `Step 2: the way back to ${j.client}`, ...indent(pathLines(ctx.events, j.responseDatagram)));
  const response = clientEvent(ctx, ['http-response', 'app-response'], j.response.index);
  const frame = frameOf(ctx, j.responseDatagram, j.client, 'inbound');
  const own = ownAddress(ctx);
  if (frame && own) {
    const layers: LayerContext = { application: httpResponseLines(response).slice(0, 1), session: sessionLines(ctx) };
    lines.push('', `Step 3: ${j.client} takes the packet apart (${at(frame.timeNs)})`, ...indent(deencapsulation(frame.bytes, { ...own, port: j.inside?.local.port }, layers)));
  }
  if (response) lines.push('', `Step 4: the HTTP response (${at(response.timeNs)})`, ...indent(httpResponseLines(response)));
  const outputs = ctx.events.filter((e) => e.node === j.client && e.kind === 'app-output');
  for (const e of outputs) lines.push('', `Output: ${str(e, 'line')}`);
  return lines;
}
