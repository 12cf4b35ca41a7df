/**
 * TLS's presentation language (RFC 8446 §3) as a bounded cursor for reading
 * and a writer for encoding. Every vector is read as a child cursor that must
 * be used up exactly, so a vector that overruns its parent or leaves a byte
 * behind is a DecodeError, and nothing is allocated from a length on the wire
 * before the bytes it names are known to be present.
 */
import { DecodeError } from '../decode-error.js';

export const TLS_LAYER = 'tls';

export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(reason: string, need = 0, have = 0, at = this.pos): never {
    throw new DecodeError(TLS_LAYER, at, reason, need, have);
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) this.fail(`truncated ${what}`, n, this.end - this.pos);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  u16(what: string): number {
    this.need(2, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  u24(what: string): number {
    this.need(3, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  /** A view of the next `n` bytes, never a copy. */
  view(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  rest(): Uint8Array {
    return this.view(this.end - this.pos, 'rest');
  }

  /** A child cursor over a vector with a `prefix`-byte length, bounded by RFC 8446's floor and ceiling. */
  vector(prefix: 1 | 2 | 3, what: string, min = 0, max = Infinity): Reader {
    const at = this.pos;
    const length = prefix === 1 ? this.u8(`${what} length`) : prefix === 2 ? this.u16(`${what} length`) : this.u24(`${what} length`);
    if (length < min || length > max) this.fail(`${what} length ${length} outside ${min}..${max}`, 0, 0, at);
    if (length > this.end - this.pos) this.fail(`${what} overruns its parent`, length, this.end - this.pos);
    const child = new Reader(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return child;
  }

  opaque(prefix: 1 | 2 | 3, what: string, min = 0, max = Infinity): Uint8Array {
    const v = this.vector(prefix, what, min, max);
    return v.bytes.subarray(v.pos, v.end);
  }

  /** Fixed-size items filling a vector exactly: `size` must divide its length. */
  uints(prefix: 1 | 2, size: 1 | 2, what: string, min = 0, max = Infinity): number[] {
    const v = this.vector(prefix, what, min, max);
    if (v.remaining % size !== 0) this.fail(`${what} length ${v.remaining} is not a multiple of ${size}`, 0, 0, v.pos);
    const out: number[] = [];
    while (v.remaining > 0) out.push(size === 1 ? v.u8(what) : v.u16(what));
    return out;
  }

  /** Latin-1 text, one character per byte, so that any bytes come back unchanged. */
  text(prefix: 1 | 2, what: string, min = 0, max = Infinity): string {
    return latin1(this.opaque(prefix, what, min, max));
  }

  done(what: string): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} bytes left over in ${what}`);
  }
}

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * Writes into a buffer, or, given none, only counts: encodingLength and
 * encodeInto share one code path, so they cannot disagree.
 */
export class Writer {
  constructor(
    readonly buf: Uint8Array | null,
    public pos = 0,
  ) {}

  static measure(): Writer {
    return new Writer(null);
  }

  u8(v: number): void {
    if (this.buf) this.buf[this.pos] = v;
    this.pos += 1;
  }

  u16(v: number): void {
    if (this.buf) {
      this.buf[this.pos] = v >>> 8;
      this.buf[this.pos + 1] = v;
    }
    this.pos += 2;
  }

  u24(v: number): void {
    if (this.buf) {
      this.buf[this.pos] = v >>> 16;
      this.buf[this.pos + 1] = v >>> 8;
      this.buf[this.pos + 2] = v;
    }
    this.pos += 3;
  }

  u32(v: number): void {
    if (this.buf) {
      this.buf[this.pos] = v >>> 24;
      this.buf[this.pos + 1] = v >>> 16;
      this.buf[this.pos + 2] = v >>> 8;
      this.buf[this.pos + 3] = v;
    }
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    if (this.buf) this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  text(s: string): void {
    if (this.buf) for (let i = 0; i < s.length; i++) this.buf[this.pos + i] = s.charCodeAt(i);
    this.pos += s.length;
  }

  /** Writes a `prefix`-byte length around what `body` writes. */
  vector(prefix: 1 | 2 | 3, body: () => void): void {
    const at = this.pos;
    this.pos += prefix;
    body();
    const length = this.pos - at - prefix;
    if (length >= 2 ** (8 * prefix)) throw new RangeError(`tls: a vector of ${length} bytes does not fit a ${prefix}-byte length`);
    if (!this.buf) return;
    for (let i = prefix - 1, v = length; i >= 0; i--, v >>>= 8) this.buf[at + i] = v & 0xff;
  }

  opaque(prefix: 1 | 2 | 3, b: Uint8Array): void {
    this.vector(prefix, () => this.bytes(b));
  }

  uints(prefix: 1 | 2, size: 1 | 2, values: readonly number[]): void {
    this.vector(prefix, () => {
      for (const v of values) size === 1 ? this.u8(v) : this.u16(v);
    });
  }
}

/** Runs `write` once to count and once to write: the shape every TLS encoder shares. */
export function encodeWith(write: (w: Writer) => void): Uint8Array {
  const m = Writer.measure();
  write(m);
  const out = new Uint8Array(m.pos);
  write(new Writer(out));
  return out;
}

export function encodeIntoWith(buf: Uint8Array, offset: number, what: string, write: (w: Writer) => void): number {
  const m = Writer.measure();
  write(m);
  if (buf.length - offset < m.pos) throw new RangeError(`tls: ${what} of ${m.pos} bytes does not fit at offset ${offset}`);
  const w = new Writer(buf, offset);
  write(w);
  return w.pos - offset;
}

export function measureWith(write: (w: Writer) => void): number {
  const m = Writer.measure();
  write(m);
  return m.pos;
}
