/**
 * A stub resolver (RFC 1035 §7, RFC 1123 §6.1.3): asks one recursive server
 * over UDP from a fresh ephemeral port with a random id (RFC 5452: both come
 * from the run's generator), waits, asks again on a timeout, and repeats the
 * question over TCP when the answer comes back truncated (RFC 7766 §5). A
 * cache keeps answers for their TTL in virtual time, so a second lookup
 * within it sends nothing.
 *
 * Completion is a callback run from a simulator event, never a Promise: a
 * microtask would run outside the event order and could reorder a run.
 */
import * as dns from '../../codecs/dns.js';
import { DecodeError } from '../../codecs/decode-error.js';
import type { DnsRecordData } from '../../codecs/dns-rdata.js';
import type { ScheduledEvent } from '../sim/event-queue.js';
import type { BaseNode } from '../nodes/base-node.js';
import type { ByteStream } from './byte-stream.js';
import { readDnsMessages } from './dns-tcp.js';
import type { UdpService } from './udp.js';

export interface DnsResolverOptions {
  /** How long to wait for each UDP answer; default 1 s. */
  readonly timeoutNs?: number;
  /** UDP tries before giving up; default 2. */
  readonly attempts?: number;
  /** How long a TCP retry may take in all; default 5 s. */
  readonly tcpTimeoutNs?: number;
}

export interface DnsAnswer {
  readonly name: string;
  readonly type: string | number;
  readonly ttl: number;
  readonly data: DnsRecordData;
}

export type DnsLookupError = 'timeout' | 'nxdomain' | 'servfail' | 'refused' | 'notimp' | 'formerr' | 'truncated' | 'unreachable' | 'tcp-failed' | 'rcode';

export type DnsLookupResult =
  | {
      readonly ok: true;
      readonly name: string;
      readonly type: string;
      /** Every answer record, CNAMEs included, in order. */
      readonly answers: readonly DnsAnswer[];
      /** The data of the answers of the type asked for (addresses, for A). */
      readonly values: readonly string[];
      /** Seconds the answer may be kept: the smallest TTL among the answers (less the time spent in the cache). */
      readonly ttl: number;
      readonly source: 'udp' | 'tcp' | 'cache';
    }
  | { readonly ok: false; readonly name: string; readonly type: string; readonly error: DnsLookupError; readonly rcode?: number };

interface CacheEntry {
  readonly answers: readonly DnsAnswer[];
  readonly values: readonly string[];
  readonly expiresAtNs: number;
}

export interface DnsCacheRow {
  readonly name: string;
  readonly type: string;
  readonly values: readonly string[];
  readonly expiresInNs: number;
}

const RCODE_ERRORS: Record<number, DnsLookupError> = { 1: 'formerr', 2: 'servfail', 3: 'nxdomain', 4: 'notimp', 5: 'refused' };

export class DnsResolver {
  readonly timeoutNs: number;
  readonly attempts: number;
  readonly tcpTimeoutNs: number;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly node: BaseNode,
    private readonly udp: UdpService,
    readonly server: string,
    options: DnsResolverOptions = {},
    /** The host's TCP, once attached; without it a truncated answer is an error. */
    private readonly tcp: () => { connect(destination: string, port: number): ByteStream } | undefined = () => undefined,
  ) {
    this.timeoutNs = options.timeoutNs ?? 1e9;
    this.attempts = options.attempts ?? 2;
    this.tcpTimeoutNs = options.tcpTimeoutNs ?? 5e9;
  }

  resolve(name: string, type: string, done: (result: DnsLookupResult) => void): void {
    const sim = this.node.sim;
    const key = cacheKey(name, type);
    const cached = this.cache.get(key);
    if (cached && sim.now >= cached.expiresAtNs) this.cache.delete(key);
    const hit = cached !== undefined && sim.now < cached.expiresAtNs;
    sim.log.record(this.node.name, 'dns-cache', { name, type, hit, expiresInNs: hit ? cached.expiresAtNs - sim.now : undefined });
    if (hit) {
      const ttl = Math.floor((cached.expiresAtNs - sim.now) / 1e9);
      sim.schedule(0, () => done({ ok: true, name, type, answers: cached.answers, values: cached.values, ttl, source: 'cache' }));
      return;
    }
    new Lookup(this, name, type, done).start();
  }

  /** The cache as rows, for printing: what is kept and for how much longer. */
  cacheTable(): DnsCacheRow[] {
    const now = this.node.sim.now;
    const rows: DnsCacheRow[] = [];
    for (const [key, entry] of this.cache) {
      if (now >= entry.expiresAtNs) continue;
      const [name, type] = key.split('|');
      rows.push({ name, type, values: entry.values, expiresInNs: entry.expiresAtNs - now });
    }
    return rows;
  }

  /** The cache as a printable table: "Name | Type | Values | Expires in". */
  formatCacheTable(): string {
    const rows = this.cacheTable();
    const width = Math.max(4, ...rows.map((r) => r.name.length));
    const lines = [`${'Name'.padEnd(width)} | Type  | Expires in | Values`, `${'-'.repeat(width)}-|-------|------------|-------`];
    if (rows.length === 0) lines.push('(empty)');
    for (const r of rows) lines.push(`${r.name.padEnd(width)} | ${r.type.padEnd(5)} | ${`${(r.expiresInNs / 1e9).toFixed(1)} s`.padStart(10)} | ${r.values.join(', ')}`);
    return lines.join('\n');
  }

  /** @internal */
  get host(): BaseNode {
    return this.node;
  }

  /** @internal */
  get udpService(): UdpService {
    return this.udp;
  }

  /** @internal */
  tcpTransport() {
    return this.tcp();
  }

  /** @internal */
  remember(name: string, type: string, answers: readonly DnsAnswer[], values: readonly string[], ttl: number): void {
    if (ttl > 0 && answers.length > 0) this.cache.set(cacheKey(name, type), { answers, values, expiresAtNs: this.node.sim.now + ttl * 1e9 });
  }
}

/** One question in flight: its UDP tries, then perhaps TCP. */
class Lookup {
  private readonly id: number;
  private readonly query: dns.DnsMessage;
  private finished = false;
  private timer: ScheduledEvent | undefined;
  private closeSocket: (() => void) | undefined;

  constructor(
    private readonly resolver: DnsResolver,
    private readonly name: string,
    private readonly type: string,
    private readonly done: (result: DnsLookupResult) => void,
  ) {
    this.id = resolver.host.sim.rng.uint16();
    this.query = {
      id: this.id,
      flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0 },
      questions: [{ name, type, class: 'IN' }],
      answers: [],
      authorities: [],
      additionals: [],
    };
  }

  private get sim() {
    return this.resolver.host.sim;
  }

  start(): void {
    const socket = this.resolver.udpService.bind();
    this.closeSocket = () => socket.close();
    const bytes = dns.encode(this.query);
    let attempt = 0;
    const send = () => {
      attempt++;
      this.log('dns-query', { transport: 'udp', attempt, sourcePort: socket.port });
      socket.sendTo(this.resolver.server, dns.DNS_PORT, bytes, { note: `${this.resolver.host.name}: DNS query ${this.type} ${this.name} (id ${this.id})` });
      this.timer = this.sim.schedule(this.resolver.timeoutNs, () => {
        if (this.finished) return;
        this.log('dns-timeout', { transport: 'udp', attempt });
        if (attempt < this.resolver.attempts) send();
        else this.fail('timeout');
      });
    };
    socket.onMessage((data, from) => {
      if (this.finished || from.address !== this.resolver.server || from.port !== dns.DNS_PORT) return;
      const response = this.accept(data);
      if (!response) return;
      this.sim.cancel(this.timer);
      if (response.flags.tc) return this.retryOverTcp();
      this.finish(response, 'udp');
    });
    socket.onError((error) => {
      if (this.finished) return;
      this.sim.cancel(this.timer);
      this.log('dns-error', { type: error.type, code: error.code });
      this.fail('unreachable');
    });
    send();
  }

  /** The response to our question, or undefined for anything else (a stray, or a forgery with the wrong id). */
  private accept(data: Uint8Array): dns.DnsMessage | undefined {
    let message: dns.DnsMessage;
    try {
      message = dns.decode(data).header;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.resolver.host.drop('malformed', { protocol: 'dns', reason: error.reason });
      return undefined;
    }
    const q = message.questions[0];
    const matches = message.flags.qr && message.id === this.id && q !== undefined && q.name.toLowerCase() === this.name.toLowerCase() && String(q.type) === this.type;
    if (!matches) {
      this.resolver.host.drop('dns-mismatch', { id: message.id });
      return undefined;
    }
    return message;
  }

  private retryOverTcp(): void {
    this.closeSocket?.();
    this.log('dns-truncated', { transport: 'udp' });
    const tcp = this.resolver.tcpTransport();
    if (!tcp) return this.fail('truncated');
    const stream = tcp.connect(this.resolver.server, dns.DNS_PORT);
    const reader = new dns.DnsTcpStream();
    this.timer = this.sim.schedule(this.resolver.tcpTimeoutNs, () => {
      if (this.finished) return;
      stream.end();
      this.fail('timeout');
    });
    stream.on('data', (chunk) => {
      if (this.finished) return;
      readDnsMessages(
        reader,
        chunk,
        (message) => {
          if (!(message.flags.qr && message.id === this.id)) {
            this.resolver.host.drop('dns-mismatch', { id: message.id });
            return false;
          }
          this.sim.cancel(this.timer);
          stream.end();
          this.finish(message, 'tcp');
          return true;
        },
        (error) => this.resolver.host.drop('malformed', { protocol: 'dns', reason: error.reason }),
      );
    });
    stream.on('close', (error) => {
      if (this.finished) return;
      this.sim.cancel(this.timer);
      this.log('dns-error', { transport: 'tcp', reason: error?.message ?? 'closed before an answer' });
      this.fail('tcp-failed');
    });
    this.log('dns-query', { transport: 'tcp', attempt: 1 });
    stream.write(dns.encodeTcp(this.query));
  }

  private finish(response: dns.DnsMessage, source: 'udp' | 'tcp'): void {
    const answers: DnsAnswer[] = [];
    for (const r of response.answers) if (!dns.isOptRecord(r)) answers.push({ name: r.name, type: r.type, ttl: r.ttl, data: r.data });
    const ttl = answers.length === 0 ? 0 : Math.min(...answers.map((a) => a.ttl));
    this.log('dns-response', {
      transport: source,
      rcode: response.flags.rcode,
      answers: answers.map((a) => ({ name: a.name, type: a.type, ttl: a.ttl, data: typeof a.data === 'string' ? a.data : a.type })),
      ttl,
    });
    const rcode = response.flags.rcode;
    if (rcode !== 0) return this.fail(RCODE_ERRORS[rcode] ?? 'rcode', rcode);
    const values = answers.filter((a) => String(a.type) === this.type && typeof a.data === 'string').map((a) => a.data as string);
    this.resolver.remember(this.name, this.type, answers, values, ttl);
    this.complete({ ok: true, name: this.name, type: this.type, answers, values, ttl, source });
  }

  private fail(error: DnsLookupError, rcode?: number): void {
    this.complete({ ok: false, name: this.name, type: this.type, error, rcode });
  }

  private complete(result: DnsLookupResult): void {
    if (this.finished) return;
    this.finished = true;
    this.closeSocket?.();
    this.done(result);
  }

  private log(kind: string, details: Record<string, unknown>): void {
    this.sim.log.record(this.resolver.host.name, kind, { id: this.id, name: this.name, type: this.type, ...details });
  }
}

function cacheKey(name: string, type: string): string {
  return `${name.toLowerCase().replace(/\.$/, '')}|${type}`;
}
