/**
 * AWS Signature Version 4 (AWS4-HMAC-SHA256) for HTTP/1.1 requests: the
 * client signs, the API server verifies.
 *
 * The request is read as it travels: `target` is the request target on the
 * wire, already percent-encoded. The canonical URI is built the way AWS
 * builds it for every service but S3: the path is percent-decoded to bytes,
 * its dot segments and repeated slashes are removed, and each byte outside
 * the unreserved set is encoded, twice. Query parameters are decoded,
 * encoded once, and sorted by name and then value.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpField } from '../../codecs/http.js';

export interface SignableRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly HttpField[];
  readonly body?: Uint8Array;
}

export interface SigningParams {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly region: string;
  readonly service: string;
  readonly date: Date;
  /**
   * 'x-amz-date' (the default) writes the signing time into X-Amz-Date.
   * 'date' signs the request's own Date header instead, as the first
   * version of the protocol allowed; `date` must then be the time it says.
   */
  readonly dateHeader?: 'x-amz-date' | 'date';
}

export interface SignedRequest<R extends SignableRequest = SignableRequest> {
  /** The request with X-Amz-Date, X-Amz-Security-Token (if any) and Authorization set. */
  readonly request: R;
  /** The headers that signing added, in the order they were added. */
  readonly added: readonly HttpField[];
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
  readonly authorization: string;
}

export type VerifyFailureCode = 'SignatureDoesNotMatch' | 'InvalidClientTokenId' | 'IncompleteSignature' | 'MissingAuthenticationToken' | 'RequestExpired';

export type VerifyResult = { readonly ok: true; readonly accessKeyId: string } | { readonly ok: false; readonly code: VerifyFailureCode; readonly message: string };

export interface VerifyOptions {
  readonly now: Date;
  /** How far the request's X-Amz-Date may be from `now`; AWS allows 15 minutes. */
  readonly maxSkewMs?: number;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Headers that the transport sets or rewrites after the request is signed,
 * or that signing itself writes; the AWS SDKs leave them out too.
 */
const UNSIGNED = new Set(['authorization', 'user-agent', 'expect', 'x-amzn-trace-id', 'content-length', 'connection', 'transfer-encoding']);

/** `20150830T123600Z`. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function hex(n: number): string {
  return '%' + n.toString(16).toUpperCase().padStart(2, '0');
}

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

/** Percent-decodes to bytes; a `%` not followed by two hex digits stands for itself. Characters above 0xff are taken as UTF-8. */
function percentDecode(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c > 0x7f) {
      out.push(...Buffer.from(s[i], 'utf8'));
    } else {
      out.push(c);
    }
  }
  return out;
}

function uriEncodeBytes(bytes: readonly number[], keepSlash: boolean): string {
  let s = '';
  for (const b of bytes) s += isUnreserved(b) || (keepSlash && b === 0x2f) ? String.fromCharCode(b) : hex(b);
  return s;
}

function uriEncode(s: string, keepSlash: boolean): string {
  return uriEncodeBytes([...Buffer.from(s, 'latin1')], keepSlash);
}

/** RFC 3986 §5.2.4 dot-segment removal, with empty segments dropped as AWS does. */
function normalizePath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const trailing = out.length > 0 && /\/\.{0,2}$/.test(path);
  return '/' + out.join('/') + (trailing ? '/' : '');
}

export function canonicalUri(path: string): string {
  const normalized = normalizePath(path === '' ? '/' : path);
  const once = uriEncodeBytes(percentDecode(normalized), true);
  return uriEncode(once, true);
}

export function canonicalQuery(query: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([uriEncodeBytes(percentDecode(name), false), uriEncodeBytes(percentDecode(value), false)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

function trimValue(v: string): string {
  return v.trim().replace(/ +/g, ' ');
}

/** The lowercased names and combined values of the headers to sign, sorted by name. */
function canonicalHeaderMap(headers: readonly HttpField[], only?: ReadonlySet<string>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of headers) {
    const n = name.toLowerCase();
    if (only ? !only.has(n) : UNSIGNED.has(n)) continue;
    const v = trimValue(value);
    map.set(n, map.has(n) ? `${map.get(n)},${v}` : v);
  }
  return new Map([...map].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
}

function headerValue(headers: readonly HttpField[], name: string): string | undefined {
  for (const [n, v] of headers) if (n.toLowerCase() === name) return v;
  return undefined;
}

export function canonicalRequest(request: SignableRequest, headers: Map<string, string>): string {
  const q = request.target.indexOf('?');
  const path = q < 0 ? request.target : request.target.slice(0, q);
  const query = q < 0 ? '' : request.target.slice(q + 1);
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256') ?? sha256Hex(request.body ?? new Uint8Array(0));
  let canonicalHeaders = '';
  for (const [n, v] of headers) canonicalHeaders += `${n}:${v}\n`;
  return [request.method, canonicalUri(path), canonicalQuery(query), canonicalHeaders, [...headers.keys()].join(';'), payloadHash].join('\n');
}

export function stringToSign(date: string, scope: string, canonical: string): string {
  return [ALGORITHM, date, scope, sha256Hex(canonical)].join('\n');
}

interface Computed {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

function compute(request: SignableRequest, headers: Map<string, string>, date: string, secret: string, region: string, service: string): Computed {
  const day = date.slice(0, 8);
  const creq = canonicalRequest(request, headers);
  const sts = stringToSign(date, `${day}/${region}/${service}/aws4_request`, creq);
  const signature = createHmac('sha256', signingKey(secret, day, region, service)).update(sts, 'utf8').digest('hex');
  return { canonicalRequest: creq, stringToSign: sts, signature };
}

/**
 * Signs a request: X-Amz-Date (and X-Amz-Security-Token) replace any the
 * request had, every header but the transport's is signed, and the
 * Authorization header is appended last.
 */
export function signRequest<R extends SignableRequest>(request: R, params: SigningParams): SignedRequest<R> {
  const date = amzDate(params.date);
  const useDate = params.dateHeader === 'date';
  const replaced = new Set(['authorization', ...(useDate ? [] : ['x-amz-date']), ...(params.sessionToken !== undefined ? ['x-amz-security-token'] : [])]);
  const added: HttpField[] = useDate ? [] : [['X-Amz-Date', date]];
  if (params.sessionToken !== undefined) added.push(['X-Amz-Security-Token', params.sessionToken]);
  const headers: HttpField[] = [...request.headers.filter(([n]) => !replaced.has(n.toLowerCase())), ...added];
  const unsigned = { ...request, headers };
  const computed = compute(unsigned, canonicalHeaderMap(headers), date, params.secretAccessKey, params.region, params.service);
  const scope = `${date.slice(0, 8)}/${params.region}/${params.service}/aws4_request`;
  const signedHeaders = [...canonicalHeaderMap(headers).keys()].join(';');
  const authorization = `${ALGORITHM} Credential=${params.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${computed.signature}`;
  added.push(['Authorization', authorization]);
  return { request: { ...request, headers: [...headers, ['Authorization', authorization]] }, added, ...computed, authorization };
}

interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly day: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: string[];
  readonly signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization | string {
  if (!value.startsWith(`${ALGORITHM} `)) return `Authorization header requires the ${ALGORITHM} algorithm. Authorization=${value}`;
  const params = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !params.get(k));
  if (missing.length) return missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ') + ` Authorization=${value}`;
  const credential = params.get('Credential')!.split('/');
  if (credential.length !== 5 || credential[4] !== 'aws4_request' || !/^\d{8}$/.test(credential[1])) {
    return `Credential should be scoped to a valid region, service and date, ending in aws4_request. Credential=${params.get('Credential')}`;
  }
  const [accessKeyId, day, region, service] = credential;
  return { accessKeyId, day, region, service, signedHeaders: params.get('SignedHeaders')!.split(';'), signature: params.get('Signature')! };
}

function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return amzDate(d) === s ? d : undefined;
}

function parseHttpDate(s: string): Date | undefined {
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function failure(code: VerifyFailureCode, message: string): VerifyResult {
  return { ok: false, code, message };
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Checks a signed request the way an AWS endpoint does, with the codes and messages that AWS returns. */
export function verifyRequest(request: SignableRequest, lookupSecret: (accessKeyId: string) => string | undefined, options: VerifyOptions): VerifyResult {
  const header = headerValue(request.headers, 'authorization');
  if (header === undefined) return failure('MissingAuthenticationToken', 'Request is missing Authentication Token');
  const auth = parseAuthorization(header);
  if (typeof auth === 'string') return failure('IncompleteSignature', auth);
  const xAmzDate = headerValue(request.headers, 'x-amz-date');
  const httpDate = headerValue(request.headers, 'date');
  const date = xAmzDate !== undefined ? parseAmzDate(xAmzDate) : httpDate !== undefined ? parseHttpDate(httpDate) : undefined;
  if (date === undefined) {
    return failure('IncompleteSignature', `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${header}`);
  }
  const dateText = amzDate(date);
  if (dateText.slice(0, 8) !== auth.day) {
    return failure('SignatureDoesNotMatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.day}' != '${dateText.slice(0, 8)}', from '${dateText}'.`);
  }
  const secret = lookupSecret(auth.accessKeyId);
  if (secret === undefined) return failure('InvalidClientTokenId', 'The security token included in the request is invalid.');
  const skew = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(options.now.getTime() - date.getTime()) > skew) return failure('RequestExpired', 'Request has expired.');
  const signed = new Set(auth.signedHeaders);
  const headers = canonicalHeaderMap(request.headers, signed);
  if (headers.size !== signed.size || !signed.has('host')) return failure('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  const expected = Buffer.from(compute(request, headers, dateText, secret, auth.region, auth.service).signature, 'utf8');
  const given = Buffer.from(auth.signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return failure('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  return { ok: true, accessKeyId: auth.accessKeyId };
}
