/**
 * DNS messages (RFC 1035 §4), over UDP and over TCP (RFC 1035 §4.2.2,
 * RFC 7766), with EDNS(0) (RFC 6891).
 *
 * Records are `{ name, type, class, ttl, data }` with `type` and `class`
 * given by mnemonic when known (dns-types.ts) and `data` shaped by type
 * (dns-rdata.ts). The OPT pseudo-record is not a record of that shape: its
 * CLASS is the requestor's UDP payload size and its TTL holds the extended
 * RCODE, the EDNS version and the DO bit, so it decodes to
 * `{ name, type: 'OPT', udpPayloadSize, extendedRcode, version, do, z, options }`,
 * `z` being the 15 flag bits after DO and `options` the `{ code, data }`
 * pairs of its RDATA.
 *
 * Byte-exact re-encoding: decode records, in `pointers`, every compression
 * pointer that it met in the message's names, as `{ offset, target }` from
 * the message start. Encoding with `compress: 'as-found'` writes a pointer
 * exactly where one was found, provided that its target holds, in the
 * message being written, the same suffix; everywhere else it writes labels.
 * A decoded well-formed message thus re-encodes byte for byte, and an edited
 * one still encodes correctly. `compress: true` (the default) compresses
 * afresh, every name in the RFC 1035 types included; `false` never does.
 *
 * DNS has no length field of its own to craft: counts and RDLENGTH are
 * always written from what the message holds, whatever the options say.
 */
import * as BL from 'buffer-layout';
import type { Decoded, EncodeOptions } from './codec.js';
import { decoded } from './codec.js';
import { DecodeError, requireBytes } from './decode-error.js';
import { type CompressionMode, type DnsPointer, NameReader, NameWriter } from './dns-name.js';
import { type DnsRecordData, decodeRdata, encodeRdata, putBytes, putU16, putU32 } from './dns-rdata.js';
import { type DnsClass, type DnsType, className, classNumber, typeName, typeNumber } from './dns-types.js';

export interface DnsFlags {
  /** Response (true) or query. */
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly z: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  readonly rcode: number;
}

export interface DnsQuestion {
  readonly name: string;
  readonly type: DnsType;
  readonly class: DnsClass;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: DnsType;
  readonly class: DnsClass;
  readonly ttl: number;
  readonly data: DnsRecordData;
}

export interface EdnsOption {
  readonly code: number;
  readonly data: Uint8Array;
}

export interface DnsOptRecord {
  readonly name: string;
  readonly type: 'OPT';
  readonly udpPayloadSize: number;
  readonly extendedRcode: number;
  readonly version: number;
  /** DNSSEC OK (RFC 3225). */
  readonly do: boolean;
  /** The other 15 flag bits, kept so that they are written back. */
  readonly z: number;
  readonly options: readonly EdnsOption[];
}

export type DnsResourceRecord = DnsRecord | DnsOptRecord;

export interface DnsMessage {
  readonly id: number;
  readonly flags: DnsFlags;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsResourceRecord[];
  readonly authorities: readonly DnsResourceRecord[];
  readonly additionals: readonly DnsResourceRecord[];
  /** The compression pointers decode found, for `compress: 'as-found'`. */
  readonly pointers?: readonly DnsPointer[];
}

export interface DnsEncodeOptions extends EncodeOptions {
  /** true (default): compress names; false: never; 'as-found': put back the message's own `pointers`. */
  readonly compress?: CompressionMode;
}

export const DNS_HEADER_LENGTH = 12;
export const DNS_PORT = 53;
const OPT = 41;

export const DnsOffsets = { id: 0, flags: 2, qdcount: 4, ancount: 6, nscount: 8, arcount: 10 } as const;

/** The fixed header, declared once: the spec and the tests' oracle. */
export const dnsHeaderLayout = (() => {
  const flags = BL.bits(BL.u16be(), true, 'flags');
  flags.addBoolean('qr');
  flags.addField(4, 'opcode');
  flags.addBoolean('aa');
  flags.addBoolean('tc');
  flags.addBoolean('rd');
  flags.addBoolean('ra');
  flags.addBoolean('z');
  flags.addBoolean('ad');
  flags.addBoolean('cd');
  flags.addField(4, 'rcode');
  return BL.struct([BL.u16be('id'), flags, BL.u16be('qdcount'), BL.u16be('ancount'), BL.u16be('nscount'), BL.u16be('arcount')]);
})();

export function isOptRecord(record: DnsResourceRecord): record is DnsOptRecord {
  return record.type === 'OPT';
}

function decodeFlags(f: number): DnsFlags {
  return {
    qr: (f & 0x8000) !== 0,
    opcode: (f >>> 11) & 0xf,
    aa: (f & 0x0400) !== 0,
    tc: (f & 0x0200) !== 0,
    rd: (f & 0x0100) !== 0,
    ra: (f & 0x0080) !== 0,
    z: (f & 0x0040) !== 0,
    ad: (f & 0x0020) !== 0,
    cd: (f & 0x0010) !== 0,
    rcode: f & 0xf,
  };
}

function encodeFlags(f: DnsFlags): number {
  return (
    (f.qr ? 0x8000 : 0) |
    ((f.opcode & 0xf) << 11) |
    (f.aa ? 0x0400 : 0) |
    (f.tc ? 0x0200 : 0) |
    (f.rd ? 0x0100 : 0) |
    (f.ra ? 0x0080 : 0) |
    (f.z ? 0x0040 : 0) |
    (f.ad ? 0x0020 : 0) |
    (f.cd ? 0x0010 : 0) |
    (f.rcode & 0xf)
  );
}

function decodeOptions(b: Uint8Array, at: number, end: number): EdnsOption[] {
  const options: EdnsOption[] = [];
  let i = at;
  while (i < end) {
    if (end - i < 4) throw new DecodeError('dns', i, 'rdata does not match its type: OPT option header runs past its rdata', 4, end - i);
    const length = (b[i + 2] << 8) | b[i + 3];
    if (i + 4 + length > end) throw new DecodeError('dns', i, `rdata does not match its type: OPT option of ${length} bytes runs past its rdata`, length, end - i - 4);
    options.push({ code: (b[i] << 8) | b[i + 1], data: b.subarray(i + 4, i + 4 + length) });
    i += 4 + length;
  }
  return options;
}

/**
 * Reads `count` records from `reader.pos`, growing the list only as records
 * are really there. The list starts as a literal of the first record: a push
 * onto an empty array would first allocate room for 17.
 */
function decodeRecords(reader: NameReader, count: number, section: string): DnsResourceRecord[] {
  const records = [decodeRecord(reader, count, 0, section)];
  for (let n = 1; n < count; n++) records.push(decodeRecord(reader, count, n, section));
  return records;
}

/** Reads record `n` of a section of `count`. */
function decodeRecord(reader: NameReader, count: number, n: number, section: string): DnsResourceRecord {
  const b = reader.bytes;
  const end = reader.end;
  const at = reader.pos;
  if (at >= end) throw new DecodeError('dns', at, `${section} count ${count} is larger than the ${n} records present`);
  const name = reader.read(at);
  const p = reader.pos;
  requireBytes(b, p, 10, 'dns', 'resource record', end);
  const type = (b[p] << 8) | b[p + 1];
  const klass = (b[p + 2] << 8) | b[p + 3];
  const rdlength = (b[p + 8] << 8) | b[p + 9];
  const rdata = p + 10;
  if (rdata + rdlength > end) throw new DecodeError('dns', p + 8, `rdata length ${rdlength} runs past the message`, rdlength, end - rdata);
  let record: DnsResourceRecord;
  if (type === OPT) {
    record = {
      name,
      type: 'OPT',
      udpPayloadSize: klass,
      extendedRcode: b[p + 4],
      version: b[p + 5],
      do: (b[p + 6] & 0x80) !== 0,
      z: ((b[p + 6] & 0x7f) << 8) | b[p + 7],
      options: decodeOptions(b, rdata, rdata + rdlength),
    };
  } else {
    const ttl = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
    record = { name, type: typeName(type), class: className(klass), ttl, data: decodeRdata(reader, type, rdata, rdlength) };
  }
  reader.pos = rdata + rdlength;
  return record;
}

function decodeQuestion(reader: NameReader, count: number, n: number): DnsQuestion {
  const b = reader.bytes;
  const at = reader.pos;
  if (at >= reader.end) throw new DecodeError('dns', at, `question count ${count} is larger than the ${n} questions present`);
  const name = reader.read(at);
  const p = reader.pos;
  requireBytes(b, p, 4, 'dns', 'question', reader.end);
  reader.pos = p + 4;
  return { name, type: typeName((b[p] << 8) | b[p + 1]), class: className((b[p + 2] << 8) | b[p + 3]) };
}

function decodeQuestions(reader: NameReader, count: number): DnsQuestion[] {
  const questions = [decodeQuestion(reader, count, 0)];
  for (let n = 1; n < count; n++) questions.push(decodeQuestion(reader, count, n));
  return questions;
}

const reader = new NameReader(new Uint8Array(0), 0, 0);

/**
 * Decodes the message in [offset, offset + length). Bytes after its last
 * record are the payload (none, in a well-formed message).
 */
export function decode(bytes: Uint8Array, offset = 0, length = bytes.length - offset): Decoded<DnsMessage> {
  const end = offset + length;
  if (offset < 0 || length < 0 || end > bytes.length) throw new DecodeError('dns', offset, 'message runs past the buffer', length, Math.max(0, bytes.length - offset));
  requireBytes(bytes, offset, DNS_HEADER_LENGTH, 'dns', 'header', end);
  const b = bytes;
  const qdcount = (b[offset + 4] << 8) | b[offset + 5];
  const pointers: DnsPointer[] = [];
  reader.begin(bytes, offset, end, pointers);
  reader.pos = offset + DNS_HEADER_LENGTH;
  // Empty sections, most of them, need no call.
  const questions = qdcount === 0 ? [] : decodeQuestions(reader, qdcount);
  const ancount = (b[offset + 6] << 8) | b[offset + 7];
  const answers = ancount === 0 ? [] : decodeRecords(reader, ancount, 'answer');
  const nscount = (b[offset + 8] << 8) | b[offset + 9];
  const authorities = nscount === 0 ? [] : decodeRecords(reader, nscount, 'authority');
  const arcount = (b[offset + 10] << 8) | b[offset + 11];
  const additionals = arcount === 0 ? [] : decodeRecords(reader, arcount, 'additional');
  const header: DnsMessage = {
    id: (b[offset] << 8) | b[offset + 1],
    flags: decodeFlags((b[offset + 2] << 8) | b[offset + 3]),
    questions,
    answers,
    authorities,
    additionals,
    pointers,
  };
  const stop = reader.pos;
  return decoded(bytes, header, stop - offset, stop, end - stop);
}

const writer = new NameWriter();

function tooMany(what: string, count: number): never {
  throw new TypeError(`too many ${what} for one DNS message: ${count}`);
}

function writeRecords(buf: Uint8Array, pos: number, records: readonly DnsResourceRecord[]): number {
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    pos = writer.write(buf, pos, r.name);
    if (r.type === 'OPT') {
      pos = writeOpt(buf, pos, r as DnsOptRecord);
      continue;
    }
    const rr = r as DnsRecord;
    const type = typeNumber(rr.type);
    putU32(buf, pos, (type << 16) | classNumber(rr.class));
    putU32(buf, pos + 4, rr.ttl);
    const rdata = pos + 10;
    pos = encodeRdata(writer, buf, rdata, type, rr.data);
    putRdlength(buf, rdata, pos);
  }
  return pos;
}

function writeOpt(buf: Uint8Array, pos: number, opt: DnsOptRecord): number {
  putU16(buf, pos, OPT);
  putU16(buf, pos + 2, opt.udpPayloadSize);
  buf[pos + 4] = opt.extendedRcode;
  buf[pos + 5] = opt.version;
  putU16(buf, pos + 6, (opt.do ? 0x8000 : 0) | (opt.z & 0x7fff));
  const rdata = pos + 10;
  let end = rdata;
  for (const o of opt.options) {
    putU16(buf, end, o.code);
    putU16(buf, end + 2, o.data.length);
    end = putBytes(buf, end + 4, o.data);
  }
  putRdlength(buf, rdata, end);
  return end;
}

function putRdlength(buf: Uint8Array, rdata: number, end: number): void {
  const length = end - rdata;
  if (length > 0xffff) rdataTooLong(length);
  putU16(buf, rdata - 2, length);
}

function rdataTooLong(length: number): never {
  throw new TypeError(`rdata of ${length} bytes is longer than 65535`);
}

/**
 * Writes the message at `offset` and returns where it ends. Writes past the
 * end of `buf` are dropped by the typed array while the position still
 * moves on, so the caller learns the true length and reports the overflow.
 */
function write(buf: Uint8Array, offset: number, m: DnsMessage, options: DnsEncodeOptions | undefined): number {
  const { questions, answers, authorities, additionals } = m;
  writer.reset(offset, options?.compress ?? true, m.pointers);
  const flags = encodeFlags(m.flags);
  if (questions.length > 0xffff) tooMany('questions', questions.length);
  if (answers.length > 0xffff) tooMany('answers', answers.length);
  if (authorities.length > 0xffff) tooMany('authorities', authorities.length);
  if (additionals.length > 0xffff) tooMany('additionals', additionals.length);
  // The header's stores are written out here, not through putU16: what this
  // function may inline is limited, and is better spent on writing names.
  const id = m.id;
  buf[offset] = id >>> 8;
  buf[offset + 1] = id;
  buf[offset + 2] = flags >>> 8;
  buf[offset + 3] = flags;
  buf[offset + 4] = questions.length >>> 8;
  buf[offset + 5] = questions.length;
  buf[offset + 6] = answers.length >>> 8;
  buf[offset + 7] = answers.length;
  buf[offset + 8] = authorities.length >>> 8;
  buf[offset + 9] = authorities.length;
  buf[offset + 10] = additionals.length >>> 8;
  buf[offset + 11] = additionals.length;
  let pos = offset + DNS_HEADER_LENGTH;
  for (let i = 0; i < questions.length; i++) {
    const q = questions[i];
    pos = writer.write(buf, pos, q.name);
    const type = typeNumber(q.type);
    putU32(buf, pos, (type << 16) | classNumber(q.class));
    pos += 4;
  }
  // Most messages leave sections empty: no call for those.
  if (answers.length > 0) pos = writeRecords(buf, pos, answers);
  if (authorities.length > 0) pos = writeRecords(buf, pos, authorities);
  return additionals.length > 0 ? writeRecords(buf, pos, additionals) : pos;
}

// Room for the largest message a TCP length prefix can describe.
const scratch = new Uint8Array(0x10000);

export function encodingLength(message: DnsMessage, options?: DnsEncodeOptions): number {
  return write(scratch, 0, message, options);
}

function doesNotFit(length: number, offset: number): never {
  throw new RangeError(`dns: ${length} bytes do not fit at offset ${offset}`);
}

/** Writes the message at `offset` and returns the bytes written; throws RangeError if `buf` is too short. */
export function encodeInto(buf: Uint8Array, offset: number, message: DnsMessage, options?: DnsEncodeOptions): number {
  const end = write(buf, offset, message, options);
  if (end > buf.length) doesNotFit(end - offset, offset);
  return end - offset;
}

export function encode(message: DnsMessage, options?: DnsEncodeOptions): Uint8Array {
  const length = write(scratch, 0, message, options);
  if (length <= scratch.length) return scratch.slice(0, length);
  const out = new Uint8Array(length);
  write(out, 0, message, options);
  return out;
}

/** The message with RFC 1035 §4.2.2's 2-byte length prefix, as sent over TCP. */
export function encodeTcp(message: DnsMessage, options?: DnsEncodeOptions): Uint8Array {
  const length = write(scratch, 0, message, options);
  if (length > 0xffff) throw new RangeError(`dns: a ${length}-byte message does not fit a TCP length prefix`);
  const out = new Uint8Array(2 + length);
  putU16(out, 0, length);
  out.set(scratch.subarray(0, length), 2);
  return out;
}

/**
 * Decodes one length-prefixed message at `offset`. `headerLength` counts
 * the prefix; the payload is what the prefix covers after the last record.
 */
export function decodeTcp(bytes: Uint8Array, offset = 0): Decoded<DnsMessage> {
  requireBytes(bytes, offset, 2, 'dns', 'TCP length prefix');
  const length = (bytes[offset] << 8) | bytes[offset + 1];
  requireBytes(bytes, offset + 2, length, 'dns', 'message after its TCP length prefix');
  const d = decode(bytes, offset + 2, length);
  return decoded(bytes, d.header, d.headerLength + 2, d.payloadOffset, d.payloadLength);
}

/**
 * Reassembles length-prefixed messages from a TCP byte stream fed in pieces
 * of any size. Each message is decoded from its own copy, because the
 * stream's buffer is reused.
 */
export class DnsTcpStream {
  private buf = new Uint8Array(512);
  private start = 0;
  private end = 0;

  /** Bytes received and not yet given out as a message. */
  get pending(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      // Move what is pending to the front, into a larger buffer if it still does not fit.
      const pending = this.end - this.start;
      if (pending + chunk.length > this.buf.length) {
        const next = new Uint8Array((pending + chunk.length) * 2);
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      } else {
        this.buf.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = pending;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /**
   * The next whole message, or undefined until more bytes come. A message
   * that does not decode is consumed and its DecodeError thrown, so the
   * stream carries on with the next one.
   */
  next(): DnsMessage | undefined {
    if (this.end - this.start < 2) return undefined;
    const length = (this.buf[this.start] << 8) | this.buf[this.start + 1];
    if (this.end - this.start < 2 + length) return undefined;
    const bytes = this.buf.slice(this.start + 2, this.start + 2 + length);
    this.start += 2 + length;
    return decode(bytes).header;
  }

  /** Every whole message received so far. */
  *messages(): Generator<DnsMessage> {
    for (let m = this.next(); m !== undefined; m = this.next()) yield m;
  }
}

/** DNS as a layer of a dissected frame: over TCP, `tcpLength` is the length prefix as found. */
export interface DnsLayerHeader extends DnsMessage {
  readonly tcpLength?: number;
}
