import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/sim/random.js';
import { Simulator } from '../../src/sim/simulator.js';
import { FakeNetwork, collect } from './tcp-fake-ip.js';

const CLIENT = '10.0.0.1';
const SERVER = '10.0.0.2';

interface Run {
  readonly seed: number;
  readonly jitterNs: number;
  /** One entry per datagram from the start: true loses it. Datagrams past the end get through. */
  readonly losses: readonly boolean[];
  readonly writes: readonly number[];
  readonly replyBytes: number;
}

function exchange(run: Run) {
  const sim = new Simulator({ seed: run.seed });
  const net = new FakeNetwork(sim, { delayNs: 3_000_000, jitterNs: run.jitterNs, seed: run.seed });
  net.dropWhen = ({ index }) => run.losses[index] ?? false;
  const client = net.stack(CLIENT, { node: 'client' });
  const server = net.stack(SERVER, { node: 'server' });
  const total = run.writes.reduce((a, b) => a + b, 0);
  const upload = new SeededRandom(run.seed ^ 0x5a5a).bytes(total);
  const reply = new SeededRandom(run.seed ^ 0xa5a5).bytes(run.replyBytes);
  let atServer: ReturnType<typeof collect> | undefined;
  let serverEnded = false;
  let serverClosed = false;
  server.listen(80).on('connection', (c) => {
    atServer = collect(c);
    c.on('end', () => {
      serverEnded = true;
      c.write(reply);
      c.end();
    });
    c.on('close', (e) => {
      if (e) throw e;
      serverClosed = true;
    });
  });
  const conn = client.connect({ address: SERVER, port: 80 });
  const atClient = collect(conn);
  let clientEnded = false;
  conn.on('end', () => (clientEnded = true));
  let offset = 0;
  for (const size of run.writes) {
    conn.write(upload.subarray(offset, offset + size));
    offset += size;
  }
  conn.end();
  sim.runUntil(() => serverEnded && clientEnded && serverClosed, { untilNs: 3600e9 });
  return { net, upload, reply, atServer: atServer!.bytes(), atClient: atClient.bytes() };
}

const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('TCP under arbitrary loss and reordering', () => {
  it('delivers both byte streams intact, whatever is lost or reordered and however the writes are cut', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1 << 30 }),
          jitterNs: fc.constantFrom(0, 1_000_000, 8_000_000),
          losses: fc.array(fc.integer({ min: 0, max: 9 }).map((n) => n < 2), { maxLength: 120 }),
          writes: fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 12 }),
          replyBytes: fc.integer({ min: 0, max: 20000 }),
        }),
        (run) => {
          const result = exchange(run);
          expect(hash(result.atServer)).toBe(hash(result.upload));
          expect(hash(result.atClient)).toBe(hash(result.reply));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sends the same segments, byte for byte, for the same seed', () => {
    const run: Run = { seed: 77, jitterNs: 2_000_000, losses: Array.from({ length: 80 }, (_, i) => i % 9 === 4), writes: [1000, 30000, 5, 40000], replyBytes: 12345 };
    const capture = (r: Run) => exchange(r).net.log.map((d) => `${d.timeNs} ${d.dropped} ${Buffer.from(d.bytes).toString('hex')}`);
    const first = capture(run);
    expect(capture(run)).toEqual(first);
    expect(capture({ ...run, seed: 78 })).not.toEqual(first);
  });
});
