/**
 * Node's own HTTP parser (llhttp) as the outside judge, over loopback only:
 * what Node reads from our bytes equals our object, and what Node writes we
 * read correctly.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpRequest, type HttpResponse, encode } from '../../codecs/http.js';
import { HttpStreamParser } from '../../codecs/http-parser.js';
import { CHUNKED_TEXT, SEED_REQUEST_TEXT, SEED_RESPONSE_BODY, text, utf8 } from './http-messages.js';
import { decode } from '../../codecs/http.js';

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
  trailers: string[];
}

describe('node:http reads what we write, and we read what it writes', () => {
  let server: http.Server;
  let port = 0;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(parts).toString('latin1'), trailers: req.rawTrailers });
        res.setHeader('Content-Type', 'application/x-amz-json-1.1');
        // Written in two pieces without a length, so Node chunks it.
        res.write(SEED_RESPONSE_BODY.slice(0, 10));
        res.end(SEED_RESPONSE_BODY.slice(10));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  /** Sends bytes on a raw socket and collects Node's answers with our stream parser. */
  async function exchange(bytes: Uint8Array, responses: number): Promise<HttpResponse[]> {
    const socket = net.connect(port, '127.0.0.1');
    const parser = new HttpStreamParser();
    const got: HttpResponse[] = [];
    for (let i = 0; i < responses; i++) parser.expectResponseTo('POST');
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (d: Buffer) => {
        try {
          for (const m of parser.push(new Uint8Array(d))) got.push(m.message as HttpResponse);
          if (got.length === responses) resolve();
        } catch (e) {
          reject(e);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`connection closed after ${got.length} of ${responses} responses`)));
    });
    socket.write(bytes);
    await done;
    socket.destroy();
    return got;
  }

  function pairs(raw: string[]): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
    return out;
  }

  it('the seed request: Node sees our method, target, headers and body; we read Node’s chunked reply', async () => {
    seen.length = 0;
    const request = decode(utf8(SEED_REQUEST_TEXT)).header as HttpRequest;
    const [response] = await exchange(encode(request), 1);
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe(request.method);
    expect(seen[0].url).toBe(request.target);
    expect(pairs(seen[0].rawHeaders)).toEqual(request.headers.map(([n, v]) => [n, v]));
    expect(seen[0].body).toBe('{}');
    expect(response.status).toBe(200);
    expect(response.reason).toBe('OK');
    expect(response.headers).toContainEqual(['Content-Type', 'application/x-amz-json-1.1']);
    // Node chunks a body it was not given a length for.
    expect(response.chunks?.length).toBeGreaterThanOrEqual(2);
    expect(text(response.body!)).toBe(SEED_RESPONSE_BODY);
  });

  it('pipelined chunked requests with extensions and trailers', async () => {
    seen.length = 0;
    // llhttp refuses whitespace in chunk extensions (BWS, and spaces in quoted values) that RFC 9112 allows; leave it out here.
    const chunked = CHUNKED_TEXT.replace('HTTP/1.1 200 OK\r\n', 'POST /upload HTTP/1.1\r\nHost: example\r\n').replace('0009 ; quoted="a b"', '0009;quoted=ab');
    const bytes = utf8(chunked + SEED_REQUEST_TEXT);
    const responses = await exchange(bytes, 2);
    expect(responses).toHaveLength(2);
    expect(seen.map((s) => s.url)).toEqual(['/upload', '/']);
    expect(seen[0].body).toBe('MozillaDeveloperNetwork');
    expect(pairs(seen[0].trailers)).toEqual([['Expires', 'Wed, 21 Oct 2026 07:28:00 GMT']]);
  });

  it('what http.request writes, our parser reads', async () => {
    const raw = net.createServer();
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const rawPort = (raw.address() as AddressInfo).port;
    const parsed = new Promise<HttpRequest>((resolve, reject) => {
      raw.on('connection', (socket) => {
        const parser = new HttpStreamParser();
        socket.on('data', (d: Buffer) => {
          try {
            const [m] = parser.push(new Uint8Array(d));
            if (m) {
              resolve(m.message as HttpRequest);
              socket.end('HTTP/1.1 204 No Content\r\n\r\n');
            }
          } catch (e) {
            reject(e);
          }
        });
      });
    });
    const req = http.request({ host: '127.0.0.1', port: rawPort, method: 'POST', path: '/?Action=DescribeInstances', headers: { 'X-Amz-Target': 'AmazonEC2.DescribeInstances', 'Content-Length': '2' } });
    req.on('error', () => undefined);
    req.end('{}');
    const m = await parsed;
    expect([m.method, m.target, m.version]).toEqual(['POST', '/?Action=DescribeInstances', 'HTTP/1.1']);
    expect(m.headers).toContainEqual(['X-Amz-Target', 'AmazonEC2.DescribeInstances']);
    expect(m.headers).toContainEqual(['Host', `127.0.0.1:${rawPort}`]);
    expect(text(m.body!)).toBe('{}');
    raw.close();
  });
});
