/**
 * HTTP/1.1 parsing of the seed's signed DescribeInstances request, against
 * a plain-JS reading of the same bytes (Node's own parser cannot be called
 * on bytes directly): Latin-1 text, split into lines on CRLF and each field
 * line at its first colon, with no checks at all.
 */
import { decode } from '../../codecs/http.js';
import type { BenchTask } from '../harness.js';

const request = new TextEncoder().encode(
  'POST / HTTP/1.1\r\n' +
    'Host: ec2.us-east-1.amazonaws.com\r\n' +
    'Accept-Encoding: identity\r\n' +
    'Content-Type: application/x-amz-json-1.1\r\n' +
    'X-Amz-Target: AmazonEC2.DescribeInstances\r\n' +
    'User-Agent: Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux lang/python#3.12.1\r\n' +
    'X-Amz-Date: 20260301T100000Z\r\n' +
    'Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260301/us-east-1/ec2/aws4_request, ' +
    'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=3c1e7b0d4f6a9b2c5e8d1f4a7b0c3e6d9f2a5b8c1e4d7f0a3b6c9e2d5f8a1b4c\r\n' +
    'Content-Length: 2\r\n' +
    '\r\n' +
    '{}',
);

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
