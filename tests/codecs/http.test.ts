import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../codecs/decode-error.js';
import { type HttpRequest, type HttpResponse, decode, encode, encodeInto, encodingLength } from '../../codecs/http.js';
import { CHUNKED_TEXT, SEED_AUTHORIZATION, SEED_REQUEST_TEXT, SEED_RESPONSE_BODY, SEED_RESPONSE_TEXT, messages, plain, text, utf8 } from './http-messages.js';

function decodeText(s: string, options?: Parameters<typeof decode>[3]) {
  const b = utf8(s);
  return decode(b, 0, b.length, options);
}

function errorOf(s: string, options?: Parameters<typeof decode>[3]): DecodeError {
  try {
    decodeText(s, options);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error(`decoded without error: ${JSON.stringify(s)}`);
}

describe('http decode', () => {
  it('reads the seed request as boto3 sends it, and writes it back byte for byte', () => {
    const bytes = utf8(SEED_REQUEST_TEXT);
    const d = decode(bytes);
    const m = d.header as HttpRequest;
    expect([m.method, m.target, m.version]).toEqual(['POST', '/', 'HTTP/1.1']);
    expect(m.headers[0]).toEqual(['Host', 'ec2.us-east-1.amazonaws.com']);
    expect(m.headers.find(([n]) => n === 'X-Amz-Target')).toEqual(['X-Amz-Target', 'AmazonEC2.DescribeInstances']);
    expect(m.headers.find(([n]) => n === 'Authorization')).toEqual(['Authorization', SEED_AUTHORIZATION]);
    expect(text(m.body!)).toBe('{}');
    expect(m.body!.buffer).toBe(bytes.buffer);
    expect(d.length).toBe(bytes.length);
    expect(d.payloadOffset).toBe(bytes.length - 2);
    expect(encode(m)).toEqual(bytes);
    expect(encode(m, { fixLengths: false })).toEqual(bytes);
  });

  it('reads a 200 response with a JSON body', () => {
    const m = decodeText(SEED_RESPONSE_TEXT).header as HttpResponse;
    expect([m.version, m.status, m.reason]).toEqual(['HTTP/1.1', 200, 'OK']);
    expect(JSON.parse(text(m.body!))).toEqual(JSON.parse(SEED_RESPONSE_BODY));
    expect(text(encode(m))).toBe(SEED_RESPONSE_TEXT);
  });

  it('keeps chunk sizes, extensions and trailers as written, and gives the decoded body', () => {
    const m = decodeText(CHUNKED_TEXT).header;
    expect(m.chunks!.map((c) => [c.size, c.extensions, text(c.data)])).toEqual([
      ['7', ';name=value', 'Mozilla'],
      ['0009', ' ; quoted="a b"', 'Developer'],
      ['7', '', 'Network'],
      ['0', ';last', ''],
    ]);
    expect(m.trailers).toEqual([['Expires', 'Wed, 21 Oct 2026 07:28:00 GMT']]);
    expect(text(m.body!)).toBe('MozillaDeveloperNetwork');
    expect(text(encode(m))).toBe(CHUNKED_TEXT);
  });

  it('has no body for a request without framing, nor for HEAD, 1xx, 204 and 304 responses', () => {
    expect(decodeText('GET / HTTP/1.1\r\nHost: a\r\n\r\n').header.body).toBeUndefined();
    expect(decodeText('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', { requestMethod: 'HEAD' }).header.body).toBeUndefined();
    for (const status of ['100 Continue', '204 No Content', '304 Not Modified']) {
      const d = decodeText(`HTTP/1.1 ${status}\r\nContent-Length: 5\r\n\r\nhello`);
      expect(d.header.body).toBeUndefined();
      expect(d.payloadLength).toBe(0);
    }
  });

  it('runs a response without length or chunking to the end of the bytes it is given', () => {
    const d = decodeText('HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil close');
    expect(text(d.header.body!)).toBe('until close');
  });

  it('decodes one message out of a range, leaving what follows', () => {
    const two = utf8('xx' + SEED_REQUEST_TEXT + SEED_REQUEST_TEXT);
    const d = decode(two, 2);
    expect(d.length).toBe(SEED_REQUEST_TEXT.length);
    expect(decode(two, 2 + d.length).length).toBe(SEED_REQUEST_TEXT.length);
  });

  it.each([
    ['GE(T / HTTP/1.1\r\n\r\n', 'method'],
    ['GET  / HTTP/1.1\r\n\r\n', 'target'],
    ['GET / HTTP/1.x\r\n\r\n', 'version'],
    ['GET / HTTP/1.1 \r\n\r\n', 'version'],
    ['HTTP/1.1 20 OK\r\n\r\n', 'status code'],
    ['HTTP/1.1 2000 OK\r\n\r\n', 'status code'],
    ['GET / HTTP/1.1\r\nHosta\r\n\r\n', 'without a colon'],
    ['GET / HTTP/1.1\r\nHost : a\r\n\r\n', 'whitespace between header name and colon'],
    ['GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n', 'obs-fold'],
    ['GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n', 'bare LF'],
    ['POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n', 'not a number'],
    ['POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 'conflicting'],
    ['POST / HTTP/1.1\r\nContent-Length: 99999999999999999\r\n\r\n', 'too large'],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 'both'],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'chunked'],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'not hex'],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n', 'too large'],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n', 'CRLF'],
    ['POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc', 'truncated'],
  ])('rejects %j (%s)', (s, reason) => {
    const e = errorOf(s);
    expect(e.layer).toBe('http');
    expect(e.reason).toContain(reason);
  });

  it('rejects a header section over the limit, and too many headers', () => {
    const big = 'GET / HTTP/1.1\r\nX: ' + 'a'.repeat(70 * 1024) + '\r\n\r\n';
    expect(errorOf(big).reason).toContain('longer than');
    expect(errorOf('GET / HTTP/1.1\r\nX: aaaa\r\n\r\n', { maxHeaderBytes: 20 }).reason).toContain('longer than');
    const many = 'GET / HTTP/1.1\r\n' + 'X: 1\r\n'.repeat(101) + '\r\n';
    expect(errorOf(many).reason).toContain('more than 100');
  });
});

describe('http encode', () => {
  const seed = decodeText(SEED_REQUEST_TEXT).header as HttpRequest;

  it('writes at a non-zero offset and leaves the bytes around it alone', () => {
    const n = encodingLength(seed);
    const buf = new Uint8Array(n + 40).fill(0xa5);
    expect(encodeInto(buf, 17, seed)).toBe(n);
    expect(buf.subarray(0, 17).every((b) => b === 0xa5)).toBe(true);
    expect(buf.subarray(17 + n).every((b) => b === 0xa5)).toBe(true);
    expect(text(buf.subarray(17, 17 + n))).toBe(SEED_REQUEST_TEXT);
    expect(() => encodeInto(new Uint8Array(n - 1), 0, seed)).toThrow(RangeError);
  });

  it('with fixLengths, corrects Content-Length, or adds it when the body has no framing', () => {
    const longer = { ...seed, body: utf8('{"a":1}') };
    expect(text(encode(longer))).toContain('\r\nContent-Length: 7\r\n');
    expect(text(encode(longer, { fixLengths: false }))).toContain('\r\nContent-Length: 2\r\n');
    const bare: HttpRequest = { method: 'PUT', target: '/x', version: 'HTTP/1.1', headers: [['Host', 'h']], body: utf8('abc') };
    expect(text(encode(bare))).toBe('PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc');
    expect(text(encode(bare, { fixLengths: false }))).toBe('PUT /x HTTP/1.1\r\nHost: h\r\n\r\nabc');
  });

  it('with fixLengths, corrects chunk sizes, adds the last chunk and Transfer-Encoding', () => {
    const m: HttpResponse = {
      version: 'HTTP/1.1', status: 200, reason: 'OK', headers: [],
      chunks: [{ size: '1', extensions: ';x', data: utf8('hello') }], trailers: [],
    };
    expect(text(encode(m))).toBe('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x\r\nhello\r\n0\r\n\r\n');
    expect(text(encode(m, { fixLengths: false }))).toBe('HTTP/1.1 200 OK\r\n\r\n1;x\r\nhello\r\n\r\n');
  });

  it('round-trips generated messages: decode(encode(m)) equals m, and encode is exact', () => {
    fc.assert(
      fc.property(messages, (m) => {
        const bytes = encode(m);
        expect(encodingLength(m)).toBe(bytes.length);
        const d = decode(bytes);
        expect(plain(d.header)).toEqual(plain(m));
        expect(d.length).toBe(bytes.length);
        expect(encode(d.header, { fixLengths: false })).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });
});

describe('http decode fuzz', () => {
  function onlyDecodeError(bytes: Uint8Array): void {
    try {
      decode(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }

  it('throws only DecodeError on random bytes', () => {
    const alphabet = fc.constantFrom(...utf8('GET POST HTTP/1.1 \r\n:0123456789abcdefABCDEF;=,\t\x00\xff chunked Content-Length Transfer-Encoding'));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.array(alphabet, { maxLength: 200 }).map((a) => Uint8Array.from(a))), (b) => onlyDecodeError(b)), { numRuns: 2000 });
  });

  it('throws only DecodeError on mutated real messages', () => {
    const seeds = [SEED_REQUEST_TEXT, SEED_RESPONSE_TEXT, CHUNKED_TEXT].map(utf8);
    const mutation = fc.record({
      which: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      cut: fc.nat(),
    });
    fc.assert(
      fc.property(mutation, ({ which, edits, cut }) => {
        const b = seeds[which].slice();
        for (const [i, v] of edits) b[i % b.length] = v;
        onlyDecodeError(b);
        onlyDecodeError(b.subarray(0, cut % (b.length + 1)));
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects a range outside the buffer with DecodeError', () => {
    expect(() => decode(new Uint8Array(4), 2, 5)).toThrow(DecodeError);
    expect(() => decode(new Uint8Array(4), -1)).toThrow(DecodeError);
  });
});
