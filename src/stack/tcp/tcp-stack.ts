/**
 * A host's TCP: it demultiplexes segments by 4-tuple to connections, hands
 * SYNs to listeners, picks ephemeral ports, and answers segments for which
 * nothing exists with a reset (RFC 9293 §3.10.7.1). It sits on an IpLayer
 * and asks codecs/tcp.ts for every byte it sends or reads.
 */
import { ipv4ToUint32, uint32ToIpv4 } from '../../../codecs/address.js';
import { DecodeError } from '../../../codecs/decode-error.js';
import { TCP_PROTOCOL, type TcpHeader, decode, encode } from '../../../codecs/tcp.js';
import type { Simulator } from '../../sim/simulator.js';
import type { IcmpErrorInfo, IpLayer, IpPacketInfo } from '../ip-layer.js';
import { DEFAULT_BACKLOG, DEFAULT_TCP_CONFIG, EPHEMERAL_PORT_FIRST, EPHEMERAL_PORT_LAST, type TcpConfig } from './config.js';
import { type ConnectionHost, type Endpoints, TcpConnection } from './connection.js';
import { type TcpCounters, type TcpDropCounters, newTcpCounters, newTcpDropCounters } from './counters.js';
import { TcpListener } from './listener.js';
import { flagText, makeFlags } from './segment.js';
import { seqAdd } from './sequence.js';
import type { TcpState } from './state.js';

export interface TcpStackOptions extends Partial<TcpConfig> {
  /** The node's name, for the event log and capture notes. */
  readonly node: string;
}

export interface ConnectOptions {
  /** The peer, as "52.94.133.131" or its unsigned 32-bit value. */
  readonly address: string | number;
  readonly port: number;
  /** A fixed local port; an ephemeral one is drawn from the run's generator when absent. */
  readonly localPort?: number;
}

export interface ListenOptions {
  readonly backlog?: number;
}

/** One row of the connection table, as `ss -tan` would print it. */
export interface TcpTableRow {
  readonly state: TcpState;
  readonly local: string;
  readonly remote: string;
  readonly sndUna?: number;
  readonly sndNxt?: number;
  readonly rcvNxt?: number;
  readonly sendWindow?: number;
  readonly cwnd?: number;
  readonly rtoMs?: number;
  readonly srttMs?: number;
}

export class TcpStack implements ConnectionHost {
  readonly config: TcpConfig;
  readonly node: string;
  readonly counters: TcpCounters = newTcpCounters();
  readonly drops: TcpDropCounters = newTcpDropCounters();
  private readonly connections = new Map<string, TcpConnection>();
  private readonly listeners = new Map<number, TcpListener>();
  private readonly parentOf = new Map<TcpConnection, TcpListener>();

  constructor(
    readonly sim: Simulator,
    private readonly ip: IpLayer,
    options: TcpStackOptions,
  ) {
    const { node, ...config } = options;
    this.node = node;
    this.config = { ...DEFAULT_TCP_CONFIG, ...config };
    ip.register(TCP_PROTOCOL, (payload, info) => this.receive(payload, info));
    ip.registerErrorHandler(TCP_PROTOCOL, (error) => this.icmpError(error));
  }

  /** Active open. The connection emits 'connect' once established, or 'close' with an error. */
  connect(options: ConnectOptions): TcpConnection {
    const remoteAddress = typeof options.address === 'string' ? ipv4ToUint32(options.address) : options.address >>> 0;
    const localAddress = this.ip.sourceFor(remoteAddress);
    if (localAddress === undefined) throw new Error(`${this.node}: no route to ${uint32ToIpv4(remoteAddress)}`);
    const localPort = options.localPort ?? this.ephemeralPort(localAddress, remoteAddress, options.port);
    const endpoints = { localAddress, localPort, remoteAddress, remotePort: options.port };
    if (this.connections.has(keyOf(endpoints))) throw new Error(`${this.node}: ${uint32ToIpv4(localAddress)}:${localPort} is already connected to ${uint32ToIpv4(remoteAddress)}:${options.port}`);
    const connection = new TcpConnection(this, endpoints, false);
    this.connections.set(keyOf(endpoints), connection);
    connection.open();
    return connection;
  }

  listen(port: number, options: ListenOptions = {}): TcpListener {
    if (this.listeners.has(port)) throw new Error(`${this.node}: port ${port} is already listening`);
    const listener = new TcpListener(port, options.backlog ?? DEFAULT_BACKLOG, (l) => this.listeners.delete(l.port));
    this.listeners.set(port, listener);
    return listener;
  }

  /** The connection table as data. */
  table(): TcpTableRow[] {
    const rows: TcpTableRow[] = [];
    for (const port of [...this.listeners.keys()].sort((a, b) => a - b)) rows.push({ state: 'LISTEN', local: `0.0.0.0:${port}`, remote: '0.0.0.0:*' });
    for (const connection of this.connections.values()) {
      rows.push({
        local: `${uint32ToIpv4(connection.localAddress)}:${connection.localPort}`,
        remote: `${uint32ToIpv4(connection.remoteAddress)}:${connection.remotePort}`,
        ...connection.describe(),
      });
    }
    return rows;
  }

  /** The connection table as text, one connection a line. */
  formatTable(): string {
    const rows = this.table();
    const header = ['State', 'Local', 'Remote', 'cwnd', 'srtt(ms)', 'rto(ms)'];
    const lines = rows.map((row) => [
      row.state,
      row.local,
      row.remote,
      row.cwnd === undefined ? '' : String(row.cwnd),
      row.srttMs === undefined ? '' : row.srttMs.toFixed(1),
      row.rtoMs === undefined ? '' : row.rtoMs.toFixed(0),
    ]);
    const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
    return [header, ...lines].map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
  }

  // ---- ConnectionHost ----

  transmit(connection: TcpConnection, header: TcpHeader, payload: Uint8Array, note: string): void {
    const bytes = encode(header, payload, { pseudoHeader: connection.pseudoHeader });
    // DF on every segment, as Linux sets it: the path MTU is found, not fragmented around (RFC 1191).
    this.ip.send(connection.remoteAddress, TCP_PROTOCOL, bytes, { note, dontFragment: true });
  }

  established(connection: TcpConnection): void {
    this.parentOf.get(connection)?.established(connection);
    this.parentOf.delete(connection);
  }

  closed(connection: TcpConnection): void {
    const key = keyOf(connection);
    if (this.connections.get(key) === connection) this.connections.delete(key);
    this.parentOf.get(connection)?.forget(connection);
    this.parentOf.delete(connection);
  }

  // ---- Arrival ----

  private receive(payload: Uint8Array, info: IpPacketInfo): void {
    let header: TcpHeader;
    let data: Uint8Array;
    try {
      const decoded = decode(payload, 0, payload.length, { source: uint32ToIpv4(info.source), destination: uint32ToIpv4(info.destination) });
      header = decoded.header;
      data = decoded.payload;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.drops.malformed++;
      return;
    }
    if (header.checksumValid === false) {
      this.drops.badChecksum++;
      return;
    }
    const endpoints = { localAddress: info.destination, localPort: header.destinationPort, remoteAddress: info.source, remotePort: header.sourcePort };
    const connection = this.connections.get(keyOf(endpoints));
    if (connection) {
      connection.segmentArrives(header, data);
      return;
    }
    const listener = this.listeners.get(header.destinationPort);
    if (listener && header.flags.syn && !header.flags.ack && !header.flags.rst) {
      this.counters.segmentsReceived++;
      if (listener.full) {
        this.drops.backlogFull++;
        this.sim.log.record(this.node, 'tcp-backlog-full', { port: listener.port, backlog: listener.backlog, from: `${uint32ToIpv4(info.source)}:${header.sourcePort}` });
        return;
      }
      const child = new TcpConnection(this, endpoints, true);
      this.connections.set(keyOf(endpoints), child);
      this.parentOf.set(child, listener);
      listener.handshaking.add(child);
      child.acceptSyn(header);
      return;
    }
    // A listener ignores a RST and drops a segment with neither SYN nor ACK; anything else gets a reset.
    if (listener && (header.flags.rst || !header.flags.ack)) return;
    this.refuse(header, data.length, info);
  }

  /** The reset for a segment that reached no connection (RFC 9293 §3.10.7.1). */
  private refuse(header: TcpHeader, dataLength: number, info: IpPacketInfo): void {
    this.drops.noConnection++;
    if (header.flags.rst) return;
    const f = header.flags;
    const segLen = dataLength + (f.syn ? 1 : 0) + (f.fin ? 1 : 0);
    const reply: TcpHeader = {
      sourcePort: header.destinationPort,
      destinationPort: header.sourcePort,
      sequenceNumber: f.ack ? header.acknowledgmentNumber : 0,
      acknowledgmentNumber: f.ack ? 0 : seqAdd(header.sequenceNumber, segLen),
      dataOffset: 5,
      reserved: 0,
      flags: makeFlags({ rst: true, ack: !f.ack }),
      window: 0,
      checksum: 0,
      urgentPointer: 0,
      options: [],
    };
    const local = uint32ToIpv4(info.destination);
    const remote = uint32ToIpv4(info.source);
    this.counters.resetsSent++;
    this.counters.segmentsSent++;
    const label = `${local}:${reply.sourcePort}→${remote}:${reply.destinationPort}`;
    const flags = flagText(reply.flags);
    this.sim.log.record(this.node, 'tcp-segment-sent', { connection: label, flags, seq: reply.sequenceNumber, ack: reply.acknowledgmentNumber, len: 0, window: 0 });
    const bytes = encode(reply, new Uint8Array(0), { pseudoHeader: { source: local, destination: remote } });
    this.ip.send(info.source, TCP_PROTOCOL, bytes, { dontFragment: true, note: `${this.node}: TCP [${flags}] ${label}: nothing listens on port ${header.destinationPort}` });
  }

  private icmpError(error: IcmpErrorInfo): void {
    const quoted = error.quotedTransport;
    if (quoted.length < 8) return;
    const endpoints = {
      localAddress: error.quotedSource,
      localPort: (quoted[0] << 8) | quoted[1],
      remoteAddress: error.quotedDestination,
      remotePort: (quoted[2] << 8) | quoted[3],
    };
    this.connections.get(keyOf(endpoints))?.icmpError(error);
  }

  /** Linux's range; the first try is drawn from the run's generator, then the next free port. */
  private ephemeralPort(localAddress: number, remoteAddress: number, remotePort: number): number {
    const span = EPHEMERAL_PORT_LAST - EPHEMERAL_PORT_FIRST + 1;
    const start = this.sim.rng.int(0, span - 1);
    for (let i = 0; i < span; i++) {
      const port = EPHEMERAL_PORT_FIRST + ((start + i) % span);
      if (this.listeners.has(port)) continue;
      if (!this.connections.has(keyOf({ localAddress, localPort: port, remoteAddress, remotePort }))) return port;
    }
    throw new Error(`${this.node}: no ephemeral port is free toward ${uint32ToIpv4(remoteAddress)}:${remotePort}`);
  }
}

function keyOf(e: Endpoints): string {
  return `${e.localAddress}:${e.localPort}:${e.remoteAddress}:${e.remotePort}`;
}
