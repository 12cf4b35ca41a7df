/**
 * Finds the journey's landmarks in the event log: who the client is, its
 * DNS lookup, the TCP handshake, the TLS handshake, the request and the
 * response, and the datagrams that carried each on the wire. Everything is
 * looked up from what the nodes recorded; a landmark that was not recorded
 * is left undefined and the story says less.
 *
 * TLS reports through a callback; endpoints record each step as a 'tls'
 * event ({ step, role, connection, ...details }).
 */
import type { SimEvent } from '../sim/event-log.js';
import type { FrameRecord } from './frames.js';
import { datagramAfter } from './hop.js';

/** The TLS step of a 'tls' event ("handshake-sent"), or undefined for any other event. */
export function tlsKind(e: SimEvent): string | undefined {
  return e.kind === 'tls' && typeof e.step === 'string' ? e.step : undefined;
}

export interface Located {
  readonly event: SimEvent;
  readonly index: number;
}

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface Journey {
  readonly client?: string;
  readonly clientIp?: string;
  readonly dnsCache?: Located;
  readonly dnsQuery?: Located;
  readonly dnsServer?: string;
  readonly dnsQueryDatagram?: bigint;
  readonly dnsServerAnswer?: Located;
  readonly dnsResponseDatagram?: bigint;
  readonly dnsResponse?: Located;
  readonly syn?: Located;
  readonly synDatagram?: bigint;
  readonly synAck?: Located;
  readonly synAckDatagram?: bigint;
  readonly ack?: Located;
  readonly ackDatagram?: bigint;
  readonly server?: string;
  /** The connection as the client sees it and as the server sees it (after NAT). */
  readonly inside?: { readonly local: Endpoint; readonly remote: Endpoint };
  readonly outside?: { readonly local: Endpoint; readonly remote: Endpoint };
  readonly clientTlsDone?: Located;
  readonly request?: Located;
  readonly requestDatagram?: bigint;
  readonly response?: Located;
  readonly responseDatagram?: bigint;
  readonly responseArrival?: Located;
}

/** A segment event that carried bytes. */
function hasData(e: SimEvent): boolean {
  return typeof e.len === 'number' && e.len > 0;
}

function first(events: readonly SimEvent[], from: number, test: (e: SimEvent) => boolean): Located | undefined {
  for (let i = Math.max(0, from); i < events.length; i++) if (test(events[i])) return { event: events[i], index: i };
  return undefined;
}

/** "192.168.1.100:55555→52.94.133.131:443" as its two ends. */
export function parseConnection(label: unknown): { readonly local: Endpoint; readonly remote: Endpoint } | undefined {
  if (typeof label !== 'string') return undefined;
  const [a, b] = label.split('→');
  const end = (s: string | undefined): Endpoint | undefined => {
    const colon = s?.lastIndexOf(':') ?? -1;
    if (!s || colon < 0) return undefined;
    return { ip: s.slice(0, colon), port: Number(s.slice(colon + 1)) };
  };
  const local = end(a);
  const remote = end(b);
  return local && remote ? { local, remote } : undefined;
}

/** Ports, sequence number and payload length of an Ethernet/IPv4 frame's TCP or UDP header, read straight from the bytes. */
function transportOf(b: Uint8Array): { protocol: number; sourcePort: number; destinationPort: number; seq: number; payloadLength: number } | undefined {
  if (b.length < 34 || ((b[12] << 8) | b[13]) !== 0x0800) return undefined;
  const ihl = (b[14] & 0x0f) << 2;
  const totalLength = (b[16] << 8) | b[17];
  const l4 = 14 + ihl;
  const protocol = b[23];
  if (b.length < l4 + 8 || (protocol !== 6 && protocol !== 17)) return undefined;
  const sourcePort = (b[l4] << 8) | b[l4 + 1];
  const destinationPort = (b[l4 + 2] << 8) | b[l4 + 3];
  if (protocol === 17) return { protocol, sourcePort, destinationPort, seq: 0, payloadLength: totalLength - ihl - 8 };
  if (b.length < l4 + 14) return undefined;
  const seq = ((b[l4 + 4] << 24) | (b[l4 + 5] << 16) | (b[l4 + 6] << 8) | b[l4 + 7]) >>> 0;
  return { protocol, sourcePort, destinationPort, seq, payloadLength: totalLength - ihl - ((b[l4 + 12] >> 4) << 2) };
}

/** The datagram of a segment a node sent: its frame out of that node with this sequence number and length. */
function segmentDatagram(frames: readonly FrameRecord[], sent: SimEvent): bigint | undefined {
  for (const f of frames) {
    if (f.node !== sent.node || f.direction !== 'outbound' || f.timeNs < sent.timeNs) continue;
    const t = transportOf(f.bytes);
    if (t?.protocol === 6 && t.seq === sent.seq && t.payloadLength === sent.len) return f.packetId;
  }
  return undefined;
}

/** The datagram of a UDP message a node sent from this port. */
function udpDatagram(frames: readonly FrameRecord[], sent: SimEvent, sourcePort: unknown): bigint | undefined {
  for (const f of frames) {
    if (f.node !== sent.node || f.direction !== 'outbound' || f.timeNs < sent.timeNs) continue;
    const t = transportOf(f.bytes);
    if (t?.protocol === 17 && t.sourcePort === sourcePort) return f.packetId;
  }
  return undefined;
}

/**
 * Without frames: the first datagram routed after the event towards `destination`
 * that came from `inside` (ip:port), whether or not a NAT rewrote its source.
 */
function routedFrom(events: readonly SimEvent[], from: number, inside: Endpoint, destination: string): bigint | undefined {
  for (let i = from; i < events.length; i++) {
    const e = events[i];
    if (e.kind !== 'route' || e.destination !== destination || typeof e.packetId !== 'bigint') continue;
    if (e.source === inside.ip) return e.packetId;
    const nat = events.find((n) => n.kind === 'nat' && n.packetId === e.packetId && n.direction === 'outbound');
    if (nat?.inside === `${inside.ip}:${inside.port}`) return e.packetId;
  }
  return undefined;
}

/** The sender's own address of a datagram: before NAT rewrote it, if a NAT did. */
function insideAddress(events: readonly SimEvent[], packetId: bigint | undefined): string | undefined {
  if (packetId === undefined) return undefined;
  const nat = events.find((e) => e.kind === 'nat' && e.packetId === packetId && e.direction === 'outbound');
  if (typeof nat?.inside === 'string') return nat.inside.slice(0, nat.inside.lastIndexOf(':'));
  const source = events.find((e) => e.kind === 'route' && e.packetId === packetId)?.source;
  return typeof source === 'string' ? source : undefined;
}

export function findJourney(events: readonly SimEvent[], frames: readonly FrameRecord[] = []): Journey {
  const dnsCache = first(events, 0, (e) => e.kind === 'dns-cache');
  const firstSyn = first(events, 0, (e) => e.kind === 'tcp-segment-sent' && e.flags === 'SYN');
  const client = dnsCache?.event.node ?? firstSyn?.event.node;
  if (client === undefined) return {};
  const mine = (e: SimEvent) => e.node === client;

  const dnsQuery = dnsCache && first(events, dnsCache.index, (e) => mine(e) && e.kind === 'dns-query');
  const dnsRoute = dnsQuery && first(events, dnsQuery.index, (e) => mine(e) && e.kind === 'route-decision');
  const dnsServer = typeof dnsRoute?.event.destination === 'string' ? dnsRoute.event.destination : undefined;
  const dnsQueryDatagram = dnsQuery && (udpDatagram(frames, dnsQuery.event, dnsQuery.event.sourcePort) ?? datagramAfter(events, dnsQuery.index, { destination: dnsServer }));
  const dnsServerAnswer = dnsQuery && first(events, dnsQuery.index, (e) => e.kind === 'dns-server-response');
  const dnsResponseDatagram = dnsServerAnswer && (udpDatagram(frames, dnsServerAnswer.event, 53) ?? datagramAfter(events, dnsServerAnswer.index, { source: dnsServer }));
  const dnsResponse = dnsQuery && first(events, dnsQuery.index, (e) => mine(e) && e.kind === 'dns-response');

  const syn = first(events, dnsResponse?.index ?? 0, (e) => mine(e) && e.kind === 'tcp-segment-sent' && e.flags === 'SYN');
  const inside = parseConnection(syn?.event.connection);
  const clientIp = inside?.local.ip ?? insideAddress(events, dnsQueryDatagram);
  const fromClient = (sent: Located | undefined) => sent && inside && (segmentDatagram(frames, sent.event) ?? routedFrom(events, sent.index, inside.local, inside.remote.ip));
  const synDatagram = fromClient(syn);
  const synAck = syn && first(events, syn.index, (e) => !mine(e) && e.kind === 'tcp-segment-sent' && e.flags === 'SYN,ACK');
  const server = synAck?.event.node;
  const outside = parseConnection(synAck?.event.connection);
  const serverIp = outside?.local.ip;
  const fromServer = (sent: Located | undefined) => sent && (segmentDatagram(frames, sent.event) ?? datagramAfter(events, sent.index, { source: serverIp }));
  const synAckDatagram = fromServer(synAck);
  const sameConnection = (e: SimEvent) => e.connection === syn?.event.connection;
  const ack = synAck && first(events, synAck.index, (e) => mine(e) && e.kind === 'tcp-segment-sent' && e.flags === 'ACK' && sameConnection(e));

  const ackDatagram = fromClient(ack);
  const clientTlsDone = syn && first(events, syn.index, (e) => mine(e) && tlsKind(e) === 'handshake-complete');
  const request = syn && first(events, clientTlsDone?.index ?? ack?.index ?? syn.index, (e) => mine(e) && e.kind === 'tcp-segment-sent' && sameConnection(e) && hasData(e));
  const requestDatagram = fromClient(request);
  const serverConnection = synAck?.event.connection;
  const response = request && first(events, request.index, (e) => e.node === server && e.kind === 'tcp-segment-sent' && e.connection === serverConnection && hasData(e) && isAfterRequestArrived(events, request.index, e));
  const responseDatagram = fromServer(response);
  const responseArrival = response && first(events, response.index, (e) => mine(e) && e.kind === 'tcp-segment-received' && sameConnection(e) && e.seq === response.event.seq);

  return {
    client,
    clientIp,
    dnsCache,
    dnsQuery,
    dnsServer,
    dnsQueryDatagram,
    dnsServerAnswer,
    dnsResponseDatagram,
    dnsResponse,
    syn,
    synDatagram,
    synAck,
    synAckDatagram,
    ack,
    ackDatagram,
    server,
    inside,
    outside,
    clientTlsDone,
    request,
    requestDatagram,
    response,
    responseDatagram,
    responseArrival,
  };
}

/** The server's reply comes after the request's data reached it, not with the rest of its handshake flight. */
function isAfterRequestArrived(events: readonly SimEvent[], requestIndex: number, reply: SimEvent): boolean {
  const request = events[requestIndex];
  const seq = request.seq as number;
  for (let i = requestIndex; i < events.length && events[i] !== reply; i++) {
    const e = events[i];
    if (e.node === reply.node && e.kind === 'tcp-segment-received' && e.seq === seq && hasData(e)) return true;
  }
  return false;
}
