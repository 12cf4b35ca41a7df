/**
 * The TLS record layer (RFC 8446 §5.1): a content type, the legacy version
 * and a 2-byte length, then the fragment. A handshake record whose fragment
 * holds whole messages also gets them decoded; one that carries part of a
 * message split across records does not (HandshakeReassembler joins those).
 */
import * as BL from 'buffer-layout';
import { type Decoded, type EncodeOptions, decoded, fixLengths } from '../codec.js';
import { type Alert, decodeAlert, encodeAlertInto } from './alert.js';
import { type HandshakeDecodeOptions, type HandshakeMessage, decodeHandshakeMessages, writeHandshakeMessages } from './handshake.js';
import { ContentTypeNames } from './names.js';
import { Reader, type Writer, encodeIntoWith, encodeWith, measureWith } from './wire.js';

export type ContentTypeName = (typeof ContentTypeNames)[keyof typeof ContentTypeNames];

export interface TlsRecord {
  readonly contentType: ContentTypeName | number;
  /** legacy_record_version, kept as it was on the wire. */
  readonly version: number;
  readonly length: number;
  /** The handshake messages of a handshake record that holds only whole messages. */
  readonly messages?: readonly HandshakeMessage[];
  /** The alert of a 2-byte alert record. */
  readonly alert?: Alert;
  /** A view of the fragment's bytes. */
  readonly fragment: Uint8Array;
}

/** What encode takes: a record whose length fixLengths computes and whose body may be given as messages or an alert. */
export type TlsRecordInit = Omit<TlsRecord, 'length' | 'fragment'> & { readonly length?: number; readonly fragment?: Uint8Array };

export interface RecordDecodeOptions extends HandshakeDecodeOptions {
  /** Decode the messages of handshake records and the alert of alert records. Default true. */
  readonly messages?: boolean;
}

export const TLS_RECORD_HEADER_LENGTH = 5;
/** RFC 8446 §5.2: a TLSCiphertext fragment is at most 2^14 + 256 bytes; nothing longer is a record. */
export const TLS_MAX_RECORD_LENGTH = 2 ** 14 + 256;

export const TlsRecordOffsets = { contentType: 0, version: 1, length: 3, fragment: 5 } as const;

export const ContentType = { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23, heartbeat: 24 } as const;

/** The record header, declared once: the spec and the tests' oracle. */
export const tlsRecordLayout = BL.struct<{ contentType: number; version: number; length: number }>([
  BL.u8('contentType'),
  BL.u16be('version'),
  BL.u16be('length'),
]);

/** The handshake message header, declared once: the spec and the tests' oracle. */
export const handshakeHeaderLayout = BL.struct<{ msgType: number; length: number }>([BL.u8('msgType'), BL.u24be('length')]);

/** True when the fragment is a run of whole handshake messages, ending exactly at its end. */
function holdsWholeMessages(b: Uint8Array, start: number, end: number): boolean {
  let at = start;
  while (end - at >= 4) at += 4 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
  return at === end;
}

function readHeader(r: Reader): { type: number; version: number; length: number } {
  const at = r.pos;
  const type = r.u8('record content type');
  const version = r.u16('record version');
  const length = r.u16('record length');
  if (length > TLS_MAX_RECORD_LENGTH) r.fail(`record length ${length} exceeds ${TLS_MAX_RECORD_LENGTH}`, 0, 0, at + TlsRecordOffsets.length);
  return { type, version, length };
}

export function decodeRecord(bytes: Uint8Array, offset = 0, options?: RecordDecodeOptions, end = bytes.length): Decoded<TlsRecord> {
  const r = new Reader(bytes, offset, end);
  const { type, version, length } = readHeader(r);
  const fragmentOffset = r.pos;
  const fragment = r.view(length, 'record fragment');
  const contentType = ContentTypeNames[type as keyof typeof ContentTypeNames] ?? type;
  let record: TlsRecord = { contentType, version, length, fragment };
  if (options?.messages ?? true) {
    const fragmentEnd = fragmentOffset + length;
    if (type === ContentType.handshake && length > 0 && holdsWholeMessages(bytes, fragmentOffset, fragmentEnd)) {
      record = { contentType, version, length, messages: decodeHandshakeMessages(bytes, fragmentOffset, length, options), fragment };
    } else if (type === ContentType.alert && length === 2) {
      record = { contentType, version, length, alert: decodeAlert(bytes, fragmentOffset, fragmentEnd).header, fragment };
    }
  }
  return decoded(bytes, record, TLS_RECORD_HEADER_LENGTH, fragmentOffset, length);
}

/** A record cut off at the end of the bytes given: where it starts, what is there and what is still to come. */
export interface PartialRecord {
  readonly offset: number;
  readonly present: number;
  /** Bytes still missing; when even the header is cut, this counts only the rest of the header. */
  readonly missing: number;
}

export interface DecodedRecords {
  readonly records: TlsRecord[];
  /** Bytes taken by the complete records, from `offset`. */
  readonly used: number;
  readonly partial?: PartialRecord;
}

/** Decodes the complete records in `length` bytes from `offset` (a TCP segment or a stream) and says what remains. */
export function decodeRecords(bytes: Uint8Array, offset = 0, length = bytes.length - offset, options?: RecordDecodeOptions): DecodedRecords {
  const end = offset + length;
  const records: TlsRecord[] = [];
  let at = offset;
  while (at < end) {
    const present = end - at;
    if (present < TLS_RECORD_HEADER_LENGTH) return { records, used: at - offset, partial: { offset: at, present, missing: TLS_RECORD_HEADER_LENGTH - present } };
    const header = readHeader(new Reader(bytes, at, end));
    const total = TLS_RECORD_HEADER_LENGTH + header.length;
    if (present < total) return { records, used: at - offset, partial: { offset: at, present, missing: total - present } };
    records.push(decodeRecord(bytes, at, options, end).header);
    at += total;
  }
  return { records, used: at - offset };
}

function writeFragment(w: Writer, record: TlsRecordInit): void {
  if (record.messages) return writeHandshakeMessages(w, record.messages);
  if (record.alert) {
    if (w.buf) encodeAlertInto(w.buf, w.pos, record.alert);
    w.pos += 2;
    return;
  }
  w.bytes(record.fragment ?? new Uint8Array(0));
}

function writeRecord(w: Writer, record: TlsRecordInit, options: EncodeOptions | undefined): void {
  w.u8(typeof record.contentType === 'number' ? record.contentType : ContentType[record.contentType]);
  w.u16(record.version);
  if (fixLengths(options)) return w.vector(2, () => writeFragment(w, record));
  w.u16(record.length ?? 0);
  writeFragment(w, record);
}

/** The record's body comes from `messages`, else `alert`, else `fragment`; so a decoded record writes back byte for byte. */
export function recordEncodingLength(record: TlsRecordInit, options?: EncodeOptions): number {
  return measureWith((w) => writeRecord(w, record, options));
}

export function encodeRecordInto(buf: Uint8Array, offset: number, record: TlsRecordInit, options?: EncodeOptions): number {
  return encodeIntoWith(buf, offset, 'record', (w) => writeRecord(w, record, options));
}

export function encodeRecord(record: TlsRecordInit, options?: EncodeOptions): Uint8Array {
  return encodeWith((w) => writeRecord(w, record, options));
}

export function encodeRecords(records: readonly TlsRecordInit[], options?: EncodeOptions): Uint8Array {
  return encodeWith((w) => records.forEach((r) => writeRecord(w, r, options)));
}
