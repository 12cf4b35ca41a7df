/**
 * The EC2 API server: a host inside the region that serves HTTPS on 443
 * with the internal backend certificate, reads each request, verifies its
 * SigV4 signature against the credentials it knows, runs the operation
 * named by X-Amz-Target against its inventory, and answers in the JSON
 * protocol (application/x-amz-json-1.1) with an x-amzn-RequestId.
 */
import { uint32ToIpv4 } from '../../codecs/address.js';
import type { HttpField, HttpRequest, HttpResponse } from '../../codecs/http.js';
import { errorBody, invalidRequest, signatureError, unknownOperation, type AwsJsonError } from '../cloud/ec2-errors.js';
import { type DescribeInstancesInput, Ec2InputError, type Ec2Inventory } from '../cloud/ec2-inventory.js';
import { verifyRequest } from '../cloud/sigv4.js';
import { bytesText, headerValue, httpDate, requestId, responseWith } from '../apps/http-messages.js';
import { serveHttp } from '../apps/http-server.js';
import { tlsEventLog } from '../apps/tls-events.js';
import type { Simulator } from '../sim/simulator.js';
import type { ServerIdentity } from '../stack/pki/index.js';
import { streamTransport } from '../stack/tcp/stream-transport.js';
import { TcpStack } from '../stack/tcp/tcp-stack.js';
import { tlsAccept } from '../stack/tls/index.js';
import { Host, type HostConfig } from './host.js';

export interface ApiServerConfig extends HostConfig {
  readonly identity: ServerIdentity;
  /** Secret access keys by access key id. */
  readonly credentials: Readonly<Record<string, string>>;
  readonly inventory: Ec2Inventory;
  /** Default 443. */
  readonly port?: number;
  /** Connections in the handshake or not yet accepted; default 4096, Linux's somaxconn, as a server facing many clients is set. */
  readonly backlog?: number;
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const SERVICE_PREFIX = 'AmazonEC2.';

export class ApiServer extends Host {
  readonly tcpStack: TcpStack;
  readonly port: number;
  private served = 0;

  constructor(
    sim: Simulator,
    private readonly config: ApiServerConfig,
  ) {
    super(sim, config);
    this.port = config.port ?? 443;
    this.tcpStack = new TcpStack(sim, this.ip, { node: config.name });
    this.attachTcp(streamTransport(this.tcpStack));
    this.tcpStack.listen(this.port, { backlog: config.backlog ?? 4096 }).on('connection', (connection) => {
      const peer = `${uint32ToIpv4(connection.remoteAddress)}:${connection.remotePort}`;
      const tls = tlsAccept(connection, { ...config.identity, rng: sim.rng, alpn: ['http/1.1'], log: tlsEventLog(sim, this.name, 'server', connection.label) });
      tls.on('close', (error) => {
        if (error) this.sim.log.record(this.name, 'tls-closed', { connection: connection.label, error: error.message });
      });
      serveHttp(tls, (request, reply) => reply(this.handle(request, peer)), (error) => sim.log.record(this.name, 'http-bad-request', { peer, error: error.message }));
    });
  }

  /** How many requests this server has answered. */
  get requestsServed(): number {
    return this.served;
  }

  /** Answers one request; exported behaviour for tests that skip the network. */
  handle(request: HttpRequest, peer: string): HttpResponse {
    const sim = this.sim;
    const target = headerValue(request.headers, 'x-amz-target');
    sim.log.record(this.name, 'http-request', { peer, method: request.method, target: request.target, host: headerValue(request.headers, 'host'), amzTarget: target, forwardedFor: headerValue(request.headers, 'x-forwarded-for'), bodyBytes: request.body?.length ?? 0 });
    const id = requestId(sim.rng);
    this.served++;
    const verdict = verifyRequest(request, (key) => this.config.credentials[key], { now: sim.date() });
    sim.log.record(this.name, 'sigv4-verify', verdict.ok ? { ok: true, accessKeyId: verdict.accessKeyId } : { ok: false, code: verdict.code, message: verdict.message });
    if (!verdict.ok) return this.error(signatureError(verdict.code, verdict.message), id);
    if (target === undefined || !target.startsWith(SERVICE_PREFIX)) return this.error(unknownOperation(target), id);
    const operation = target.slice(SERVICE_PREFIX.length);
    if (operation !== 'DescribeInstances') return this.error(unknownOperation(target), id);
    let input: DescribeInstancesInput;
    try {
      input = JSON.parse(bytesText(request.body) || '{}') as DescribeInstancesInput;
    } catch {
      return this.error(invalidRequest('SerializationException', 'The request body is not valid JSON.'), id);
    }
    try {
      const output = this.config.inventory.describeInstances(input);
      const instances = output.Reservations.reduce((n, r) => n + r.Instances.length, 0);
      sim.log.record(this.name, 'api-operation', { operation, requestId: id, reservations: output.Reservations.length, instances, instanceIds: output.Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId)) });
      return this.respond(200, 'OK', JSON.stringify(output), id);
    } catch (e) {
      if (e instanceof Ec2InputError) return this.error(invalidRequest(e.code, e.message), id);
      throw e;
    }
  }

  private error(error: AwsJsonError, id: string): HttpResponse {
    this.sim.log.record(this.name, 'api-error', { status: error.status, type: error.type, message: error.message, requestId: id });
    return this.respond(error.status, error.status === 403 ? 'Forbidden' : 'Bad Request', errorBody(error), id);
  }

  private respond(status: number, reason: string, body: string, id: string): HttpResponse {
    const headers: HttpField[] = [
      ['x-amzn-RequestId', id],
      ['Content-Type', JSON_CONTENT_TYPE],
      ['Date', httpDate(this.sim.date())],
    ];
    const response = responseWith(status, reason, headers, body);
    this.sim.log.record(this.name, 'http-response', { status, reason, requestId: id, contentType: JSON_CONTENT_TYPE, bodyBytes: response.body!.length });
    return response;
  }
}
