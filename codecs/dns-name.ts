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

function escapedLength(c: number): number {
  if (!needsEscape(c)) return 1;
  return c === DOT || c === BACKSLASH ? 2 : 4;
}

// The text of runs of labels read before, by their wire bytes: a direct-mapped
// cache kept across messages, since the same names come back again and again.
// A run is at most 254 bytes (a whole name less its root label).
const RUN_SLOTS = 512;
const RUN_ROOM = 256;
// Each run's bytes are kept as big-endian words, compared four bytes at a time.
const RUN_WORDS = RUN_ROOM / 4;
const runKey = new Int32Array(RUN_SLOTS * RUN_WORDS);
const runLength = new Uint16Array(RUN_SLOTS);
const runHash = new Int32Array(RUN_SLOTS);
const runEscaped = new Uint8Array(RUN_SLOTS);
const runValue: string[] = new Array<string>(RUN_SLOTS).fill('');
const runChars = new Uint8Array(RUN_ROOM);
// Whether the run whose text was asked for last holds a byte written escaped.
let lastRunEscaped = false;

/** The text of the labels in b[from, to), whose labels hash to `h` (the cache checks every byte). */
function runText(b: Uint8Array, from: number, to: number, h: number): string {
  const n = to - from;
  const slot = (h ^ (h >>> 16)) & (RUN_SLOTS - 1);
  const key = slot * RUN_WORDS;
  if (runHash[slot] === h && runLength[slot] === n && sameRun(b, from, n, key)) {
    lastRunEscaped = runEscaped[slot] === 1;
    return runValue[slot];
  }
  const text = labelsText(b, from, to);
  keepRun(b, from, n, key);
  runHash[slot] = h;
  runLength[slot] = n;
  runEscaped[slot] = lastRunEscaped ? 1 : 0;
  runValue[slot] = text;
  return text;
}

/** Whether b[from, from + n) holds the run kept at `key`, as many bytes long. */
function sameRun(b: Uint8Array, from: number, n: number, key: number): boolean {
  let i = 0;
  let k = key;
  for (; i + 4 <= n; i += 4) if (wordAt(b, from + i) !== runKey[k++]) return false;
  return i === n || tailAt(b, from + i, n - i) === runKey[k];
}

function keepRun(b: Uint8Array, from: number, n: number, key: number): void {
  let i = 0;
  let k = key;
  for (; i + 4 <= n; i += 4) runKey[k++] = wordAt(b, from + i);
  if (i < n) runKey[k] = tailAt(b, from + i, n - i);
}

function wordAt(b: Uint8Array, p: number): number {
  return (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
}

/** The last one to three bytes of a run, as one word. */
function tailAt(b: Uint8Array, p: number, n: number): number {
  let w = 0;
  for (let i = 0; i < n; i++) w = (w << 8) | b[p + i];
  return w;
}

/** Builds the text of the labels in b[from, to): in one piece when no byte needs escaping. */
function labelsText(b: Uint8Array, from: number, to: number): string {
  let plain = true;
  let n = 0;
  for (let i = from; i < to; i += b[i] + 1) {
    if (i > from) runChars[n++] = DOT;
    for (let j = i + 1; j <= i + b[i]; j++) {
      const c = b[j];
      runChars[n++] = c;
      if (needsEscape(c)) plain = false;
    }
  }
  lastRunEscaped = !plain;
  if (plain) return String.fromCharCode.apply(null, runChars.subarray(0, n) as unknown as number[]);
  let text = '';
  for (let i = from; i < to; i += b[i] + 1) {
    if (i > from) text += '.';
    for (let j = i + 1; j <= i + b[i]; j++) text += needsEscape(b[j]) ? escaped(b[j]) : String.fromCharCode(b[j]);
  }
  return text;
}

// The labels read so far in the current message, by offset from its start,
// so that a pointer to one reuses its text instead of reading it again
// (a response's names mostly point at the question's). Stamps tell this
// message's entries from stale ones without clearing the table.
const CACHE_SPAN = 0x4000;
const labelStamp = new Uint32Array(CACHE_SPAN);
const labelName = new Uint16Array(CACHE_SPAN);
const labelChar = new Uint16Array(CACHE_SPAN);
const labelWireBefore = new Uint8Array(CACHE_SPAN);
const nameText: string[] = [];
const nameWire = new Uint16Array(CACHE_SPAN);
const nameJumps = new Uint8Array(CACHE_SPAN);
// Where each kept name's own labels lie. They go in the label table only
// when a pointer looks there, so a message without pointers (most queries)
// never fills it; names below `indexed` are in.
const nameAt = new Uint32Array(CACHE_SPAN);
const nameOwnEnd = new Uint32Array(CACHE_SPAN);
const nameEscaped = new Uint8Array(CACHE_SPAN);
let names = 0;
let indexed = 0;
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
  bytes: Uint8Array;
  start: number;
  end: number;
  pointers: DnsPointer[] | null;
  private stamp = 0;

  constructor(bytes: Uint8Array, start: number, end: number, pointers: DnsPointer[] | null = null) {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.pointers = pointers;
    this.begin(bytes, start, end, pointers);
  }

  /** Starts on another message, so that a decoder can keep one reader rather than make one per message. */
  begin(bytes: Uint8Array, start: number, end: number, pointers: DnsPointer[] | null): void {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.pointers = pointers;
    this.pos = 0;
    generation = (generation + 1) >>> 0;
    if (generation === 0) {
      labelStamp.fill(0);
      generation = 1;
    }
    this.stamp = generation;
    names = 0;
    indexed = 0;
  }

  /** Reads the name at `at`, whose own bytes must lie before `limit` (an rdata's end, say). */
  read(at: number, limit = this.end): string {
    const b = this.bytes;
    let p = at;
    let runStart = at;
    let stop = limit;
    let jumps = 0;
    let wire = 1;
    let ownEnd = at;
    let ownEscaped = false;
    let text = '';
    let tail: string | null = null;
    for (;;) {
      // A run of labels, up to the root label or a pointer.
      let h = 0;
      let len = 0;
      for (;;) {
        if (p >= stop) throw new DecodeError('dns', p, 'name runs past the end of its data', 1, 0);
        len = b[p];
        if (len === 0 || len >= 0xc0) break;
        if (len > MAX_LABEL_LENGTH) throw new DecodeError('dns', p, `label length ${len} is longer than ${MAX_LABEL_LENGTH}`);
        const to = p + 1 + len;
        if (wire + len + 1 > MAX_NAME_LENGTH) throw new DecodeError('dns', p, `name is longer than ${MAX_NAME_LENGTH} bytes`);
        if (to > stop) throw new DecodeError('dns', p + 1, 'label runs past the end of its data', len, stop - p - 1);
        wire += len + 1;
        // Each label's length, first and last byte: enough to tell names apart, without a step per byte.
        h = Math.imul(h ^ ((len << 16) | (b[p + 1] << 8) | b[to - 1]), 0x01000193);
        p = to;
      }
      if (p > runStart) {
        const run = runText(b, runStart, p, h);
        text = text === '' ? run : `${text}.${run}`;
        if (jumps === 0) {
          ownEnd = p;
          ownEscaped = lastRunEscaped;
        }
      }
      if (len === 0) {
        if (jumps === 0) this.pos = p + 1;
        break;
      }
      if (p + 2 > stop) throw new DecodeError('dns', p, 'compression pointer runs past the end of its data', 2, stop - p);
      const target = ((len & 0x3f) << 8) | b[p + 1];
      const absolute = this.start + target;
      if (absolute > p) throw new DecodeError('dns', p, `forward compression pointer to offset ${target}`);
      if (absolute === p) throw new DecodeError('dns', p, `compression pointer loop: pointer to itself at offset ${target}`);
      if (absolute >= runStart) throw new DecodeError('dns', p, `compression pointer loop: offset ${target} is inside the labels it came from`);
      if (++jumps > MAX_POINTER_JUMPS) throw new DecodeError('dns', p, `too many compression jumps (more than ${MAX_POINTER_JUMPS})`);
      if (jumps === 1) {
        this.pos = p + 2;
        this.pointers?.push({ offset: p - this.start, target });
      }
      if (indexed < names) this.index();
      if (labelStamp[target] === this.stamp) {
        const n = labelName[target];
        jumps += nameJumps[n];
        if (jumps > MAX_POINTER_JUMPS) throw new DecodeError('dns', p, `too many compression jumps (more than ${MAX_POINTER_JUMPS})`);
        wire += nameWire[n] - labelWireBefore[target] - 1;
        if (wire > MAX_NAME_LENGTH) throw new DecodeError('dns', p, `name is longer than ${MAX_NAME_LENGTH} bytes`);
        const c = labelChar[target];
        tail = c === 0 ? nameText[n] : nameText[n].slice(c);
        break;
      }
      p = absolute;
      runStart = absolute;
      stop = this.end;
    }
    if (tail !== null) text = text === '' ? tail : `${text}.${tail}`;
    else if (text === '') text = '.';
    if (ownEnd > at) this.keep(at, ownEnd, ownEscaped, text, wire, jumps);
    return text;
  }

  /** Lets later pointers to the labels in [at, ownEnd), those the name holds itself, reuse its text; only a name read whole gets here. */
  private keep(at: number, ownEnd: number, escapes: boolean, text: string, wire: number, jumps: number): void {
    if (names >= CACHE_SPAN) return;
    const n = names++;
    nameText[n] = text;
    nameWire[n] = wire;
    nameJumps[n] = jumps;
    nameAt[n] = at;
    nameOwnEnd[n] = ownEnd;
    nameEscaped[n] = escapes ? 1 : 0;
  }

  /** Puts the labels of the names kept since the last look in the label table, in the order they were read. */
  private index(): void {
    const b = this.bytes;
    for (; indexed < names; indexed++) {
      const n = indexed;
      const at = nameAt[n];
      const ownEnd = nameOwnEnd[n];
      let char = 0;
      for (let q = at; q < ownEnd; q += b[q] + 1) {
        const offset = q - this.start;
        if (offset >= CACHE_SPAN) break;
        labelStamp[offset] = this.stamp;
        labelName[offset] = n;
        labelChar[offset] = char;
        labelWireBefore[offset] = q - at;
        if (nameEscaped[n] === 0) {
          char += b[q] + 1;
        } else {
          for (let j = q + 1; j <= q + b[q]; j++) char += escapedLength(b[j]);
          char++;
        }
      }
    }
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

/** A name's uncompressed wire form, worked out once from its text and kept for the next time it is written. */
class WireName {
  constructor(
    /** The labels and the root label. */
    readonly wire: Uint8Array,
    /** Where each label, and so each suffix, starts in `wire`. */
    readonly labelAt: Uint8Array,
    /** A hash of each suffix's wire bytes, to find it in a message's compression table. */
    readonly suffixHash: Int32Array,
    /** `wire` four bytes at a time, big-endian, for word stores. */
    readonly words: Int32Array,
  ) {}
}

function wordsOf(wire: Uint8Array): Int32Array {
  const words = new Int32Array(wire.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = (wire[4 * i] << 24) | (wire[4 * i + 1] << 16) | (wire[4 * i + 2] << 8) | wire[4 * i + 3];
  return words;
}

// A view of the buffer written last: encoders write into the same buffer call after call.
let viewedBuffer: Uint8Array = new Uint8Array(0);
let view: DataView = new DataView(viewedBuffer.buffer);

function viewOf(buf: Uint8Array): DataView {
  return buf === viewedBuffer ? view : newView(buf);
}

function newView(buf: Uint8Array): DataView {
  view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  viewedBuffer = buf;
  return view;
}

/**
 * Copies the first `length` bytes of `w`'s wire form to `pos`. Word stores
 * took half the time of a byte loop (measured); past the end of `buf` only
 * the byte loop runs, whose stores the typed array drops.
 */
function copyWire(buf: Uint8Array, pos: number, w: WireName, length: number): void {
  const wire = w.wire;
  let j = 0;
  if (pos + length <= buf.length) {
    const v = viewOf(buf);
    const words = w.words;
    for (; j + 4 <= length; j += 4) v.setInt32(pos + j, words[j >>> 2]);
  }
  for (; j < length; j++) buf[pos + j] = wire[j];
}

// Room for any text: bytes past a name's 255 are dropped, and the length check that follows refuses the name.
const parsedWire = new Uint8Array(MAX_NAME_LENGTH + 1);
const parsedLabelAt = new Uint8Array(MAX_NAME_LENGTH + 1);

function parseName(name: string): WireName {
  let n = name.length;
  if (n === 0 || (n === 1 && name.charCodeAt(0) === DOT)) return new WireName(Uint8Array.of(0), new Uint8Array(0), new Int32Array(0), new Int32Array(0));
  if (name.charCodeAt(n - 1) === DOT && !endsEscaped(name, n - 1)) n--;
  const buf = parsedWire;
  // Without escapes, labels are plain runs between dots, copied without a test per character.
  const plain = name.indexOf('\\') < 0;
  let pos = 0;
  let labels = 0;
  let i = 0;
  while (i < n) {
    const lengthAt = pos++;
    parsedLabelAt[labels++] = lengthAt;
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
  if (pos > MAX_NAME_LENGTH) invalid(name, `longer than ${MAX_NAME_LENGTH} bytes`);
  const wire = buf.slice(0, pos);
  const labelAt = parsedLabelAt.slice(0, labels);
  // Hashed from the right, so one pass gives every suffix its hash.
  const suffixHash = new Int32Array(labels);
  let h = 0;
  let k = labels - 1;
  for (let j = pos - 1; j >= 0; j--) {
    h = Math.imul(h ^ wire[j], 0x01000193);
    if (j === labelAt[k]) suffixHash[k--] = h ^ (h >>> 15);
  }
  return new WireName(wire, labelAt, suffixHash, wordsOf(wire));
}

// Names seen lately, by text. Dropped whole when full: a run writes few distinct names, and a stale one costs only a parse.
const MAX_CACHED_NAMES = 1024;
const wireNames = new Map<string, WireName>();

// The name looked up last: a message mostly repeats its question's name, and === on the same string is free.
let lastName = '.';
let lastWire = parseName('.');

// Small, so that it inlines where names are written; the lookup proper is not.
function wireName(name: string): WireName {
  return name === lastName ? lastWire : lookUpWire(name);
}

function lookUpWire(name: string): WireName {
  let w = wireNames.get(name);
  if (w === undefined) {
    w = parseName(name);
    if (wireNames.size >= MAX_CACHED_NAMES) wireNames.clear();
    wireNames.set(name, w);
  }
  lastName = name;
  lastWire = w;
  return w;
}

function foundTargets(pointers: readonly DnsPointer[] | undefined): Map<number, number> | null {
  if (pointers === undefined || pointers.length === 0) return null;
  const found = new Map<number, number>();
  for (const ptr of pointers) found.set(ptr.offset, ptr.target);
  return found;
}

function putPointer(buf: Uint8Array, pos: number, target: number): number {
  buf[pos] = 0xc0 | (target >>> 8);
  buf[pos + 1] = target & 0xff;
  return pos + 2;
}

function sameSuffix(a: WireName, ka: number, b: WireName, kb: number): boolean {
  if (a === b) return ka === kb;
  const aw = a.wire;
  const bw = b.wire;
  const af = a.labelAt[ka];
  const bf = b.labelAt[kb];
  const length = aw.length - af;
  if (bw.length - bf !== length) return false;
  for (let i = 0; i < length; i++) if (aw[af + i] !== bw[bf + i]) return false;
  return true;
}

/**
 * Writes names into one message and remembers where each suffix went, so
 * that later names can point at it. Suffixes are found by the hash of their
 * wire bytes in an open-addressing table that is kept from message to
 * message and emptied by a new stamp rather than cleared; a pointer goes
 * only to a suffix whose bytes are the same.
 */
export class NameWriter {
  private mode = NONE;
  private start = 0;
  private count = 0;
  private stamp = 0;
  private slotStamp = new Uint32Array(64);
  private slotEntry = new Int32Array(64);
  private readonly entryHash: number[] = [];
  private readonly entryName: WireName[] = [];
  private readonly entryLabel: number[] = [];
  private readonly entryOffset: number[] = [];
  private found: Map<number, number> | null = null;
  // Names written since the table was last brought up to date: their suffixes go in only when a later name looks,
  // so that a message with one name (most queries) never fills the table.
  private pending = 0;
  private readonly pendingName: WireName[] = [];
  private readonly pendingAt: number[] = [];
  private readonly pendingLabels: number[] = [];

  reset(start: number, compression: CompressionMode, pointers?: readonly DnsPointer[]): void {
    this.start = start;
    this.count = 0;
    this.pending = 0;
    this.mode = compression === 'as-found' ? AS_FOUND : compression ? COMPRESS : NONE;
    this.found = this.mode === AS_FOUND ? foundTargets(pointers) : null;
  }

  /**
   * Writes `name` at `pos` and returns where it ends. `compressible` is
   * false for names that RFC 3597 §4 forbids compressing (SRV and later types);
   * those neither point nor are pointed at, unless kept as found.
   */
  write(buf: Uint8Array, pos: number, name: string, compressible = true): number {
    const w = wireName(name);
    if (this.mode === COMPRESS && compressible) {
      // Most messages hold one name, written whole and then repeated: both need no table.
      if (this.pending === 0 && this.count === 0) return this.writeFirst(buf, pos, w);
      if (this.pending === 1 && this.pendingName[0] === w && this.pendingAt[0] <= 0x3fff) return putPointer(buf, pos, this.pendingAt[0]);
    }
    return this.writeAny(buf, pos, w, compressible);
  }

  /** The first name of a message that compresses: written whole, and kept aside until a later name looks for a suffix. */
  private writeFirst(buf: Uint8Array, pos: number, w: WireName): number {
    const labels = w.labelAt.length;
    if (labels > 0) {
      this.pendingName[0] = w;
      this.pendingAt[0] = pos - this.start;
      this.pendingLabels[0] = labels;
      this.pending = 1;
    }
    const length = w.wire.length;
    copyWire(buf, pos, w, length);
    return pos + length;
  }

  private writeAny(buf: Uint8Array, pos: number, w: WireName, compressible: boolean): number {
    const wire = w.wire;
    const labelAt = w.labelAt;
    const labels = labelAt.length;
    let end = wire.length;
    let k = 0;
    let target = -1;
    if (this.mode === AS_FOUND || (this.mode === COMPRESS && compressible)) {
      const at = pos - this.start;
      if (this.pending > 0) {
        target = this.mode === COMPRESS ? this.pendingCopy(w) : -1;
        if (target < 0) this.catchUp();
      }
      if (target < 0) {
        if (this.count > 0) {
          for (; k < labels; k++) {
            target = this.find(w, k, at + labelAt[k]);
            if (target >= 0) break;
          }
        } else {
          k = labels;
        }
        if (k > 0) {
          const p = this.pending++;
          this.pendingName[p] = w;
          this.pendingAt[p] = at;
          this.pendingLabels[p] = k;
        }
      }
      if (target >= 0) end = labelAt[k];
    }
    copyWire(buf, pos, w, end);
    return target < 0 ? pos + end : putPointer(buf, pos + end, target);
  }

  /** The offset of a suffix written earlier with the same bytes as suffix `k` of `w`, about to go at `at`, or -1. */
  private find(w: WireName, k: number, at: number): number {
    let want = -1;
    if (this.mode === AS_FOUND) {
      const target = this.found?.get(at);
      if (target === undefined) return -1;
      want = target;
    }
    const h = w.suffixHash[k];
    const mask = this.slotStamp.length - 1;
    for (let s = h & mask; this.slotStamp[s] === this.stamp; s = (s + 1) & mask) {
      const e = this.slotEntry[s];
      if (this.entryHash[e] !== h || (want >= 0 && this.entryOffset[e] !== want)) continue;
      if (sameSuffix(this.entryName[e], this.entryLabel[e], w, k)) return this.entryOffset[e];
    }
    return -1;
  }

  /**
   * Where the same name was written lately in full, or -1: a response's
   * answers mostly repeat its question, and then the table is not needed.
   */
  private pendingCopy(w: WireName): number {
    for (let p = 0; p < this.pending; p++) if (this.pendingName[p] === w && this.pendingAt[p] <= 0x3fff) return this.pendingAt[p];
    return -1;
  }

  /** Puts the suffixes of the names written since the last look into the table. */
  private catchUp(): void {
    for (let p = 0; p < this.pending; p++) {
      const w = this.pendingName[p];
      const at = this.pendingAt[p];
      for (let k = 0; k < this.pendingLabels[p]; k++) this.remember(w, k, at + w.labelAt[k]);
    }
    this.pending = 0;
  }

  private remember(w: WireName, k: number, at: number): void {
    if (at > 0x3fff) return;
    if (this.count === 0) this.newTable();
    else if (2 * (this.count + 1) > this.slotStamp.length) this.grow();
    const e = this.count++;
    const h = w.suffixHash[k];
    this.entryHash[e] = h;
    this.entryName[e] = w;
    this.entryLabel[e] = k;
    this.entryOffset[e] = at;
    this.place(e, h);
  }

  /** Empties the table for a new message, by a new stamp; done when the message's first suffix goes in, so that a message that fills none pays nothing. */
  private newTable(): void {
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.slotStamp.fill(0);
      this.stamp = 1;
    }
  }

  private place(e: number, h: number): void {
    const mask = this.slotStamp.length - 1;
    let s = h & mask;
    while (this.slotStamp[s] === this.stamp) s = (s + 1) & mask;
    this.slotStamp[s] = this.stamp;
    this.slotEntry[s] = e;
  }

  private grow(): void {
    this.slotStamp = new Uint32Array(this.slotStamp.length * 2);
    this.slotEntry = new Int32Array(this.slotStamp.length);
    for (let e = 0; e < this.count; e++) this.place(e, this.entryHash[e]);
  }
}

function endsEscaped(name: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && name.charCodeAt(i) === BACKSLASH; i--) backslashes++;
  return backslashes % 2 === 1;
}
