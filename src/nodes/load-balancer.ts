/**
 * The application load balancer: a host with a public side (52.94.133.131)
 * and a side inside the region. It terminates TLS with the public
 * certificate, reads each request's Host and X-Amz-Target, picks the first
 * listener rule that matches, and sends the request on to that rule's
 * backend over a second TLS connection, whose certificate it checks against
 * the same trusted root. It adds X-Forwarded-For with the client address it
 * saw (after the home router's NAT), X-Forwarded-Proto and X-Forwarded-Port,
 * and relays the backend's answer back unchanged.
 */
import type { X509Certificate } from 'node:crypto';
import { uint32ToIpv4 } from '../../codecs/address.js';
import type { HttpField, HttpRequest, HttpResponse } from '../../codecs/http.js';
import * as http from '../../codecs/http.js';
import { HttpStreamParser } from '../../codecs/http-parser.js';
import { headerValue, responseWith } from '../apps/http-messages.js';
import { serveHttp } from '../apps/http-server.js';
import { type CaptureHold, tlsEventLog } from '../apps/tls-events.js';
import type { Simulator } from '../sim/simulator.js';
import type { ServerIdentity } from '../stack/pki/index.js';
import type { TcpConnection } from '../stack/tcp/connection.js';
import { streamTransport } from '../stack/tcp/stream-transport.js';
import { TcpStack } from '../stack/tcp/tcp-stack.js';
import { type TlsClientConnection, tlsAccept, tlsConnect } from '../stack/tls/index.js';
import { Host, type HostConfig } from './host.js';

export interface Backend {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** The name its certificate must carry. */
  readonly serverName: string;
}

/** A listener rule: a request whose Host is `host` and whose X-Amz-Target starts with `targetPrefix` goes to `backend`. */
export interface ListenerRule {
  readonly name: string;
  readonly host: string;
  readonly targetPrefix?: string;
  readonly backend: Backend;
}

export interface LoadBalancerConfig extends HostConfig {
  readonly identity: ServerIdentity;
  readonly trustedRoots: readonly X509Certificate[];
  readonly rules: readonly ListenerRule[];
  /** Default 443. */
  readonly port?: number;
  /** Connections in the handshake or not yet accepted; default 4096, Linux's somaxconn, as a server facing many clients is set. */
  readonly backlog?: number;
}

interface PendingReply {
  readonly reply: (response: HttpResponse) => void;
}

/** The backend side of one front connection: its TLS stream, a response parser, and the replies owed. */
interface BackendLink {
  readonly tls: TlsClientConnection;
  readonly parser: HttpStreamParser;
  readonly waiting: PendingReply[];
}

export class LoadBalancer extends Host {
  readonly tcpStack: TcpStack;
  readonly port: number;
  /** Set by whoever captures: the backend TLS client holds the capture until its key log is known. */
  holdCapture: CaptureHold | undefined;
  /** Each NSS key log line of the backend connections, as it is derived. */
  onKeyLog: ((line: string) => void) | undefined;

  constructor(
    sim: Simulator,
    private readonly config: LoadBalancerConfig,
  ) {
    super(sim, config);
    this.port = config.port ?? 443;
    this.tcpStack = new TcpStack(sim, this.ip, { node: config.name });
    this.attachTcp(streamTransport(this.tcpStack));
    this.tcpStack.listen(this.port, { backlog: config.backlog ?? 4096 }).on('connection', (connection) => this.front(connection));
  }

  /** The rules, in the order they are tried. */
  get rules(): readonly ListenerRule[] {
    return this.config.rules;
  }

  /** The first rule that matches a request's Host and X-Amz-Target, if any. */
  match(request: HttpRequest): ListenerRule | undefined {
    const host = headerValue(request.headers, 'host')?.toLowerCase().replace(/:443$/, '');
    const target = headerValue(request.headers, 'x-amz-target') ?? '';
    return this.config.rules.find((r) => r.host === host && (r.targetPrefix === undefined || target.startsWith(r.targetPrefix)));
  }

  private front(connection: TcpConnection): void {
    const sim = this.sim;
    const client = uint32ToIpv4(connection.remoteAddress);
    const tls = tlsAccept(connection, { ...this.config.identity, rng: sim.rng, alpn: ['http/1.1'], log: tlsEventLog(sim, this.name, 'server', connection.label) });
    tls.on('secure', (summary) => sim.log.record(this.name, 'lb-tls-terminated', { connection: connection.label, client, serverName: summary.serverName, cipherSuite: summary.cipherSuite, certificate: 'public' }));
    let backend: BackendLink | undefined;
    tls.on('end', () => backend?.tls.end());
    serveHttp(
      tls,
      (request, reply) => {
        const rule = this.match(request);
        sim.log.record(this.name, 'lb-route', {
          connection: connection.label,
          host: headerValue(request.headers, 'host'),
          amzTarget: headerValue(request.headers, 'x-amz-target'),
          rule: rule?.name ?? null,
          ruleHost: rule?.host ?? null,
          ruleTargetPrefix: rule?.targetPrefix ?? null,
          backend: rule ? `${rule.backend.address}:${rule.backend.port}` : null,
          backendName: rule?.backend.name ?? null,
        });
        if (!rule) return reply(responseWith(404, 'Not Found', [['Content-Type', 'text/plain']], 'no listener rule matches this request\n'));
        backend ??= this.openBackend(rule.backend, connection.label);
        const forwarded = this.forwardedRequest(request, client);
        backend.waiting.push({ reply });
        backend.parser.expectResponseTo(request.method);
        backend.tls.write(http.encode(forwarded));
      },
      (error) => sim.log.record(this.name, 'http-bad-request', { connection: connection.label, error: error.message }),
    );
  }

  private forwardedRequest(request: HttpRequest, client: string): HttpRequest {
    const added: HttpField[] = [
      ['X-Forwarded-For', client],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Port', String(this.port)],
    ];
    this.sim.log.record(this.name, 'lb-headers-added', { headers: added.map(([n, v]) => `${n}: ${v}`) });
    const replaced = new Set(added.map(([n]) => n.toLowerCase()));
    return { ...request, headers: [...request.headers.filter(([n]) => !replaced.has(n.toLowerCase())), ...added] };
  }

  private openBackend(target: Backend, front: string): BackendLink {
    const sim = this.sim;
    const connection = this.tcpStack.connect({ address: target.address, port: target.port });
    sim.log.record(this.name, 'lb-backend-chosen', { backend: target.name, address: target.address, port: target.port, serverName: target.serverName, connection: connection.label, front });
    let release: ((keyLog?: string) => void) | undefined;
    const tls = tlsConnect(connection, {
      serverName: target.serverName,
      trustedRoots: this.config.trustedRoots,
      now: () => sim.date(),
      rng: sim.rng,
      alpn: ['http/1.1'],
      log: tlsEventLog(sim, this.name, 'client', connection.label),
      onKeyLog: (line) => this.onKeyLog?.(line),
      beforeClientHello: () => {
        release = this.holdCapture?.();
      },
    });
    const keyLog = () => (tls.keyLog().length > 0 ? `${tls.keyLog().join('\n')}\n` : undefined);
    tls.on('secure', () => release?.(keyLog()));
    const link: BackendLink = { tls, parser: new HttpStreamParser(), waiting: [] };
    tls.on('data', (bytes) => {
      for (const { message } of link.parser.push(bytes)) {
        if (!http.isResponse(message)) continue;
        sim.log.record(this.name, 'lb-relay', { status: message.status, backend: target.name, front });
        link.waiting.shift()?.reply(message);
      }
    });
    tls.on('end', () => tls.end());
    tls.on('close', (error) => {
      release?.(keyLog());
      if (!error) return;
      sim.log.record(this.name, 'lb-backend-failed', { backend: target.name, error: error.message });
      for (const pending of link.waiting.splice(0)) pending.reply(responseWith(502, 'Bad Gateway', [['Content-Type', 'text/plain']], 'the backend failed\n'));
    });
    return link;
  }
}
