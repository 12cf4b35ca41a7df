/**
 * Domain names (RFC 1035 §3.1, §4.1.4) between wire labels and text.
 *
 * Text is the zone-file form: labels joined by dots, the root written ".",
 * case kept. A label byte that would be ambiguous or unprintable is escaped
 * the way RFC 1035 §5.1 does it: `\.` and `\\` for a dot and a backslash
 * inside a label, `\DDD` (three decimal digits) for bytes outside 0x21–0x7e.
 * So every label, even one holding dots or NULs, reads back byte for byte.
 *
 * Compression pointers are followed backwards only: every jump must land
 * before the labels read so far, so a chain always ends, and a pointer that
 * goes forward or into itself is refused with a reason that says which.
 */
import { DecodeError } from './decode-error.js';

export const MAX_LABEL_LENGTH = 63;
/** Wire length of a whole name, length octets and the root included (RFC 1035 §2.3.4). */
export const MAX_NAME_LENGTH = 255;
/** A legal name needs at most 127 jumps (each jump lands on a label of at least one byte). */
export const MAX_POINTER_JUMPS = 127;

/** Where a compression pointer sat and where it pointed, both counted from the message start. */
export interface DnsPointer {
  readonly offset: number;
  readonly target: number;
}

const DOT = 0x2e;
const BACKSLASH = 0x5c;

function needsEscape(c: number): boolean {
  return c <= 0x20 || c >= 0x7f || c === DOT || c === BACKSLASH;
}

function escaped(c: number): string {
  if (c === DOT) return '\\.';
  if (c === BACKSLASH) return '\\\\';
  return c < 10 ? `\\00${c}` : c < 100 ? `\\0${c}` : `\\${c}`;
}

// The labels read so far in the current message, by offset from its start,
// so that a pointer to one reuses its text instead of reading it again
// (a response's names mostly point at the question's). Stamps tell this
// message's entries from stale ones without clearing the table.
const CACHE_SPAN = 0x4000;
const cacheStamp = new Uint32Array(CACHE_SPAN);
const cacheEntry = new Uint32Array(CACHE_SPAN);
const entryStamp: number[] = [];
const entryName: string[] = [];
const entryChar: number[] = [];
const entryWire: number[] = [];
const entryJumps: number[] = [];
let entries = 0;
let generation = 0;

/**
 * Reads names out of one message. `start` is where the message begins (the
 * origin of pointers) and `end` where it stops. When `pointers` is set, every
 * pointer met in a name's own bytes is recorded there, so that an encoder can
 * put the same pointers back. One reader serves one message at a time.
 */
export class NameReader {
  /** Where the last name read ends in the buffer (after its pointer, or its root label). */
  pos = 0;
  private readonly stamp: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly end: number,
    readonly pointers: DnsPointer[] | null = null,
  ) {
    generation = (generation + 1) >>> 0;
    if (generation === 0) {
      cacheStamp.fill(0);
      generation = 1;
    }
    this.stamp = generation;
    entries = 0;
  }

  /** Reads the name at `at`, whose own bytes must lie before `limit` (an rdata's end, say). */
  read(at: number, limit = this.end): string {
    const b = this.bytes;
    const stamp = this.stamp;
    const firstEntry = entries;
    let p = at;
    let segmentStart = at;
    let stop = limit;
    let jumps = 0;
    let wire = 1;
    let text = '';
    let tail: string | null = null;
    for (;;) {
      if (p >= stop) throw new DecodeError('dns', p, 'name runs past the end of its data', 1, 0);
      const len = b[p];
      if (len === 0) {
        if (jumps === 0) this.pos = p + 1;
        break;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (p + 2 > stop) throw new DecodeError('dns', p, 'compression pointer runs past the end of its data', 2, stop - p);
        const target = ((len & 0x3f) << 8) | b[p + 1];
        const absolute = this.start + target;
        if (absolute > p) throw new DecodeError('dns', p, `forward compression pointer to offset ${target}`);
        if (absolute === p) throw new DecodeError('dns', p, `compression pointer loop: pointer to itself at offset ${target}`);
        if (absolute >= segmentStart) throw new DecodeError('dns', p, `compression pointer loop: offset ${target} is inside the labels it came from`);
        if (++jumps > MAX_POINTER_JUMPS) throw new DecodeError('dns', p, `too many compression jumps (more than ${MAX_POINTER_JUMPS})`);
        if (jumps === 1) {
          this.pos = p + 2;
          this.pointers?.push({ offset: p - this.start, target });
        }
        if (cacheStamp[target] === stamp) {
          const e = cacheEntry[target];
          if (entryStamp[e] === stamp) {
            jumps += entryJumps[e];
            if (jumps > MAX_POINTER_JUMPS) throw new DecodeError('dns', p, `too many compression jumps (more than ${MAX_POINTER_JUMPS})`);
            wire += entryWire[e] - 1;
            if (wire > MAX_NAME_LENGTH) throw new DecodeError('dns', p, `name is longer than ${MAX_NAME_LENGTH} bytes`);
            tail = entryChar[e] === 0 ? entryName[e] : entryName[e].slice(entryChar[e]);
            break;
          }
        }
        p = absolute;
        segmentStart = absolute;
        stop = this.end;
        continue;
      }
      if (kind !== 0) throw new DecodeError('dns', p, `label length ${len} is longer than ${MAX_LABEL_LENGTH}`);
      const from = p + 1;
      const to = from + len;
      if (wire + len + 1 > MAX_NAME_LENGTH) throw new DecodeError('dns', p, `name is longer than ${MAX_NAME_LENGTH} bytes`);
      if (to > stop) throw new DecodeError('dns', from, 'label runs past the end of its data', len, stop - from);
      if (text !== '') text += '.';
      const offset = p - this.start;
      if (jumps === 0 && offset < CACHE_SPAN) {
        const e = entries++;
        cacheStamp[offset] = stamp;
        cacheEntry[offset] = e;
        // Usable only once the name is whole (below), so that a name cut short by an error leaves nothing behind.
        entryStamp[e] = 0;
        entryChar[e] = text.length;
        entryWire[e] = wire - 1;
      }
      wire += len + 1;
      for (let i = from; i < to; i++) {
        const c = b[i];
        text += needsEscape(c) ? escaped(c) : String.fromCharCode(c);
      }
      p = to;
    }
    if (tail !== null) text = text === '' ? tail : `${text}.${tail}`;
    else if (text === '') text = '.';
    for (let e = firstEntry; e < entries; e++) {
      entryStamp[e] = stamp;
      entryName[e] = text;
      entryWire[e] = wire - entryWire[e];
      entryJumps[e] = jumps;
    }
    return text;
  }
}

/** Decodes one name; `length` is how many bytes it takes at `offset` (a pointer counts 2). */
export function decodeName(bytes: Uint8Array, offset = 0, messageStart = 0, end = bytes.length): { name: string; length: number } {
  const reader = new NameReader(bytes, messageStart, end);
  const name = reader.read(offset);
  return { name, length: reader.pos - offset };
}

const NONE = 0;
const COMPRESS = 1;
const AS_FOUND = 2;

/** How names are written: plainly, compressed, or with the pointers a decoded message came with. */
export type CompressionMode = boolean | 'as-found';

function invalid(name: string, why: string): never {
  throw new TypeError(`invalid DNS name ${JSON.stringify(name)}: ${why}`);
}

/**
 * Writes names into one message and remembers where each suffix went, so
 * that later names can point at it. The table is a pair of arrays kept from
 * call to call and compared by string: a message holds few names, and a
 * Map per message cost more than the scan (measured).
 */
export class NameWriter {
  private mode = NONE;
  private start = 0;
  private count = 0;
  // A suffix is kept as the name it came from and where in that text it starts: no substring per label.
  private readonly names: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private found: Map<number, number> | null = null;

  reset(start: number, compression: CompressionMode, pointers?: readonly DnsPointer[]): void {
    this.start = start;
    this.count = 0;
    this.mode = compression === 'as-found' ? AS_FOUND : compression ? COMPRESS : NONE;
    this.found = null;
    if (this.mode === AS_FOUND && pointers && pointers.length > 0) {
      this.found = new Map();
      for (const ptr of pointers) this.found.set(ptr.offset, ptr.target);
    }
  }

  /**
   * Writes `name` at `pos` and returns where it ends. `compressible` is
   * false for names that RFC 3597 §4 forbids compressing (SRV and later types);
   * those neither point nor are pointed at, unless kept as found.
   */
  write(buf: Uint8Array, pos: number, name: string, compressible = true): number {
    let n = name.length;
    if (n === 0 || (n === 1 && name.charCodeAt(0) === DOT)) {
      buf[pos] = 0;
      return pos + 1;
    }
    if (name.charCodeAt(n - 1) === DOT && !endsEscaped(name, n - 1)) n--;
    const first = pos;
    // Without escapes, labels are plain runs between dots, copied without a test per character.
    const plain = name.indexOf('\\') < 0;
    const useTable = this.mode === AS_FOUND || (this.mode === COMPRESS && compressible);
    let i = 0;
    while (i < n) {
      if (useTable) {
        const entry = this.lookup(name, i, n, pos - this.start);
        if (entry >= 0) {
          const target = this.offsets[entry];
          buf[pos] = 0xc0 | (target >>> 8);
          buf[pos + 1] = target & 0xff;
          const tail = this.lengths[entry];
          if (pos - first + tail > MAX_NAME_LENGTH) invalid(name, `longer than ${MAX_NAME_LENGTH} bytes`);
          this.settleLengths(pos - this.start, tail);
          this.remember(name, i, n, pos - this.start, tail);
          return pos + 2;
        }
        this.remember(name, i, n, pos - this.start, -1);
      }
      const lengthAt = pos++;
      let dotted = false;
      if (plain) {
        let end = name.indexOf('.', i);
        if (end < 0 || end > n) end = n;
        let all = 0;
        for (; i < end; i++) {
          const c = name.charCodeAt(i);
          all |= c;
          buf[pos++] = c;
        }
        if (all > 255) invalid(name, 'a character above U+00FF (use \\DDD for bytes)');
        dotted = end < n;
        i = end + 1;
      }
      while (!plain && i < n) {
        let c = name.charCodeAt(i++);
        if (c === DOT) {
          dotted = true;
          break;
        }
        if (c === BACKSLASH) {
          if (i >= n) invalid(name, 'ends in a lone backslash');
          c = name.charCodeAt(i++);
          if (c >= 48 && c <= 57) {
            const d2 = name.charCodeAt(i) - 48;
            const d3 = name.charCodeAt(i + 1) - 48;
            if (!(d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9)) invalid(name, '\\DDD needs three digits');
            c = (c - 48) * 100 + d2 * 10 + d3;
            if (c > 255) invalid(name, '\\DDD above 255');
            i += 2;
          }
        }
        if (c > 255) invalid(name, 'a character above U+00FF (use \\DDD for bytes)');
        buf[pos++] = c;
      }
      const len = pos - lengthAt - 1;
      if (len === 0 || (dotted && i >= n)) invalid(name, 'empty label');
      if (len > MAX_LABEL_LENGTH) invalid(name, `label longer than ${MAX_LABEL_LENGTH} bytes`);
      buf[lengthAt] = len;
    }
    buf[pos++] = 0;
    if (pos - first > MAX_NAME_LENGTH) invalid(name, `longer than ${MAX_NAME_LENGTH} bytes`);
    if (useTable) this.settleLengths(pos - 1 - this.start, 1);
    return pos;
  }

  /** The table entry to point at for the suffix name[from, to) written at `at`, or -1. */
  private lookup(name: string, from: number, to: number, at: number): number {
    let want = -1;
    if (this.mode === AS_FOUND) {
      const target = this.found?.get(at);
      if (target === undefined) return -1;
      want = target;
    }
    const length = to - from;
    for (let k = 0; k < this.count; k++) {
      if (this.ends[k] - this.starts[k] !== length || this.lengths[k] < 0 || (want >= 0 && this.offsets[k] !== want)) continue;
      if (sameText(this.names[k], this.starts[k], name, from, length)) return k;
    }
    return -1;
  }

  private remember(name: string, from: number, to: number, at: number, wireLength: number): void {
    if (at > 0x3fff) return;
    const k = this.count++;
    this.names[k] = name;
    this.starts[k] = from;
    this.ends[k] = to;
    this.offsets[k] = at;
    this.lengths[k] = wireLength;
  }

  /**
   * The suffixes just written as labels learn their uncompressed wire length
   * once the name ends, at `tailAt`, in a root label or a pointer whose
   * suffix is `tailLength` bytes long.
   */
  private settleLengths(tailAt: number, tailLength: number): void {
    for (let k = this.count - 1; k >= 0 && this.lengths[k] < 0; k--) this.lengths[k] = tailAt - this.offsets[k] + tailLength;
  }
}

function sameText(a: string, aFrom: number, b: string, bFrom: number, length: number): boolean {
  if (a === b && aFrom === bFrom) return true;
  for (let i = 0; i < length; i++) if (a.charCodeAt(aFrom + i) !== b.charCodeAt(bFrom + i)) return false;
  return true;
}

function endsEscaped(name: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && name.charCodeAt(i) === BACKSLASH; i--) backslashes++;
  return backslashes % 2 === 1;
}
