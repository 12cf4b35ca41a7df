/**
 * The layer-by-layer view of one frame, read from its bytes with dissect():
 * down the stack as the sender built it (Layer 7 to Layer 1), or up the
 * stack as the receiver takes it apart, each check made against the
 * receiver's own address. What the bytes cannot show, because TLS hides it,
 * the caller passes in from the events (the HTTP message, the session).
 */
import { type DissectedLayer, dissect } from '../../codecs/dissect.js';
import type { DnsMessage } from '../../codecs/dns.js';
import type { TcpFlags } from '../../codecs/tcp.js';
import type { TcpOption } from '../../codecs/tcp-options.js';
import type { TlsRecord } from '../../codecs/tls/record.js';
import { indent, text } from './format.js';

/** Words from the events for the layers whose bytes are encrypted. */
export interface LayerContext {
  /** Layer 7 lines (e.g. the HTTP request line and headers). */
  readonly application?: readonly string[];
  /** Layer 5 lines (e.g. the TLS session's suite). */
  readonly session?: readonly string[];
}

type LayerOf<N extends DissectedLayer['name']> = Extract<DissectedLayer, { name: N }>;

function find<N extends DissectedLayer['name']>(layers: readonly DissectedLayer[], name: N): LayerOf<N> | undefined {
  return layers.find((l) => l.name === name) as LayerOf<N> | undefined;
}

export function flagNames(flags: TcpFlags): string {
  return (['syn', 'fin', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns'] as const).filter((f) => flags[f]).map((f) => f.toUpperCase()).join(', ');
}

export function optionText(option: TcpOption): string {
  switch (option.kind) {
    case 'mss':
      return `MSS ${option.value}`;
    case 'windowScale':
      return `window scale ${option.shiftCount}`;
    case 'sackPermitted':
      return 'SACK permitted';
    case 'timestamps':
      return `timestamps ${option.value}/${option.echoReply}`;
    case 'sack':
      return `SACK ${option.blocks.map((b) => `${b.left}-${b.right}`).join(' ')}`;
    default:
      return typeof option.kind === 'number' ? `option ${option.kind}` : option.kind;
  }
}

export function tcpOptionsText(options: readonly TcpOption[]): string {
  return options.filter((o) => o.kind !== 'nop' && o.kind !== 'eol').map(optionText).join(', ');
}

function dnsText(message: DnsMessage): string[] {
  const q = message.questions.map((x) => `${x.name} ${x.type}`).join(', ');
  const lines = [`DNS ${message.flags.qr ? 'response' : 'query'} id ${message.id}: ${q}`];
  for (const a of message.answers) if ('ttl' in a) lines.push(`answer ${a.name} ${a.type} ${text(a.data)} TTL ${a.ttl}`);
  return lines;
}

function tlsText(records: readonly TlsRecord[]): string[] {
  return records.map((r) => {
    const messages = r.messages?.map((m) => m.type).join(', ');
    return `TLS record ${r.contentType}, ${r.length} bytes${messages ? `: ${messages}` : r.contentType === 'application_data' ? ' (encrypted)' : ''}`;
  });
}

/** The frame from Layer 7 down to Layer 1, as its sender built it. */
export function encapsulation(bytes: Uint8Array, context: LayerContext = {}): string[] {
  const layers = dissect(bytes);
  const out: string[] = [];
  const section = (title: string, lines: readonly string[]) => {
    if (lines.length > 0) out.push(`${title}:`, ...indent(lines));
  };
  const dns = find(layers, 'dns');
  const tls = find(layers, 'tls');
  const udp = find(layers, 'udp');
  const tcp = find(layers, 'tcp');
  const ip = find(layers, 'ipv4');
  const eth = find(layers, 'ethernet');
  const arp = find(layers, 'arp');
  section('Layer 7 (Application)', [...(context.application ?? []), ...(dns ? dnsText(dns.header) : [])]);
  if (tls) {
    section('Layer 6 (Presentation)', tlsText(tls.header.records));
    section('Layer 5 (Session)', context.session ?? []);
  }
  if (udp) section('Layer 4 (Transport)', ['Protocol: UDP', `Source Port: ${udp.header.sourcePort}`, `Destination Port: ${udp.header.destinationPort}`, `Length: ${udp.header.length}`]);
  if (tcp) {
    const h = tcp.header;
    const lines = ['Protocol: TCP', `Source Port: ${h.sourcePort}`, `Destination Port: ${h.destinationPort}`, `Flags: ${flagNames(h.flags)}`, `Sequence Number: ${h.sequenceNumber}`];
    if (h.flags.ack) lines.push(`Acknowledgment Number: ${h.acknowledgmentNumber}`);
    lines.push(`Window: ${h.window}`);
    const options = tcpOptionsText(h.options);
    if (options) lines.push(`Options: ${options}`);
    section('Layer 4 (Transport)', lines);
  }
  if (ip) {
    const h = ip.header;
    section('Layer 3 (Network)', [`Source IP: ${h.source}`, `Destination IP: ${h.destination}`, `Protocol: ${protocolName(h.protocol)}`, `TTL: ${h.ttl}`, `Identification: ${h.identification}`, `Total Length: ${h.totalLength}`]);
  }
  if (arp) {
    const h = arp.header;
    section('ARP', [`Opcode: ${h.opcode === 1 ? 'request' : h.opcode === 2 ? 'reply' : h.opcode}`, `Sender: ${h.senderProtocolAddress} at ${h.senderHardwareAddress}`, `Target: ${h.targetProtocolAddress} at ${h.targetHardwareAddress}`]);
  }
  if (eth) section('Layer 2 (Data Link)', [`Source MAC: ${eth.header.source}`, `Destination MAC: ${eth.header.destination}`, `Type: 0x${eth.header.etherType.toString(16).padStart(4, '0')}`]);
  section('Layer 1 (Physical)', [`${bytes.length} bytes of frame, sent as bits on the link`]);
  return out;
}

/** The frame from Layer 1 up to Layer 7, as the receiver with this MAC and address takes it apart. */
export function deencapsulation(bytes: Uint8Array, receiver: { readonly mac: string; readonly ip: string; readonly port?: number }, context: LayerContext = {}): string[] {
  const layers = dissect(bytes);
  const out = [`Layer 1: ${bytes.length} bytes received`];
  const eth = find(layers, 'ethernet');
  const ip = find(layers, 'ipv4');
  const tcp = find(layers, 'tcp');
  const udp = find(layers, 'udp');
  const tls = find(layers, 'tls');
  const dns = find(layers, 'dns');
  const yes = (ok: boolean) => (ok ? 'YES' : 'NO');
  if (eth) out.push(`Layer 2: destination MAC ${eth.header.destination} = ${receiver.mac}? ${yes(eth.header.destination === receiver.mac)}; Ethernet header removed (${ip ? ip.offset : 14} bytes)`);
  if (ip) out.push(`Layer 3: destination IP ${ip.header.destination} = ${receiver.ip}? ${yes(ip.header.destination === receiver.ip)}; IP header removed (TTL ${ip.header.ttl}, from ${ip.header.source})`);
  const port = (p: number) => (receiver.port === undefined ? `port ${p}` : `port ${p} = ${receiver.port}? ${yes(p === receiver.port)}`);
  if (tcp) out.push(`Layer 4: TCP ${port(tcp.header.destinationPort)}; seq ${tcp.header.sequenceNumber} into reassembly; ${tcp.length - tcpPayloadLength(layers, tcp)} header bytes removed`);
  if (udp) out.push(`Layer 4: UDP ${port(udp.header.destinationPort)}; UDP header removed`);
  for (const line of context.session ?? []) out.push(`Layer 5: ${line}`);
  if (tls) for (const r of tls.header.records) out.push(`Layer 6: TLS record ${r.contentType}, ${r.length} bytes, decrypted with the session's keys`);
  if (dns) for (const line of dnsText(dns.header)) out.push(`Layer 7: ${line}`);
  for (const line of context.application ?? []) out.push(`Layer 7: ${line}`);
  return out;
}

function tcpPayloadLength(layers: readonly DissectedLayer[], tcp: LayerOf<'tcp'>): number {
  const next = layers[layers.indexOf(tcp) + 1];
  return next ? next.length : 0;
}

function protocolName(protocol: number): string {
  return protocol === 6 ? 'TCP (6)' : protocol === 17 ? 'UDP (17)' : protocol === 1 ? 'ICMP (1)' : String(protocol);
}

/** The TCP header of a frame, when it has one. */
export function tcpOf(bytes: Uint8Array): LayerOf<'tcp'>['header'] | undefined {
  return find(dissect(bytes), 'tcp')?.header;
}

/** The TLS records of a frame, when it carries whole ones. */
export function tlsOf(bytes: Uint8Array): readonly TlsRecord[] | undefined {
  return find(dissect(bytes), 'tls')?.header.records;
}
