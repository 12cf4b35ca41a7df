/**
 * The laptop's boto3-like EC2 client: `describeInstances()` resolves the
 * regional endpoint through the host's stub resolver, opens TCP to port
 * 443, runs TLS 1.3 with the endpoint's name as SNI (checking the chain
 * against the virtual clock), sends the JSON-protocol POST signed with
 * SigV4, and reads the answer. It prints what the seed's script prints,
 * `Found N instances`, with N counted from the JSON it parsed, or the error
 * line boto3 would raise.
 */
import type { X509Certificate } from 'node:crypto';
import { uint32ToIpv4 } from '../../codecs/address.js';
import type { HttpField, HttpRequest, HttpResponse } from '../../codecs/http.js';
import * as http from '../../codecs/http.js';
import { HttpStreamParser } from '../../codecs/http-parser.js';
import { signRequest } from '../cloud/sigv4.js';
import type { Host } from '../nodes/host.js';
import type { TcpStack } from '../stack/tcp/tcp-stack.js';
import { tlsConnect } from '../stack/tls/index.js';
import { bytesText, headerValue, requestId, textBytes } from './http-messages.js';
import { type CaptureHold, tlsEventLog } from './tls-events.js';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface Ec2ClientOptions {
  readonly host: Host;
  readonly tcp: TcpStack;
  readonly region: string;
  readonly credentials: Credentials;
  readonly trustedRoots: readonly X509Certificate[];
  /** The endpoint's host name; default `ec2.<region>.amazonaws.com`. */
  readonly endpoint?: string;
  /** What the script prints, a line at a time. */
  readonly print: (line: string) => void;
  /** Holds the capture from before the ClientHello until the key log is known. */
  readonly holdCapture?: CaptureHold;
  readonly onKeyLog?: (line: string) => void;
  /** Changes the request after it is signed: a tampered request, for the failure cases. */
  readonly afterSigning?: (request: HttpRequest) => HttpRequest;
}

export type Ec2CallResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown; readonly reservations: number; readonly requestId: string | undefined }
  | { readonly ok: false; readonly stage: 'dns' | 'tcp' | 'tls' | 'http'; readonly error: string; readonly status?: number; readonly errorType?: string };

const USER_AGENT = 'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.0';
const OPERATION = 'DescribeInstances';

export class Ec2Client {
  readonly endpoint: string;
  private readonly name: string;

  constructor(private readonly options: Ec2ClientOptions) {
    this.endpoint = options.endpoint ?? `ec2.${options.region}.amazonaws.com`;
    this.name = options.host.name;
  }

  /** `ec2.describe_instances()`: calls `done` once, with what came back. */
  describeInstances(done: (result: Ec2CallResult) => void): void {
    const { host } = this.options;
    const sim = host.sim;
    let finished = false;
    const finish = (result: Ec2CallResult) => {
      if (finished) return;
      finished = true;
      sim.log.record(this.name, 'app-result', { ...result, body: undefined });
      done(result);
    };
    sim.log.record(this.name, 'app-call', { operation: OPERATION, endpoint: this.endpoint, region: this.options.region });
    host.resolve(this.endpoint, 'A', (answer) => {
      if (!answer.ok) {
        this.options.print(`botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: "https://${this.endpoint}/" (DNS ${answer.error})`);
        return finish({ ok: false, stage: 'dns', error: answer.error });
      }
      const address = answer.values[0];
      sim.log.record(this.name, 'app-resolved', { name: this.endpoint, address, ttl: answer.ttl, source: answer.source });
      this.connect(address, finish);
    });
  }

  private connect(address: string, finish: (result: Ec2CallResult) => void): void {
    const o = this.options;
    const sim = o.host.sim;
    const connection = o.tcp.connect({ address, port: 443 });
    let release: ((keyLog?: string) => void) | undefined;
    let connected = false;
    connection.on('close', (error) => {
      if (error && !connected) {
        o.print(`botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: "https://${this.endpoint}/" (${error.message})`);
        finish({ ok: false, stage: 'tcp', error: error.message });
      }
    });
    connection.on('connect', () => {
      connected = true;
      sim.log.record(this.name, 'app-connected', { local: `${uint32ToIpv4(connection.localAddress)}:${connection.localPort}`, remote: `${address}:443` });
      const secure = tlsConnect(connection, {
        serverName: this.endpoint,
        trustedRoots: o.trustedRoots,
        now: () => sim.date(),
        rng: sim.rng,
        alpn: ['http/1.1'],
        log: tlsEventLog(sim, this.name, 'client', connection.label),
        onKeyLog: o.onKeyLog,
        beforeClientHello: () => {
          release = o.holdCapture?.();
        },
      });
      const keyLog = () => (secure.keyLog().length > 0 ? `${secure.keyLog().join('\n')}\n` : undefined);
      const parser = new HttpStreamParser();
      secure.on('secure', (summary) => {
        release?.(keyLog());
        sim.log.record(this.name, 'app-tls-ready', { serverName: summary.serverName, cipherSuite: summary.cipherSuite, alpn: summary.alpnProtocol });
        const request = this.signedRequest();
        parser.expectResponseTo(request.method);
        secure.write(http.encode(request));
      });
      secure.on('data', (bytes) => {
        for (const { message } of parser.push(bytes)) {
          if (!http.isResponse(message)) continue;
          finish(this.read(message));
          secure.end();
        }
      });
      secure.on('end', () => secure.end());
      secure.on('close', (error) => {
        release?.(keyLog());
        if (!error) return;
        o.print(`botocore.exceptions.SSLError: SSL validation failed for https://${this.endpoint}/ ${error.message}`);
        finish({ ok: false, stage: 'tls', error: error.message });
      });
    });
  }

  /** The request boto3 builds for the JSON protocol, signed with SigV4 at the virtual time. */
  private signedRequest(): HttpRequest {
    const o = this.options;
    const sim = o.host.sim;
    const body = textBytes('{}');
    const headers: HttpField[] = [
      ['Host', this.endpoint],
      ['Accept-Encoding', 'identity'],
      ['X-Amz-Target', `AmazonEC2.${OPERATION}`],
      ['Content-Type', 'application/x-amz-json-1.1'],
      ['User-Agent', USER_AGENT],
      ['amz-sdk-invocation-id', requestId(sim.rng)],
      ['amz-sdk-request', 'attempt=1; max=5'],
      ['Content-Length', String(body.length)],
    ];
    const signed = signRequest({ method: 'POST', target: '/', version: 'HTTP/1.1', headers, body } as HttpRequest, {
      accessKeyId: o.credentials.accessKeyId,
      secretAccessKey: o.credentials.secretAccessKey,
      region: o.region,
      service: 'ec2',
      date: sim.date(),
    });
    sim.log.record(this.name, 'app-request-signed', {
      method: 'POST',
      target: '/',
      amzTarget: `AmazonEC2.${OPERATION}`,
      amzDate: headerValue(signed.request.headers, 'x-amz-date'),
      credential: `${o.credentials.accessKeyId}/${signed.stringToSign.split('\n')[2]}`,
      signedHeaders: signed.authorization.match(/SignedHeaders=([^,]+)/)?.[1],
      signature: signed.signature,
      bodyBytes: body.length,
    });
    return o.afterSigning ? o.afterSigning(signed.request) : signed.request;
  }

  private read(response: HttpResponse): Ec2CallResult {
    const sim = this.options.host.sim;
    const id = headerValue(response.headers, 'x-amzn-requestid');
    const text = bytesText(response.body);
    sim.log.record(this.name, 'app-response', { status: response.status, reason: response.reason, requestId: id, contentType: headerValue(response.headers, 'content-type'), bodyBytes: response.body?.length ?? 0 });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.options.print(`botocore.exceptions.ResponseParserError: Unable to parse response (${response.status} ${response.reason})`);
      return { ok: false, stage: 'http', status: response.status, error: 'the body is not JSON' };
    }
    if (response.status !== 200) {
      const error = parsed as { __type?: string; message?: string };
      const type = error.__type ?? String(response.status);
      this.options.print(`botocore.exceptions.ClientError: An error occurred (${type}) when calling the ${OPERATION} operation: ${error.message ?? ''}`);
      return { ok: false, stage: 'http', status: response.status, errorType: type, error: error.message ?? '' };
    }
    const reservations = (parsed as { Reservations?: unknown[] }).Reservations;
    const count = Array.isArray(reservations) ? reservations.length : 0;
    this.options.print(`Found ${count} instances`);
    return { ok: true, status: response.status, body: parsed, reservations: count, requestId: id };
  }
}
