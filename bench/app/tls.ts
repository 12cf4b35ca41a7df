/** TLS codec rates: decoding RFC 8448's ClientHello record into objects. */
import { decodeRecord } from '../../codecs/tls/index.js';
import { fixtureHex } from '../fixtures.js';
import type { BenchTask } from '../harness.js';

const clientHello = fixtureHex('tls-rfc8448/clienthello.hex');

export const tasks: BenchTask[] = [{ name: 'tls.decode ClientHello', fn: () => decodeRecord(clientHello) }];
