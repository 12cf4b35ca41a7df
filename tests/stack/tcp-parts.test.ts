import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CongestionControl } from '../../src/stack/tcp/congestion.js';
import { ReceiveBuffer } from '../../src/stack/tcp/receive-buffer.js';
import { INITIAL_RTO_NS, MAX_RTO_NS, MIN_RTO_NS, RtoEstimator } from '../../src/stack/tcp/rto.js';
import { SackScoreboard } from '../../src/stack/tcp/sack-scoreboard.js';
import { SendBuffer } from '../../src/stack/tcp/send-buffer.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../../src/stack/tcp/sequence.js';

describe('sequence numbers mod 2^32', () => {
  it('compares across the wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqGt(0x10, 0xfffffff0)).toBe(true);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
    expect(seqDiff(1, 0xffffffff)).toBe(2);
    expect(seqLe(5, 5) && seqGe(5, 5)).toBe(true);
  });

  it('agrees with the distance for any base and any step below 2^31', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 0x7fffffff }), (a, n) => {
        const b = seqAdd(a, n);
        expect(seqDiff(b, a)).toBe(n);
        expect(seqLt(a, b)).toBe(true);
        expect(seqGt(b, a)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('RFC 6298 retransmission timeout', () => {
  it('starts at 1 s, follows the first sample and smooths the next', () => {
    const rto = new RtoEstimator();
    expect(rto.rtoNs).toBe(INITIAL_RTO_NS);
    rto.sample(100e6);
    // SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR
    expect(rto.srttNs).toBe(100e6);
    expect(rto.rtoNs).toBe(300e6);
    rto.sample(200e6);
    // RTTVAR = 3/4·50 + 1/4·100 = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5
    expect(rto.srttNs).toBeCloseTo(112.5e6);
    expect(rto.rttvarNs).toBeCloseTo(62.5e6);
    expect(rto.rtoNs).toBeCloseTo(362.5e6);
  });

  it('keeps the 200 ms floor and doubles up to the 60 s ceiling', () => {
    const rto = new RtoEstimator();
    rto.sample(1e6);
    expect(rto.rtoNs).toBe(MIN_RTO_NS);
    const seen = [];
    for (let i = 0; i < 12; i++) {
      rto.backOff();
      seen.push(rto.rtoNs);
    }
    expect(seen.slice(0, 3)).toEqual([400e6, 800e6, 1600e6]);
    expect(seen.at(-1)).toBe(MAX_RTO_NS);
    rto.sample(1e6);
    expect(rto.rtoNs).toBe(MIN_RTO_NS);
  });
});

describe('congestion control', () => {
  it('grows by a segment per ACK in slow start, by about one per window after, and halves on three duplicates', () => {
    const cc = new CongestionControl(1000);
    expect(cc.cwnd).toBe(10_000);
    cc.onAck(1000);
    expect(cc.cwnd).toBe(11_000);
    cc.enterRecovery(20_000, 50_000);
    expect(cc.ssthresh).toBe(10_000);
    expect(cc.cwnd).toBe(13_000);
    expect(cc.phase).toBe('fast-recovery');
    cc.onDuplicateInRecovery();
    expect(cc.cwnd).toBe(14_000);
    cc.onPartialAck(3000);
    expect(cc.cwnd).toBe(12_000);
    cc.exitRecovery(9000);
    expect(cc.cwnd).toBe(10_000);
    expect(cc.phase).toBe('congestion-avoidance');
    cc.onAck(1000);
    expect(cc.cwnd).toBe(10_100);
    cc.onTimeout(10_000);
    expect(cc.cwnd).toBe(1000);
    expect(cc.ssthresh).toBe(5000);
  });
});

describe('send buffer', () => {
  it('slices any held range and releases acknowledged bytes, against a flat copy', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 50 }), { maxLength: 10 }), fc.nat(), fc.nat(), fc.nat(), (writes, r, a, b) => {
        const buffer = new SendBuffer();
        for (const w of writes) buffer.append(w);
        const flat = Buffer.concat(writes);
        expect(buffer.written).toBe(flat.length);
        const release = flat.length === 0 ? 0 : r % (flat.length + 1);
        buffer.release(release);
        expect(buffer.held).toBe(flat.length - release);
        const span = flat.length - release;
        const from = release + (span === 0 ? 0 : a % (span + 1));
        const to = from + (flat.length - from === 0 ? 0 : b % (flat.length - from + 1));
        expect([...buffer.slice(from, to)]).toEqual([...flat.subarray(from, to)]);
        expect(() => buffer.slice(release - 1, release)).toThrow(RangeError);
      }),
      { numRuns: 500 },
    );
  });
});

describe('receive buffer', () => {
  it('reassembles segments in any order and overlap into the stream, against a model', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 80 })), { maxLength: 40 }),
        (stream, cuts) => {
          const buffer = new ReceiveBuffer();
          const out: number[] = [];
          const have = new Uint8Array(stream.length);
          const pieces = cuts.map(([s, n]) => [s % stream.length, Math.min(n, stream.length - (s % stream.length))] as const);
          pieces.push([0, stream.length]);
          for (const [start, length] of pieces) {
            for (const chunk of buffer.insert(start, stream.subarray(start, start + length))) out.push(...chunk);
            have.fill(1, start, start + length);
            // The model: the stream is delivered up to the first byte never received.
            const firstMissing = have.indexOf(0);
            const expected = firstMissing < 0 ? stream.length : firstMissing;
            expect(buffer.next).toBe(expected);
            expect(out.length).toBe(expected);
            for (const range of buffer.sackRanges(3)) {
              expect(range.start).toBeGreaterThan(buffer.next);
              for (let i = range.start; i < range.end; i++) expect(have[i]).toBe(1);
              expect(have[range.start - 1]).toBe(0);
              if (range.end < stream.length) expect(have[range.end]).toBe(0);
            }
          }
          expect([...out]).toEqual([...stream]);
          expect(buffer.hasGaps).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports the block holding the latest segment first (RFC 2018 §4)', () => {
    const buffer = new ReceiveBuffer();
    const bytes = new Uint8Array(100);
    buffer.insert(10, bytes.subarray(10, 20));
    buffer.insert(40, bytes.subarray(40, 50));
    buffer.insert(70, bytes.subarray(70, 80));
    expect(buffer.sackRanges(3)).toEqual([
      { start: 70, end: 80 },
      { start: 40, end: 50 },
      { start: 10, end: 20 },
    ]);
    buffer.insert(20, bytes.subarray(20, 30));
    expect(buffer.sackRanges(2)).toEqual([
      { start: 10, end: 30 },
      { start: 70, end: 80 },
    ]);
    expect(buffer.sackBlocks(1, (o) => 1000 + o)).toEqual([{ left: 1010, right: 1030 }]);
  });
});

describe('SACK scoreboard', () => {
  it('merges blocks, finds the holes below the highest SACKed byte, and forgets what is acknowledged', () => {
    const board = new SackScoreboard();
    board.record(30, 40);
    board.record(60, 70);
    board.record(38, 45);
    expect(board.list).toEqual([
      { start: 30, end: 45 },
      { start: 60, end: 70 },
    ]);
    expect(board.nextHole(10)).toBe(10);
    expect(board.nextHole(30)).toBe(45);
    expect(board.nextHole(60)).toBeUndefined();
    expect(board.clip(10, 100)).toBe(30);
    expect(board.clip(45, 50)).toBe(50);
    board.acknowledged(50);
    expect(board.list).toEqual([{ start: 60, end: 70 }]);
    board.clear();
    expect(board.nextHole(0)).toBeUndefined();
  });
});
