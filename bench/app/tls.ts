/** TLS codec rates: decoding RFC 8448's ClientHello record into objects. Run from the package root (npm run bench). */
import { readFileSync } from 'node:fs';
import { decodeRecord } from '../../codecs/tls/index.js';
import type { BenchTask } from '../harness.js';

const clientHello = new Uint8Array(
  Buffer.from(readFileSync('fixtures/tls-rfc8448/clienthello.hex', 'utf8').trim(), 'hex'),
);

export const tasks: BenchTask[] = [{ name: 'tls.decode ClientHello', fn: () => decodeRecord(clientHello) }];
