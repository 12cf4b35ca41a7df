import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ipv4 from '../../codecs/ipv4.js';
import { copiedOptions, fragment } from '../../src/stack/fragmentation.js';
import { Reassembler } from '../../src/stack/reassembly.js';

function packet(payloadLength: number, options = new Uint8Array(0), identification = 0x4242): Uint8Array {
  const payload = new Uint8Array(payloadLength);
  for (let i = 0; i < payloadLength; i++) payload[i] = (i * 7 + 3) & 0xff;
  return ipv4.encode(
    {
      version: 4,
      ihl: 5,
      dscp: 0,
      ecn: 0,
      totalLength: 0,
      identification,
      reservedFlag: false,
      dontFragment: false,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: 17,
      checksum: 0,
      checksumValid: false,
      source: '10.0.0.1',
      destination: '10.0.0.2',
      options,
    },
    payload,
  );
}

function shuffle<T>(items: T[], order: number[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = order[i % order.length] % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('fragment', () => {
  it('splits a 4000-byte UDP datagram for an MTU of 1500 as RFC 791 lays out', () => {
    const whole = packet(4008);
    const parts = fragment(whole, 1500);
    const headers = parts.map((p) => ipv4.decode(p).header);
    expect(parts.map((p) => p.length)).toEqual([1500, 1500, 1068]);
    expect(headers.map((h) => h.fragmentOffset)).toEqual([0, 1480, 2960]);
    expect(headers.map((h) => h.moreFragments)).toEqual([true, true, false]);
    expect(headers.every((h) => h.checksumValid && h.identification === 0x4242 && h.totalLength <= 1500)).toBe(true);
    const data = parts.map((p) => ipv4.decode(p).payload);
    expect(Uint8Array.from(data.flatMap((d) => [...d]))).toEqual(whole.subarray(20));
  });

  it('leaves a packet that fits alone', () => {
    const whole = packet(1480);
    expect(fragment(whole, 1500)).toEqual([whole]);
  });

  it('repeats only the copied options after the first fragment', () => {
    // Loose source route (0x83, copied) and record route (0x07, not copied), then end of list.
    const options = new Uint8Array([0x83, 7, 4, 192, 0, 2, 1, 0x07, 7, 4, 0, 0, 0, 0, 0, 0]);
    const parts = fragment(packet(200, options), 100);
    const headers = parts.map((p) => ipv4.decode(p).header);
    expect(headers[0].options).toEqual(options);
    for (const h of headers.slice(1)) expect([...h.options]).toEqual([0x83, 7, 4, 192, 0, 2, 1, 0]);
    expect(copiedOptions(new Uint8Array([1, 1, 0x07, 3, 0]))).toEqual(new Uint8Array(0));
    // A length byte that overruns ends the walk without reading past the options.
    expect(copiedOptions(new Uint8Array([0x83, 40, 1, 2]))).toEqual(new Uint8Array(0));
  });

  it('keeps offsets from a fragment it fragments again', () => {
    const first = fragment(packet(4008), 1500)[1];
    const again = fragment(first, 576).map((p) => ipv4.decode(p).header);
    expect(again.map((h) => h.fragmentOffset)).toEqual([1480, 2032, 2584]);
    // The middle fragment had More Fragments set, so its last piece keeps it.
    expect(again.map((h) => h.moreFragments)).toEqual([true, true, true]);
  });

  it('puts back any packet from its fragments in any order (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 68, max: 1500 }), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (size, mtu, order) => {
        const whole = packet(size);
        // 9000 bytes at an MTU of 68 make 188 fragments: above the default cap, which has its own test.
        const reassembler = new Reassembler({ maxFragmentsPerDatagram: 256 });
        const parts = shuffle(fragment(whole, mtu), order);
        if (parts.length === 1) return;
        const results = parts.map((p) => reassembler.add(p, 0));
        expect(results.slice(0, -1).every((r) => r.kind === 'pending')).toBe(true);
        const last = results[results.length - 1];
        expect(last.kind).toBe('complete');
        if (last.kind === 'complete') expect(last.packet).toEqual(whole);
        expect(reassembler.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Reassembler', () => {
  it('frees a datagram that never completes when its time is up', () => {
    const reassembler = new Reassembler({ timeoutNs: 30e9 });
    const [first, , last] = fragment(packet(4008), 1500);
    expect(reassembler.add(first, 0)).toMatchObject({ kind: 'pending', isNew: true });
    expect(reassembler.add(last, 1e9)).toMatchObject({ kind: 'pending', isNew: false });
    expect(reassembler.bufferedBytes).toBe(1480 + 1048);
    expect(reassembler.expire(29e9)).toEqual([]);
    const gone = reassembler.expire(30e9);
    expect(gone).toHaveLength(1);
    expect(gone[0].fragments).toBe(2);
    // The quote for Time Exceeded: the first fragment's header and 8 bytes of its data.
    expect(gone[0].quote).toEqual(first.subarray(0, 28));
    expect(reassembler.bufferedBytes).toBe(0);
    expect(reassembler.waiting).toBe(0);
  });

  it('ignores an exact duplicate and discards the datagram on an overlap', () => {
    const reassembler = new Reassembler();
    const parts = fragment(packet(4008), 1500);
    reassembler.add(parts[0], 0);
    expect(reassembler.add(parts[0], 0)).toEqual({ kind: 'duplicate' });
    // The same range with other bytes is an overlap, not a duplicate.
    const forged = parts[1].slice();
    const overlapping = fragment(packet(4008, undefined), 1500)[0].slice();
    overlapping[40] ^= 0xff;
    expect(reassembler.add(overlapping, 0)).toMatchObject({ kind: 'dropped', reason: 'reassembly-overlap', fragmentsDiscarded: 2 });
    expect(reassembler.bufferedBytes).toBe(0);
    // With the datagram gone, later fragments start it afresh.
    expect(reassembler.add(forged, 0)).toMatchObject({ kind: 'pending', isNew: true });
  });

  it('rejects a fragment reaching past the end that the last fragment set', () => {
    const reassembler = new Reassembler();
    const parts = fragment(packet(4008), 1500);
    reassembler.add(parts[2], 0);
    const shorter = fragment(packet(2000), 1500)[1];
    expect(reassembler.add(shorter, 0)).toMatchObject({ kind: 'dropped', reason: 'reassembly-overlap' });
  });

  it('bounds the bytes held and the fragments per datagram', () => {
    const bytes = new Reassembler({ maxBufferedBytes: 3000 });
    const a = fragment(packet(4008, undefined, 1), 1500);
    const b = fragment(packet(4008, undefined, 2), 1500);
    expect(bytes.add(a[0], 0).kind).toBe('pending');
    expect(bytes.add(b[0], 0).kind).toBe('pending');
    expect(bytes.add(a[1], 0)).toMatchObject({ kind: 'dropped', reason: 'reassembly-overflow', fragmentsDiscarded: 2 });
    expect(bytes.bufferedBytes).toBe(1480);

    const count = new Reassembler({ maxFragmentsPerDatagram: 4 });
    const small = fragment(packet(800), 100);
    expect(small.length).toBeGreaterThan(4);
    const results = small.slice(0, 5).map((p) => count.add(p, 0).kind);
    expect(results).toEqual(['pending', 'pending', 'pending', 'pending', 'dropped']);
    expect(count.bufferedBytes).toBe(0);
  });

  it('calls a non-final fragment whose length is not a multiple of 8 malformed', () => {
    const reassembler = new Reassembler();
    const odd = fragment(packet(4008), 1500)[0].slice(0, 1499);
    odd[2] = 1499 >> 8;
    odd[3] = 1499 & 0xff;
    expect(reassembler.add(odd, 0)).toMatchObject({ kind: 'dropped', reason: 'malformed' });
  });
});
