/**
 * HTTP/1.1 messages (RFC 9112) as objects, and back to bytes.
 *
 * A request is `{ method, target, version, headers, body? }` and a response
 * `{ version, status, reason, headers, body? }`. `headers` keeps every field
 * line in order, case and repeats as they came. Field values are held with
 * the optional whitespace around them removed (RFC 9110 §5.5), so encode
 * writes each line as `name: value`.
 *
 * A chunked body keeps its framing: `chunks` lists every chunk as written,
 * the size text (`"1A"`, `"001a"`) and the raw extension text after it
 * (`";name=value"`), with the terminating zero-size chunk last; `trailers`
 * holds the trailer fields. `body` then holds the decoded content.
 *
 * Header bytes are read as Latin-1, one character per byte, so that any
 * obs-text comes back out unchanged.
 */
import type { Decoded, EncodeOptions } from './codec.js';
import { fixLengths } from './codec.js';
import { DecodeError } from './decode-error.js';

export type HttpField = readonly [name: string, value: string];

export interface HttpChunk {
  /** The chunk size in hex, as written on the wire. */
  readonly size: string;
  /** Everything between the size and the CRLF, e.g. `";ext=1"`, or `""`. */
  readonly extensions: string;
  readonly data: Uint8Array;
}

interface HttpMessageBase {
  readonly version: string;
  readonly headers: readonly HttpField[];
  /** The content; absent when the message has none. A view into the decoded bytes unless it was chunked into several pieces. */
  readonly body?: Uint8Array;
  /** Present for a chunked body: every chunk as written, the zero-size last chunk included. */
  readonly chunks?: readonly HttpChunk[];
  /** The trailer section of a chunked body. */
  readonly trailers?: readonly HttpField[];
}

export interface HttpRequest extends HttpMessageBase {
  readonly method: string;
  readonly target: string;
}

export interface HttpResponse extends HttpMessageBase {
  readonly status: number;
  readonly reason: string;
}

export type HttpMessage = HttpRequest | HttpResponse;

export function isResponse(message: HttpMessage): message is HttpResponse {
  return 'status' in message;
}

export interface HttpDecodeOptions {
  /** The method of the request a response answers: a response to HEAD has no body. */
  readonly requestMethod?: string;
  /** The most bytes the start line and header section may take. */
  readonly maxHeaderBytes?: number;
  /** The most field lines in the header section (and, apart, in a trailer section). */
  readonly maxHeaders?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
export const DEFAULT_MAX_HEADERS = 100;

/** `payload` is the message body as it lies on the wire (chunk framing included); `length` is how many bytes the whole message took. */
export interface DecodedHttp<M extends HttpMessage = HttpMessage> extends Decoded<M> {
  readonly length: number;
}

const LAYER = 'http';
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
// Content-Length and chunk sizes above 2^53 cannot be counted exactly; no real body comes near.
const MAX_LENGTH_DIGITS = 15;
const MAX_CHUNK_SIZE_DIGITS = 13;

const TCHAR = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

const HEX = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) t[0x41 + c] = t[0x61 + c] = 10 + c;
  return t;
})();

/** The complement of isFieldByte, for text read one character per byte. */
const NOT_FIELD_BYTE = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Field values and reason phrases: HTAB, SP, VCHAR and obs-text. */
function isFieldByte(b: number): boolean {
  return b === HTAB || (b >= 0x20 && b !== 0x7f);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function fail(offset: number, reason: string): never {
  throw new DecodeError(LAYER, offset, reason);
}

/** Thrown inside the parser when the bytes stop before the message does; decode turns it into a DecodeError, the stream parser waits. */
export class NeedMoreBytes {
  constructor(readonly offset: number, readonly need: number) {}
}

// Node's own Latin-1 slice builds a whole span's string in one native call, many times faster than
// a string grown a character at a time (measured); elsewhere, String.fromCharCode over pieces.
const nativeLatin1 = typeof Buffer === 'function' ? Buffer.prototype.latin1Slice : undefined;

function latin1(b: Uint8Array, start: number, end: number): string {
  if (nativeLatin1 !== undefined) return nativeLatin1.call(b, start, end);
  let s = '';
  for (let i = start; i < end; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 8192)) as unknown as number[]);
  return s;
}

/**
 * The index just past the CRLF that ends the line at `start`, or -1 if the
 * bytes end first. A bare CR or LF is an error. The line's ends are found
 * with indexOf, a native scan, rather than a loop over every byte.
 */
function lineEnd(b: Uint8Array, start: number, end: number, limit: number, what: string): number {
  const stop = Math.min(end, start + limit);
  let cr = stop > start ? b.indexOf(CR, start) : -1;
  if (cr >= stop) cr = -1;
  const lf = stop > start ? b.indexOf(LF, start) : -1;
  if (lf >= 0 && lf < (cr >= 0 ? cr : stop)) fail(lf, `bare LF in ${what} (lines end in CRLF)`);
  if (cr >= 0) {
    if (cr + 1 >= end) return -1;
    if (b[cr + 1] !== LF) fail(cr, `bare CR in ${what}`);
    return cr + 2;
  }
  if (stop < end || end - start >= limit) fail(start, `${what} longer than ${limit} bytes`);
  return -1;
}

/**
 * Where the header section that starts at `start` ends (just past its empty
 * line), or -1 if it has not ended by `end`. `from` lets a caller resume a
 * scan. Throws once the section passes `limit` bytes without ending.
 */
export function findHeadEnd(b: Uint8Array, start: number, end: number, limit: number, from = start): number {
  for (let i = Math.max(from, start + 3); i < end; i++) {
    if (b[i] === LF && b[i - 1] === CR && b[i - 2] === LF && b[i - 3] === CR) return i + 1;
    if (i + 1 - start > limit) fail(start, `header section longer than ${limit} bytes`);
  }
  if (end - start > limit) fail(start, `header section longer than ${limit} bytes`);
  return -1;
}

function parseField(b: Uint8Array, start: number, end: number): HttpField {
  let i = start;
  while (i < end && TCHAR[b[i]]) i++;
  if (i === start) fail(start, b[start] === SP || b[start] === HTAB ? 'obs-fold line folding is not accepted' : 'header name is not a token');
  if (i === end) fail(i, 'header line without a colon');
  if (b[i] === SP || b[i] === HTAB) fail(i, 'whitespace between header name and colon');
  if (b[i] !== COLON) fail(i, 'invalid character in header name');
  const name = latin1(b, start, i);
  let vs = i + 1;
  let ve = end;
  while (vs < ve && (b[vs] === SP || b[vs] === HTAB)) vs++;
  while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
  const value = latin1(b, vs, ve);
  // One character per byte, so where the pattern matches is where the bad byte is; a regular expression runs natively.
  const bad = value.search(NOT_FIELD_BYTE);
  if (bad >= 0) fail(vs + bad, 'invalid character in header value');
  return [name, value];
}

/** Field lines from `start` up to and including the empty line; returns the index past it. */
function parseFields(b: Uint8Array, start: number, end: number, maxBytes: number, maxFields: number, into: HttpField[], what: string): number {
  let p = start;
  for (;;) {
    const e = lineEnd(b, p, end, maxBytes - (p - start), what);
    if (e < 0) throw new NeedMoreBytes(p, 2);
    if (e === p + 2) return e;
    if (into.length >= maxFields) fail(p, `more than ${maxFields} ${what} fields`);
    into.push(parseField(b, p, e - 2));
    p = e;
  }
}

const HTTP_ = [0x48, 0x54, 0x54, 0x50, 0x2f];

function startsWithHttpSlash(b: Uint8Array, p: number, end: number): boolean {
  if (end - p < 5) return false;
  for (let k = 0; k < 5; k++) if (b[p + k] !== HTTP_[k]) return false;
  return true;
}

function parseVersion(b: Uint8Array, p: number, end: number): string {
  if (end - p !== 8 || !startsWithHttpSlash(b, p, end) || !isDigit(b[p + 5]) || b[p + 6] !== 0x2e || !isDigit(b[p + 7])) {
    fail(p, 'HTTP version is not HTTP/DIGIT.DIGIT');
  }
  return latin1(b, p, end);
}

type StartLine = { kind: 'request'; method: string; target: string; version: string } | { kind: 'response'; version: string; status: number; reason: string };

function parseStartLine(b: Uint8Array, start: number, end: number): StartLine {
  if (startsWithHttpSlash(b, start, end)) {
    const sp = start + 8;
    parseVersion(b, start, Math.min(sp, end));
    if (b[sp] !== SP) fail(sp, 'status line: no space after the version');
    const s = sp + 1;
    if (end - s < 4 || b[s + 3] !== SP) fail(s, 'status code is not three digits followed by a space');
    let status = 0;
    for (let k = 0; k < 3; k++) {
      if (!isDigit(b[s + k])) fail(s + k, 'status code is not three digits');
      status = status * 10 + b[s + k] - 0x30;
    }
    if (status < 100) fail(s, 'status code below 100');
    for (let j = s + 4; j < end; j++) if (!isFieldByte(b[j])) fail(j, 'invalid character in reason phrase');
    return { kind: 'response', version: latin1(b, start, sp), status, reason: latin1(b, s + 4, end) };
  }
  let i = start;
  while (i < end && TCHAR[b[i]]) i++;
  if (i === start || i === end || b[i] !== SP) fail(i, 'request line: method is not a token followed by a space');
  const method = latin1(b, start, i);
  const ts = i + 1;
  let te = ts;
  while (te < end && b[te] > 0x20 && b[te] < 0x7f) te++;
  if (te === ts) fail(ts, 'request line: empty request target');
  if (te === end || b[te] !== SP) fail(te, 'request line: invalid character in request target');
  const version = parseVersion(b, te + 1, end);
  return { kind: 'request', method, target: latin1(b, ts, te), version };
}

function asciiLower(s: string): string {
  return s.toLowerCase();
}

/** How the body is delimited (RFC 9112 §6.3). */
type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

function framingOf(line: StartLine, headers: readonly HttpField[], requestMethod: string | undefined, at: number): Framing {
  let length = -1;
  let te: string | undefined;
  for (const [name, value] of headers) {
    // Only names of the two lengths can match: most fields are not lowered at all.
    const n = name.length === 14 || name.length === 17 ? asciiLower(name) : '';
    if (n === 'content-length') {
      for (const part of value.split(',')) {
        const v = part.trim();
        if (!/^[0-9]+$/.test(v)) fail(at, `Content-Length is not a number: ${JSON.stringify(value)}`);
        if (v.length > MAX_LENGTH_DIGITS) fail(at, 'Content-Length too large');
        const n2 = Number(v);
        if (length >= 0 && n2 !== length) fail(at, 'conflicting Content-Length values');
        length = n2;
      }
    } else if (n === 'transfer-encoding') {
      te = te === undefined ? value : `${te},${value}`;
    }
  }
  if (line.kind === 'response') {
    const s = line.status;
    if (s < 200 || s === 204 || s === 304 || (requestMethod !== undefined && requestMethod.toUpperCase() === 'HEAD')) return { kind: 'none' };
  }
  if (te !== undefined) {
    if (length >= 0) fail(at, 'both Transfer-Encoding and Content-Length');
    const codings = te.split(',');
    const last = asciiLower(codings[codings.length - 1].trim());
    if (last === 'chunked') return { kind: 'chunked' };
    if (line.kind === 'request') fail(at, 'request Transfer-Encoding does not end in chunked');
    return { kind: 'close' };
  }
  if (length >= 0) return { kind: 'length', length };
  return line.kind === 'request' ? { kind: 'none' } : { kind: 'close' };
}

interface ChunkedBody {
  readonly chunks: HttpChunk[];
  readonly trailers: HttpField[];
  readonly end: number;
}

function parseChunked(b: Uint8Array, start: number, end: number, maxLine: number, maxFields: number): ChunkedBody {
  const chunks: HttpChunk[] = [];
  let p = start;
  for (;;) {
    const e = lineEnd(b, p, end, maxLine, 'chunk size line');
    if (e < 0) throw new NeedMoreBytes(p, 2);
    let i = p;
    let size = 0;
    while (i < e - 2 && HEX[b[i]] >= 0) {
      if (i - p >= MAX_CHUNK_SIZE_DIGITS) fail(p, 'chunk size too large');
      size = size * 16 + HEX[b[i]];
      i++;
    }
    if (i === p) fail(p, 'chunk size is not hex');
    const ext = i;
    let k = ext;
    while (k < e - 2 && (b[k] === SP || b[k] === HTAB)) k++;
    if (k < e - 2 && b[k] !== 0x3b) fail(k, 'chunk size is not hex');
    for (let j = k; j < e - 2; j++) if (!isFieldByte(b[j])) fail(j, 'invalid character in chunk extension');
    const sizeText = latin1(b, p, ext);
    const extensions = latin1(b, ext, e - 2);
    if (size === 0) {
      chunks.push({ size: sizeText, extensions, data: b.subarray(e, e) });
      const trailers: HttpField[] = [];
      const after = parseFields(b, e, end, maxLine, maxFields, trailers, 'trailer');
      return { chunks, trailers, end: after };
    }
    if (end - e < size + 2) throw new NeedMoreBytes(e, size + 2);
    if (b[e + size] !== CR || b[e + size + 1] !== LF) fail(e + size, 'chunk data not followed by CRLF');
    chunks.push({ size: sizeText, extensions, data: b.subarray(e, e + size) });
    p = e + size + 2;
  }
}

function joinChunks(chunks: readonly HttpChunk[]): Uint8Array {
  const data = chunks.filter((c) => c.data.length > 0);
  if (data.length === 1) return data[0].data;
  let n = 0;
  for (const c of data) n += c.data.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of data) {
    out.set(c.data, o);
    o += c.data.length;
  }
  return out;
}

/**
 * Parses one message from `b[offset, end)`. With `atEnd` false, a body that
 * runs to the end of the connection waits for more (NeedMoreBytes); with it
 * true, such a body takes everything up to `end`.
 */
export function parseMessage(b: Uint8Array, offset: number, end: number, options: HttpDecodeOptions | undefined, atEnd: boolean): DecodedHttp {
  const maxHeaderBytes = options?.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const maxHeaders = options?.maxHeaders ?? DEFAULT_MAX_HEADERS;
  const first = lineEnd(b, offset, end, maxHeaderBytes, 'start line');
  if (first < 0) throw new NeedMoreBytes(offset, 2);
  const line = parseStartLine(b, offset, first - 2);
  const headers: HttpField[] = [];
  const headEnd = parseFields(b, first, end, maxHeaderBytes - (first - offset), maxHeaders, headers, 'header');
  const framing = framingOf(line, headers, options?.requestMethod, offset);
  let bodyEnd = headEnd;
  let body: Uint8Array | undefined;
  let chunked: ChunkedBody | undefined;
  switch (framing.kind) {
    case 'none':
      break;
    case 'length':
      if (end - headEnd < framing.length) throw new NeedMoreBytes(headEnd, framing.length);
      bodyEnd = headEnd + framing.length;
      body = b.subarray(headEnd, bodyEnd);
      break;
    case 'chunked':
      chunked = parseChunked(b, headEnd, end, maxHeaderBytes, maxHeaders);
      bodyEnd = chunked.end;
      body = joinChunks(chunked.chunks);
      break;
    case 'close':
      if (!atEnd) throw new NeedMoreBytes(end, 1);
      bodyEnd = end;
      body = b.subarray(headEnd, end);
      break;
  }
  const common = { headers, ...(body !== undefined && { body }), ...(chunked && { chunks: chunked.chunks, trailers: chunked.trailers }) };
  const message: HttpMessage =
    line.kind === 'request'
      ? { method: line.method, target: line.target, version: line.version, ...common }
      : { version: line.version, status: line.status, reason: line.reason, ...common };
  return {
    header: message,
    headerLength: headEnd - offset,
    payloadOffset: headEnd,
    payloadLength: bodyEnd - headEnd,
    payload: b.subarray(headEnd, bodyEnd),
    length: bodyEnd - offset,
  };
}

/**
 * Decodes one whole message from `bytes[offset, offset + length)`. A
 * response that has neither Content-Length nor chunked coding takes the rest
 * of that range, as it would run to the end of the connection.
 */
export function decode(bytes: Uint8Array, offset = 0, length = bytes.length - offset, options?: HttpDecodeOptions): DecodedHttp {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new DecodeError(LAYER, offset, 'range outside the buffer', length, Math.max(0, bytes.length - offset));
  }
  const end = offset + length;
  try {
    return parseMessage(bytes, offset, end, options, true);
  } catch (e) {
    if (e instanceof NeedMoreBytes) throw new DecodeError(LAYER, e.offset, 'truncated message', e.need, end - e.offset);
    throw e;
  }
}

// ---- encoding ----

interface Plan {
  readonly startLine: string;
  readonly headers: readonly HttpField[];
  readonly body?: Uint8Array;
  readonly chunks?: readonly HttpChunk[];
  readonly trailers?: readonly HttpField[];
}

function hasHeader(headers: readonly HttpField[], name: string): boolean {
  return headers.some(([n]) => asciiLower(n) === name);
}

/**
 * What encode writes. With fixLengths (the default): a chunked message gets
 * each chunk's size rewritten to its data length (unless the size already
 * says so), a zero-size last chunk if it lacks one, and
 * `Transfer-Encoding: chunked` if it has no Transfer-Encoding; any other
 * message with a body gets each Content-Length set to the body's length, or
 * `Content-Length` appended when it has neither Content-Length nor
 * Transfer-Encoding. With fixLengths false, the object is written as it is.
 */
function plan(m: HttpMessage, options: EncodeOptions | undefined): Plan {
  const startLine = isResponse(m) ? `${m.version} ${String(m.status).padStart(3, '0')} ${m.reason}` : `${m.method} ${m.target} ${m.version}`;
  if (!fixLengths(options)) return { startLine, headers: m.headers, body: m.body, chunks: m.chunks, trailers: m.trailers };
  if (m.chunks) {
    const chunks = m.chunks.map((c) => (parseInt(c.size, 16) === c.data.length && /^[0-9a-fA-F]+$/.test(c.size) ? c : { ...c, size: c.data.length.toString(16) }));
    const last = chunks[chunks.length - 1];
    if (!last || last.data.length !== 0) chunks.push({ size: '0', extensions: '', data: new Uint8Array(0) });
    const headers = hasHeader(m.headers, 'transfer-encoding') ? m.headers : [...m.headers, ['Transfer-Encoding', 'chunked'] as const];
    return { startLine, headers, chunks, trailers: m.trailers ?? [] };
  }
  if (m.body) {
    const n = String(m.body.length);
    let headers: readonly HttpField[] = m.headers.map((f) => (asciiLower(f[0]) === 'content-length' && f[1] !== n ? ([f[0], n] as const) : f));
    if (!hasHeader(m.headers, 'content-length') && !hasHeader(m.headers, 'transfer-encoding')) headers = [...headers, ['Content-Length', n] as const];
    return { startLine, headers, body: m.body };
  }
  return { startLine, headers: m.headers };
}

function fieldsLength(fields: readonly HttpField[]): number {
  let n = 0;
  for (const [name, value] of fields) n += name.length + 2 + value.length + 2;
  return n;
}

function planLength(p: Plan): number {
  let n = p.startLine.length + 2 + fieldsLength(p.headers) + 2;
  if (p.chunks) {
    p.chunks.forEach((c, i) => {
      const last = i === p.chunks!.length - 1 && c.data.length === 0;
      n += c.size.length + c.extensions.length + 2 + (last ? 0 : c.data.length + 2);
    });
    n += fieldsLength(p.trailers ?? []) + 2;
  } else if (p.body) {
    n += p.body.length;
  }
  return n;
}

/** Every byte that encode writes, for a message as encode would be given it. */
export function encodingLength(message: HttpMessage, options?: EncodeOptions): number {
  return planLength(plan(message, options));
}

function writeText(buf: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`http: character U+${c.toString(16)} cannot be written as one byte`);
    buf[o + i] = c;
  }
  return o + s.length;
}

function writeCrlf(buf: Uint8Array, o: number): number {
  buf[o] = CR;
  buf[o + 1] = LF;
  return o + 2;
}

function writeFields(buf: Uint8Array, o: number, fields: readonly HttpField[]): number {
  for (const [name, value] of fields) {
    o = writeText(buf, o, name);
    buf[o++] = COLON;
    buf[o++] = SP;
    o = writeCrlf(buf, writeText(buf, o, value));
  }
  return o;
}

export function encodeInto(buf: Uint8Array, offset: number, message: HttpMessage, options?: EncodeOptions): number {
  const p = plan(message, options);
  const total = planLength(p);
  if (buf.length - offset < total) throw new RangeError(`http: ${total} bytes do not fit at offset ${offset}`);
  let o = writeCrlf(buf, writeText(buf, offset, p.startLine));
  o = writeCrlf(buf, writeFields(buf, o, p.headers));
  if (p.chunks) {
    p.chunks.forEach((c, i) => {
      o = writeCrlf(buf, writeText(buf, writeText(buf, o, c.size), c.extensions));
      if (i === p.chunks!.length - 1 && c.data.length === 0) return;
      buf.set(c.data, o);
      o = writeCrlf(buf, o + c.data.length);
    });
    o = writeCrlf(buf, writeFields(buf, o, p.trailers ?? []));
  } else if (p.body) {
    buf.set(p.body, o);
    o += p.body.length;
  }
  return o - offset;
}

export function encode(message: HttpMessage, options?: EncodeOptions): Uint8Array {
  const p = plan(message, options);
  const out = new Uint8Array(planLength(p));
  encodeInto(out, 0, message, options);
  return out;
}
