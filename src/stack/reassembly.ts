/**
 * Puts fragmented IPv4 datagrams back together (RFC 791 §3.2, RFC 815).
 * Fragments are keyed by source, destination, protocol and identification.
 * Memory is bounded twice: a cap on the bytes held across all datagrams and
 * a cap on fragments per datagram, so a flood of fragments that never
 * complete cannot grow it. A fragment that overlaps one already held,
 * other than an exact duplicate, discards its whole datagram, as RFC 5722
 * asks of IPv6 (overlaps are only ever an attack or a bug).
 */
import { concatBytes } from '../../codecs/bytes.js';
import { internetChecksum } from '../../codecs/checksum.js';
import { Ipv4Offsets } from '../../codecs/ipv4.js';

export interface ReassemblyLimits {
  /** How long a datagram may wait for its missing fragments; default 30 s, as Linux (RFC 791 suggests 15 s). */
  readonly timeoutNs?: number;
  /** Bytes of fragment data held across all datagrams; default 256 KiB. */
  readonly maxBufferedBytes?: number;
  /** Fragments held per datagram; default 64. */
  readonly maxFragmentsPerDatagram?: number;
}

export type ReassemblyDropReason = 'reassembly-overlap' | 'reassembly-overflow' | 'malformed';

export type ReassemblyResult =
  | { readonly kind: 'complete'; readonly key: string; readonly packet: Uint8Array }
  | { readonly kind: 'pending'; readonly key: string; readonly isNew: boolean }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'dropped'; readonly key: string; readonly reason: ReassemblyDropReason; readonly fragmentsDiscarded: number };

export interface ExpiredDatagram {
  readonly key: string;
  readonly fragments: number;
  /** The first fragment's header and first 8 data bytes, for ICMP Time Exceeded; absent when it never came. */
  readonly quote?: Uint8Array;
}

interface Piece {
  readonly offset: number;
  readonly data: Uint8Array;
}

interface Pending {
  readonly pieces: Piece[];
  firstHeader?: Uint8Array;
  /** Payload length, known once the fragment without More Fragments has come. */
  end?: number;
  bytes: number;
  readonly deadlineNs: number;
}

const MAX_PAYLOAD = 65535 - 20;

export class Reassembler {
  readonly timeoutNs: number;
  readonly maxBufferedBytes: number;
  readonly maxFragmentsPerDatagram: number;
  private readonly pending = new Map<string, Pending>();
  private buffered = 0;

  constructor(limits: ReassemblyLimits = {}) {
    this.timeoutNs = limits.timeoutNs ?? 30e9;
    this.maxBufferedBytes = limits.maxBufferedBytes ?? 256 * 1024;
    this.maxFragmentsPerDatagram = limits.maxFragmentsPerDatagram ?? 64;
  }

  /** Bytes of fragment data held now. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Datagrams waiting for fragments. */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Takes one fragment: `packet` is a checked IPv4 packet, exactly
   * totalLength long, with More Fragments set or a non-zero offset.
   * Fragment data is copied, since frames are edited in place elsewhere.
   */
  add(packet: Uint8Array, nowNs: number): ReassemblyResult {
    const headerLength = (packet[0] & 0x0f) << 2;
    const flags = (packet[Ipv4Offsets.flagsFragment] << 8) | packet[Ipv4Offsets.flagsFragment + 1];
    const offset = (flags & 0x1fff) << 3;
    const more = (flags & 0x2000) !== 0;
    const data = packet.subarray(headerLength);
    const key = keyOf(packet);
    const fragmentEnd = offset + data.length;
    if ((more && data.length % 8 !== 0) || fragmentEnd > MAX_PAYLOAD || (more && data.length === 0)) return this.discard(key, 'malformed');

    let entry = this.pending.get(key);
    const isNew = entry === undefined;
    if (entry === undefined) {
      entry = { pieces: [], bytes: 0, deadlineNs: nowNs + this.timeoutNs };
      this.pending.set(key, entry);
    }
    for (const piece of entry.pieces) {
      const pieceEnd = piece.offset + piece.data.length;
      if (fragmentEnd <= piece.offset || offset >= pieceEnd) continue;
      if (piece.offset === offset && piece.data.length === data.length && sameBytes(piece.data, data)) return { kind: 'duplicate' };
      return this.discard(key, 'reassembly-overlap');
    }
    if (!more) {
      if (entry.end !== undefined && entry.end !== fragmentEnd) return this.discard(key, 'reassembly-overlap');
      entry.end = fragmentEnd;
    }
    const end = entry.end;
    if (end !== undefined && (fragmentEnd > end || entry.pieces.some((p) => p.offset + p.data.length > end))) return this.discard(key, 'reassembly-overlap');
    if (entry.pieces.length >= this.maxFragmentsPerDatagram || this.buffered + data.length > this.maxBufferedBytes) {
      return this.discard(key, 'reassembly-overflow');
    }
    entry.pieces.push({ offset, data: data.slice() });
    entry.bytes += data.length;
    this.buffered += data.length;
    if (offset === 0) entry.firstHeader = packet.slice(0, headerLength);

    if (entry.end === undefined || entry.firstHeader === undefined || entry.bytes !== entry.end) return { kind: 'pending', key, isNew };
    // No overlaps are held, so bytes adding up to the end means every byte is there.
    this.forget(key, entry);
    return { kind: 'complete', key, packet: join(entry.firstHeader, entry.pieces, entry.end) };
  }

  /** Gives up on datagrams past their time and frees what they held. */
  expire(nowNs: number): ExpiredDatagram[] {
    const expired: ExpiredDatagram[] = [];
    for (const [key, entry] of this.pending) {
      if (nowNs < entry.deadlineNs) continue;
      this.forget(key, entry);
      const first = entry.pieces.find((p) => p.offset === 0);
      const quote = entry.firstHeader && first ? concatBytes([entry.firstHeader, first.data.subarray(0, 8)]) : undefined;
      expired.push({ key, fragments: entry.pieces.length, quote });
    }
    return expired;
  }

  private discard(key: string, reason: ReassemblyDropReason): ReassemblyResult {
    const entry = this.pending.get(key);
    if (entry) this.forget(key, entry);
    return { kind: 'dropped', key, reason, fragmentsDiscarded: (entry?.pieces.length ?? 0) + 1 };
  }

  private forget(key: string, entry: Pending): void {
    this.pending.delete(key);
    this.buffered -= entry.bytes;
  }
}

function keyOf(p: Uint8Array): string {
  const o = Ipv4Offsets;
  let key = '';
  for (let i = o.source; i < o.destination + 4; i++) key += p[i] + '.';
  return key + p[o.protocol] + '/' + ((p[o.identification] << 8) | p[o.identification + 1]);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The whole datagram: the first fragment's header, fixed up, then the data in order. */
function join(header: Uint8Array, pieces: readonly Piece[], end: number): Uint8Array {
  const out = new Uint8Array(header.length + end);
  out.set(header);
  for (const piece of pieces) out.set(piece.data, header.length + piece.offset);
  const total = out.length;
  out[Ipv4Offsets.totalLength] = total >>> 8;
  out[Ipv4Offsets.totalLength + 1] = total & 0xff;
  // Keep Don't Fragment (and the reserved bit); clear More Fragments and the offset.
  out[Ipv4Offsets.flagsFragment] &= 0xc0;
  out[Ipv4Offsets.flagsFragment + 1] = 0;
  out[Ipv4Offsets.checksum] = 0;
  out[Ipv4Offsets.checksum + 1] = 0;
  const sum = internetChecksum(out, 0, header.length);
  out[Ipv4Offsets.checksum] = sum >>> 8;
  out[Ipv4Offsets.checksum + 1] = sum & 0xff;
  return out;
}
