/**
 * An in-memory pair of byte streams for TLS tests, with every chunk each
 * side writes recorded, a hook that may rewrite a chunk in flight, and a
 * queue that runs deliveries in order until nothing is left.
 */
import { X509Certificate } from 'node:crypto';
import { type ByteStream, streamPair } from '../../../src/stack/byte-stream.js';
import { loadPkiFiles } from '../../../src/stack/pki/pki-files.js';
import { SeededRandom } from '../../../src/sim/random.js';
import { fixturePath } from '../../helpers/fixtures.js';

export type Rewrite = (chunk: Uint8Array, index: number) => Uint8Array;

export interface TlsPipe {
  readonly client: ByteStream;
  readonly server: ByteStream;
  /** Chunks as written, before any rewrite. */
  readonly fromClient: Uint8Array[];
  readonly fromServer: Uint8Array[];
  /** Every chunk from either side, in the order written, which is the order of cause and effect. */
  readonly writes: Array<{ readonly fromClient: boolean; readonly bytes: Uint8Array }>;
  run(): void;
}

export function tlsPipe(rewrite: { fromClient?: Rewrite; fromServer?: Rewrite } = {}): TlsPipe {
  const queue: Array<() => void> = [];
  const [a, b] = streamPair((action) => queue.push(action));
  const fromClient: Uint8Array[] = [];
  const fromServer: Uint8Array[] = [];
  const writes: TlsPipe['writes'] = [];
  const tap = (stream: ByteStream, log: Uint8Array[], change?: Rewrite): ByteStream => ({
    write(bytes) {
      log.push(bytes.slice());
      writes.push({ fromClient: log === fromClient, bytes: bytes.slice() });
      stream.write(change ? change(bytes, log.length - 1) : bytes);
    },
    end: () => stream.end(),
    on: (event, listener) => stream.on(event, listener),
  });
  return {
    client: tap(a, fromClient, rewrite.fromClient),
    server: tap(b, fromServer, rewrite.fromServer),
    fromClient,
    fromServer,
    writes,
    run() {
      for (let steps = 0; queue.length > 0; steps++) {
        if (steps > 100_000) throw new Error('the exchange does not settle');
        queue.shift()!();
      }
    },
  };
}

export const pki = loadPkiFiles(fixturePath('pki'));
export const trustedRoots = [pki.root];
/** The emulator's start date, inside every fixture certificate's validity. */
export const START = new Date('2026-03-02T09:30:00Z');

export function rngs(seed: number): { client: SeededRandom; server: SeededRandom } {
  return { client: new SeededRandom(seed), server: new SeededRandom(seed + 1) };
}

export function certificateOf(der: Uint8Array): X509Certificate {
  return new X509Certificate(der);
}
