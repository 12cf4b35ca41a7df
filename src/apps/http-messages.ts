/**
 * Small pieces the HTTP endpoints share: reading a header by name, and
 * turning text and JSON into bodies with the right Content-Length.
 */
import type { HttpField, HttpResponse } from '../../codecs/http.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The first value of a header, matched without regard to case. */
export function headerValue(headers: readonly HttpField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function bytesText(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? '' : decoder.decode(bytes);
}

/** A response whose body is `body`, with Content-Length written from it. */
export function responseWith(status: number, reason: string, headers: readonly HttpField[], body: string): HttpResponse {
  const bytes = textBytes(body);
  return { version: 'HTTP/1.1', status, reason, headers: [...headers, ['Content-Length', String(bytes.length)]], body: bytes };
}

/** An HTTP date (RFC 9110 §5.6.7) from the virtual clock. */
export function httpDate(date: Date): string {
  return date.toUTCString();
}

/** A request id shaped like AWS's (a UUID), drawn from the run's generator. */
export function requestId(rng: { bytes(length: number): Uint8Array }): string {
  const b = rng.bytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
