/**
 * Phase 3: the TLS 1.3 handshake, message by message from both sides' TLS
 * events, with the hellos' contents read from their plaintext frames
 * (server name, groups, key shares, versions), the certificate checks and
 * the keys derived.
 */
import type { HandshakeMessage } from '../../codecs/tls/handshake.js';
import { cipherSuiteName, namedGroupName, protocolVersionName } from '../../codecs/tls/names.js';
import type { SimEvent } from '../sim/event-log.js';
import type { StoryContext } from './context.js';
import { at, details, field, indent, list, str, text } from './format.js';
import { tlsKind } from './journey.js';
import { tlsOf } from './layers.js';

/** "client_hello" → "ClientHello". */
export function messageName(type: unknown): string {
  return text(type).split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

const suite = (n: number) => cipherSuiteName(n) ?? `0x${n.toString(16).padStart(4, '0')}`;
const group = (n: number) => namedGroupName(n) ?? `0x${n.toString(16)}`;
const version = (n: number) => protocolVersionName(n) ?? `0x${n.toString(16)}`;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A hello as its frame carried it: the values the event does not hold. */
function helloLines(message: HandshakeMessage): string[] {
  if (message.type !== 'client_hello' && message.type !== 'server_hello') return [];
  const lines = [`random: ${hex(message.random)}`];
  if (message.type === 'server_hello') lines.push(`chosen cipher suite: ${suite(message.cipherSuite)}`);
  for (const e of message.extensions) {
    if (e.type === 'server_name' && e.serverNames) lines.push(`server name (SNI): ${e.serverNames.map((s) => s.hostName).join(', ')}`);
    else if (e.type === 'supported_groups') lines.push(`groups: ${e.namedGroupList.map(group).join(', ')}`);
    else if (e.type === 'key_share' && 'clientShares' in e) lines.push(`key shares: ${e.clientShares.map((s) => `${group(s.group)} (${s.keyExchange.length} bytes)`).join(', ')}`);
    else if (e.type === 'key_share' && 'serverShare' in e) lines.push(`key share: ${group(e.serverShare.group)} ${hex(e.serverShare.keyExchange)}`);
    else if (e.type === 'supported_versions' && 'versions' in e) lines.push(`versions: ${e.versions.map(version).join(', ')}`);
    else if (e.type === 'supported_versions' && 'selectedVersion' in e) lines.push(`selected version: ${version(e.selectedVersion)}`);
    else if (e.type === 'application_layer_protocol_negotiation') lines.push(`ALPN: ${e.protocolNameList.join(', ')}`);
  }
  return lines;
}

/** The hello of this type that a node sent in the clear, read from its frames. */
function helloFromFrames(ctx: StoryContext, node: string, type: 'client_hello' | 'server_hello', after: number): HandshakeMessage | undefined {
  for (const f of ctx.frames) {
    if (f.node !== node || f.direction !== 'outbound' || f.timeNs < after) continue;
    const records = tlsOf(f.bytes);
    const message = records?.flatMap((r) => r.messages ?? []).find((m) => m.type === type);
    if (message) return message;
  }
  return undefined;
}

function eventLines(ctx: StoryContext, e: SimEvent, side: string, after: number): string[] {
  const kind = tlsKind(e)!;
  const who = `${side} (${e.node})`;
  switch (kind) {
    case 'handshake-sent': {
      const lines = [`${who} sends ${messageName(e.type)} (${at(e.timeNs)})`];
      if (Array.isArray(e.cipherSuites)) lines.push(`  cipher suites offered: ${list(e, 'cipherSuites').map((s) => (typeof s === 'number' ? suite(s) : text(s))).join(', ')}`);
      if (typeof e.cipherSuite === 'number') lines.push(`  cipher suite: ${suite(e.cipherSuite)}`);
      if (Array.isArray(e.extensions)) lines.push(`  extensions: ${text(e.extensions)}`);
      if (typeof e.certificates === 'number') lines.push(`  certificates in the chain: ${e.certificates}`);
      if (typeof e.algorithm === 'number') lines.push(`  signature algorithm: 0x${e.algorithm.toString(16).padStart(4, '0')}`);
      if (e.type === 'client_hello' || e.type === 'server_hello') {
        const hello = helloFromFrames(ctx, e.node, e.type, after);
        if (hello) lines.push(...indent(helloLines(hello)));
      }
      return lines;
    }
    case 'handshake-received':
      return [`${who} receives ${messageName(e.type)}`];
    case 'client-hello-accepted':
    case 'server-hello-accepted':
      return [`${who} accepts the hello: ${text({ cipherSuite: e.cipherSuite, group: e.group, version: e.version, serverName: e.serverName, alpn: e.alpn })}`];
    case 'certificate-verified': {
      const subjects = list(e, 'subjects').map(text);
      const issuers = list(e, 'issuers').map(text);
      const lines = [`${who} verifies the certificate chain:`];
      subjects.forEach((s, i) => lines.push(`  certificate ${i + 1}: subject ${s}; issued by ${issuers[i] ?? '?'}`));
      lines.push(`  trust anchor: ${str(e, 'anchor')}`);
      for (const c of list(e, 'checks')) lines.push(`  ${field(c, 'ok') === true ? 'ok' : 'FAILED'}: ${text(field(c, 'step'))} (${text(field(c, 'subject'))})`);
      return lines;
    }
    case 'certificate-verify-checked':
      return [`${who} checks the CertificateVerify signature (${str(e, 'algorithm')}): ${e.ok ? 'valid' : 'INVALID'}`];
    case 'finished-checked':
      return [`${who} checks the ${str(e, 'side')}'s Finished against the transcript: ${e.ok ? 'matches' : 'DOES NOT MATCH'}`];
    case 'secret-derived':
      return [`${who} derives ${str(e, 'label')}`];
    case 'keys-installed':
      return [`${who} installs ${str(e, 'direction')} keys for ${str(e, 'purpose')} (${str(e, 'cipherSuite')})`];
    case 'handshake-complete':
      return [`${who}: handshake complete, ${text({ version: e.version, cipherSuite: e.cipherSuite, alpn: e.alpnProtocol, serverName: e.serverName })} (${at(e.timeNs)})`];
    default:
      return [`${who}: ${kind} ${details(e)}`.trimEnd()];
  }
}

export function tlsPhase(ctx: StoryContext): string[] {
  const j = ctx.journey;
  if (!j.syn || !j.client) return [];
  const start = j.syn.index;
  // The server may run TLS of its own later (a load balancer to its backend): keep to this connection's server side.
  const serverSide = (e: SimEvent) => e.node === j.server && (e.role === undefined || e.role === 'server');
  const serverDone = ctx.events.findIndex((e, i) => i > start && serverSide(e) && tlsKind(e) === 'handshake-complete');
  const end = serverDone >= 0 ? serverDone + 1 : (j.clientTlsDone?.index ?? -1) + 1;
  if (end <= start) return [];
  const lines = ['Phase 3: TLS handshake', ''];
  const after = j.syn.event.timeNs;
  for (let i = start; i < end; i++) {
    const e = ctx.events[i];
    if (tlsKind(e) === undefined) continue;
    if (e.node === j.client) lines.push(...eventLines(ctx, e, 'client', after));
    else if (serverSide(e)) lines.push(...eventLines(ctx, e, 'server', after));
  }
  return lines;
}
