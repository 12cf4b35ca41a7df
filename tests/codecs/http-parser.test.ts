import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../codecs/decode-error.js';
import { type HttpResponse, encode } from '../../codecs/http.js';
import { HttpStreamParser, type HttpStreamMessage } from '../../codecs/http-parser.js';
import { CHUNKED_TEXT, SEED_REQUEST_TEXT, SEED_RESPONSE_TEXT, messages, plain, requests, text, utf8 } from './http-messages.js';

function feed(parser: HttpStreamParser, bytes: Uint8Array, cuts: number[]): HttpStreamMessage[] {
  const out: HttpStreamMessage[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(...parser.push(bytes.subarray(prev, c)));
    prev = c;
  }
  return out;
}

describe('HttpStreamParser', () => {
  it('reads pipelined requests fed one byte at a time', () => {
    const stream = utf8(SEED_REQUEST_TEXT + 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n' + SEED_REQUEST_TEXT);
    const parser = new HttpStreamParser();
    const got = feed(parser, stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1));
    expect(got.map((g) => ('method' in g.message ? g.message.target : ''))).toEqual(['/', '/health', '/']);
    expect(got.map((g) => g.streamOffset)).toEqual([0, SEED_REQUEST_TEXT.length, SEED_REQUEST_TEXT.length + 33]);
    expect(text(got[2].message.body!)).toBe('{}');
    expect(parser.consumed).toBe(stream.length);
    expect(parser.buffered).toBe(0);
  });

  it('gives each message views that later pushes do not disturb', () => {
    const parser = new HttpStreamParser();
    const [first] = parser.push(utf8(SEED_REQUEST_TEXT));
    parser.push(utf8('POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nZZ'));
    expect(text(first.message.body!)).toBe('{}');
    expect(first.message.body!.buffer).toBe(first.bytes.buffer);
  });

  it('matches responses to their requests: HEAD has no body, 1xx does not use a request up', () => {
    const parser = new HttpStreamParser();
    parser.expectResponseTo('HEAD');
    parser.expectResponseTo('GET');
    const stream = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    const got = parser.push(utf8(stream)).map((g) => g.message as HttpResponse);
    expect(got.map((m) => [m.status, m.body && text(m.body)])).toEqual([[100, undefined], [200, undefined], [200, 'hello']]);
  });

  it('completes a response that runs to the end of the connection only at end()', () => {
    const parser = new HttpStreamParser();
    expect(parser.push(utf8('HTTP/1.0 200 OK\r\n\r\npart one, '))).toEqual([]);
    expect(parser.push(utf8('part two'))).toEqual([]);
    const [m] = parser.end();
    expect(text(m.message.body!)).toBe('part one, part two');
    expect(() => parser.push(utf8('x'))).toThrow(DecodeError);
  });

  it('reports a message cut off by the end of the connection', () => {
    const parser = new HttpStreamParser();
    parser.push(utf8(SEED_REQUEST_TEXT.slice(0, 40)));
    expect(() => parser.end()).toThrow(/closed inside a message/);
  });

  it('holds only the bytes it was given, whatever Content-Length claims', () => {
    const parser = new HttpStreamParser();
    expect(parser.push(utf8('POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\nab'))).toEqual([]);
    expect(parser.buffered).toBeLessThan(100);
  });

  it('fails on a header section over the limit before it ends, and stays failed', () => {
    const parser = new HttpStreamParser({ maxHeaderBytes: 1024 });
    parser.push(utf8('GET / HTTP/1.1\r\n'));
    let error: unknown;
    try {
      for (let i = 0; i < 100; i++) parser.push(utf8('X-Filler: 0123456789abcdef\r\n'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).reason).toContain('longer than 1024');
    expect(() => parser.push(utf8('\r\n'))).toThrow(DecodeError);
  });

  it('gives stream offsets in errors', () => {
    const parser = new HttpStreamParser();
    parser.push(utf8(SEED_REQUEST_TEXT));
    try {
      parser.push(utf8('GET / HTTP/1.1\r\nBad Name: x\r\n\r\n'));
      expect.unreachable();
    } catch (e) {
      expect((e as DecodeError).offset).toBeGreaterThanOrEqual(SEED_REQUEST_TEXT.length);
    }
  });

  it('parses the same messages at every split point of a stream (property)', () => {
    const stream = fc.array(requests, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (ms, rawCuts) => {
        const parts = ms.map((m) => encode(m));
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) {
          all.set(p, o);
          o += p.length;
        }
        const cuts = [...new Set(rawCuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
        const got = feed(new HttpStreamParser(), all, cuts);
        expect(got.map((g) => plain(g.message))).toEqual(ms.map(plain));
      }),
      { numRuns: 300 },
    );
  });

  it('parses every single split point of the chunked message and the seed exchange', () => {
    for (const s of [CHUNKED_TEXT, SEED_REQUEST_TEXT, SEED_RESPONSE_TEXT]) {
      const bytes = utf8(s);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const got = feed(new HttpStreamParser(), bytes, [cut]);
        expect(got).toHaveLength(1);
        expect(encode(got[0].message, { fixLengths: false })).toEqual(bytes);
      }
    }
  });

  it('throws only DecodeError on mutated streams pushed in pieces', () => {
    fc.assert(
      fc.property(fc.array(messages, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (ms, edits, step) => {
        const all = Uint8Array.from(ms.flatMap((m) => [...encode(m)]));
        for (const [i, v] of edits) all[i % all.length] = v;
        const parser = new HttpStreamParser();
        const size = (step % 17) + 1;
        try {
          for (let i = 0; i < all.length; i += size) parser.push(all.subarray(i, i + size));
          parser.end();
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
