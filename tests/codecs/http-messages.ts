/** Messages and generators shared by the HTTP tests. */
import fc from 'fast-check';
import type { HttpChunk, HttpField, HttpMessage, HttpRequest, HttpResponse } from '../../codecs/http.js';

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

export { SEED_AUTHORIZATION, SEED_REQUEST_TEXT } from './http-seed.js';

export const SEED_RESPONSE_BODY = '{"Reservations":[{"Instances":[{"InstanceId":"i-0abcd1234efgh5678","State":{"Name":"running"}}]}]}';

export const SEED_RESPONSE_TEXT =
  'HTTP/1.1 200 OK\r\n' +
  'x-amzn-RequestId: 5c0a6b42-9d2e-4f7b-8a1c-3e5d7f9b1a2c\r\n' +
  'Content-Type: application/x-amz-json-1.1\r\n' +
  `Content-Length: ${SEED_RESPONSE_BODY.length}\r\n` +
  'Date: Sun, 01 Mar 2026 10:00:00 GMT\r\n' +
  '\r\n' +
  SEED_RESPONSE_BODY;

export const CHUNKED_TEXT =
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/plain\r\n' +
  'Transfer-Encoding: chunked\r\n' +
  'Trailer: Expires\r\n' +
  '\r\n' +
  '7;name=value\r\nMozilla\r\n' +
  '0009 ; quoted="a b"\r\nDeveloper\r\n' +
  '7\r\nNetwork\r\n' +
  '0;last\r\n' +
  'Expires: Wed, 21 Oct 2026 07:28:00 GMT\r\n' +
  '\r\n';

const tchar = fc.constantFrom(...'!#$%&\'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.split(''));
export const token = fc.string({ unit: tchar, minLength: 1, maxLength: 12 });
const vchar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
/** A field value: VCHARs with single inner spaces, no whitespace at either end (what decode returns). */
const fieldValue = fc
  .array(fc.string({ unit: vchar, minLength: 1, maxLength: 8 }), { maxLength: 4 })
  .map((words) => words.join(' '));
/** Names that do not frame the body, so each generator decides the framing itself. */
const fieldName = token.filter((n) => !['content-length', 'transfer-encoding'].includes(n.toLowerCase()));
const fields = fc.array(fc.tuple(fieldName, fieldValue).map((f) => f as HttpField), { maxLength: 6 });
const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0');
const target = fc.oneof(fc.constant('/'), fc.string({ unit: vchar, minLength: 1, maxLength: 30 }).map((s) => '/' + s));
const bytes = fc.uint8Array({ maxLength: 64 });

const chunk = fc.record({
  data: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  upper: fc.boolean(),
  zeros: fc.integer({ min: 0, max: 2 }),
  extensions: fc.constantFrom('', ';a', ';a=b', ' ;x="y z"'),
}).map(({ data, upper, zeros, extensions }): HttpChunk => {
  const h = data.length.toString(16);
  return { size: '0'.repeat(zeros) + (upper ? h.toUpperCase() : h), extensions, data };
});

type Body = Pick<HttpMessage, 'body' | 'chunks' | 'trailers'> & { framing: HttpField[] };

const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ framing: [] }),
  bytes.map((b) => ({ body: b, framing: [['Content-Length', String(b.length)] as HttpField] })),
  fc.tuple(fc.array(chunk, { maxLength: 4 }), fc.constantFrom('', ';end'), fields).map(([cs, ext, trailers]) => {
    const chunks = [...cs, { size: '0', extensions: ext, data: new Uint8Array(0) }];
    const all = new Uint8Array(cs.reduce((n, c) => n + c.data.length, 0));
    let o = 0;
    for (const c of cs) {
      all.set(c.data, o);
      o += c.data.length;
    }
    return { body: all, chunks, trailers, framing: [['Transfer-Encoding', 'chunked'] as HttpField] };
  }),
);

function assemble<M extends HttpMessage>(start: Omit<M, 'headers'>, hs: HttpField[], b: Body): M {
  const { framing, ...rest } = b;
  return { ...start, headers: [...hs, ...framing], ...rest } as unknown as M;
}

export const requests: fc.Arbitrary<HttpRequest> = fc
  .tuple(token, target, version, fields, body)
  .map(([method, t, v, hs, b]) => assemble<HttpRequest>({ method, target: t, version: v }, hs, b));

export const responses: fc.Arbitrary<HttpResponse> = fc
  .tuple(version, fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304), fieldValue, fields, body)
  .filter(([, , , , b]) => b.framing.length > 0)
  .map(([v, status, reason, hs, b]) => assemble<HttpResponse>({ version: v, status, reason }, hs, b));

export const messages: fc.Arbitrary<HttpMessage> = fc.oneof(requests, responses);

/** A message as plain data, so that views and copies compare equal. */
export function plain(m: HttpMessage): unknown {
  const out: Record<string, unknown> = { ...m, headers: m.headers.map((f) => [...f]) };
  if (m.body) out.body = [...m.body];
  if (m.chunks) out.chunks = m.chunks.map((c) => ({ ...c, data: [...c.data] }));
  if (m.trailers) out.trailers = m.trailers.map((f) => [...f]);
  return out;
}
