/**
 * HTTP/1.1 parsing of the seed's signed DescribeInstances request, against
 * a plain-JS reading of the same bytes (Node's own parser cannot be called
 * on bytes directly): Latin-1 text, split into lines on CRLF and each field
 * line at its first colon, with no checks at all.
 */
import { decode } from '../../codecs/http.js';
import { SEED_REQUEST_TEXT } from '../../tests/codecs/http-seed.js';
import type { BenchTask } from '../harness.js';

const request = new TextEncoder().encode(SEED_REQUEST_TEXT);

const requestBuffer = Buffer.from(request);

function splitParse(bytes: Buffer): { method: string; target: string; version: string; headers: Array<[string, string]>; body: Buffer } {
  const text = bytes.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, headEnd).split('\r\n');
  const [method, target, version] = lines[0].split(' ');
  const headers: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    headers.push([lines[i].slice(0, colon), lines[i].slice(colon + 1).trim()]);
  }
  return { method, target, version, headers, body: bytes.subarray(headEnd + 4) };
}

export const tasks: BenchTask[] = [
  { name: 'http.parse request', fn: () => decode(request), versus: 'http.parse request (string split)' },
  { name: 'http.parse request (string split)', fn: () => splitParse(requestBuffer) },
];
