/** The capture fixtures that the capture tests read, with the packet counts that MANIFEST.tsv gives. */
import { readFileSync } from 'node:fs';
import { fixturePath } from '../helpers/fixtures.js';

export interface CaptureFixture {
  readonly path: string;
  readonly packets: number;
}

function manifest(): CaptureFixture[] {
  const [head, ...rows] = readFileSync(fixturePath('captures/MANIFEST.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const file = head.indexOf('file');
  const format = head.indexOf('format');
  const packets = head.indexOf('packets');
  return rows.filter((r) => /pcap/.test(r[format])).map((r) => ({ path: `captures/${r[file]}`, packets: Number(r[packets]) }));
}

/** Every capture in fixtures/captures, and the two RFC 8448 captures (9 packets each, per tshark). */
export const CAPTURE_FIXTURES: readonly CaptureFixture[] = [
  ...manifest(),
  { path: 'tls-rfc8448/rfc8448_1rtt.pcap', packets: 9 },
  { path: 'tls-rfc8448/rfc8448_1rtt_dsb.pcapng', packets: 9 },
];

/** Wireshark's WTAP_ENCAP number for each LINKTYPE the fixtures use (wiretap/pcap-common.c). */
export const WTAP_ENCAP: Readonly<Record<number, number>> = { 0: 15, 1: 1, 113: 25, 228: 129 };

/** tshark's `frame.time_epoch` ("1340954905.298858000") as nanoseconds, exactly. */
export function epochToNs(text: string): bigint {
  const [seconds, fraction = ''] = text.split('.');
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
}

/**
 * The offsets at which a prefix of the file is itself a whole file: after the
 * header and after each record (pcap), or after each block (pcapng). Walked
 * here on its own, without the reader under test.
 */
export function wholePrefixes(bytes: Uint8Array): Set<number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends = new Set<number>();
  if (bytes[0] === 0x0a && bytes[1] === 0x0d) {
    let little = true;
    for (let at = 0; at < bytes.length; ) {
      if (view.getUint32(at) === 0x0a0d0d0a) little = view.getUint32(at + 8, true) === 0x1a2b3c4d;
      at += view.getUint32(at + 4, little);
      ends.add(at);
    }
    return ends;
  }
  const little = view.getUint32(0, true) >>> 16 === 0xa1b2;
  for (let at = 24; at <= bytes.length; at += 16 + view.getUint32(at + 8, little)) {
    ends.add(at);
    if (at === bytes.length) break;
  }
  return ends;
}
