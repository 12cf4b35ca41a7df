/**
 * Record data (RDATA) by type. The types this codec knows get a shape of
 * their own; any other type keeps its RDATA as raw bytes, so it is written
 * back exactly (RFC 3597).
 *
 * - A, AAAA: address text (AAAA in RFC 5952's canonical form).
 * - NS, CNAME, PTR: a name. MX: `{ preference, exchange }`. SOA: `{ mname,
 *   rname, serial, refresh, retry, expire, minimum }`. These are the RFC 1035
 *   types whose names may be compressed.
 * - SRV: `{ priority, weight, port, target }`; its target is never compressed
 *   (RFC 2782).
 * - TXT: the character-strings as a list of Uint8Array, because TXT holds
 *   arbitrary bytes that no text decoding would keep; encode also takes
 *   strings, written as UTF-8.
 * - CAA: `{ flags, tag, value }` (RFC 8659), tag and value as text of one
 *   character per byte (Latin-1), so any bytes round-trip.
 */
import { ipv4ToString, ipv4ToUint32, writeIpv4 } from './address.js';
import { DecodeError } from './decode-error.js';
import type { NameReader, NameWriter } from './dns-name.js';

export interface MxData {
  readonly preference: number;
  readonly exchange: string;
}

export interface SoaData {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

export interface SrvData {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

export interface CaaData {
  readonly flags: number;
  readonly tag: string;
  readonly value: string;
}

export type TxtData = readonly (Uint8Array | string)[];

export type DnsRecordData = string | MxData | SoaData | SrvData | CaaData | TxtData | Uint8Array;

export const RdataType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, CAA: 257 } as const;

function shape(at: number, what: string): never {
  throw new DecodeError('dns', at, `rdata does not match its type: ${what}`);
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Reads a name that must end exactly at `end`, the end of its RDATA. */
function nameTo(reader: NameReader, at: number, end: number, type: string): string {
  const name = reader.read(at, end);
  if (reader.pos !== end) shape(reader.pos, `${type} name leaves ${end - reader.pos} bytes of rdata unread`);
  return name;
}

/** Decodes the RDATA of a record of type `type` lying at [at, at + length). */
export function decodeRdata(reader: NameReader, type: number, at: number, length: number): DnsRecordData {
  const b = reader.bytes;
  const end = at + length;
  switch (type) {
    case RdataType.A:
      if (length !== 4) shape(at, `A needs 4 bytes, has ${length}`);
      return ipv4ToString(b, at);
    case RdataType.AAAA:
      if (length !== 16) shape(at, `AAAA needs 16 bytes, has ${length}`);
      return ipv6ToString(b, at);
    case RdataType.NS:
      return nameTo(reader, at, end, 'NS');
    case RdataType.CNAME:
      return nameTo(reader, at, end, 'CNAME');
    case RdataType.PTR:
      return nameTo(reader, at, end, 'PTR');
    case RdataType.MX:
      if (length < 3) shape(at, `MX needs at least 3 bytes, has ${length}`);
      return { preference: (b[at] << 8) | b[at + 1], exchange: nameTo(reader, at + 2, end, 'MX') };
    case RdataType.SOA: {
      const mname = reader.read(at, end);
      const rname = reader.read(reader.pos, end);
      const i = reader.pos;
      if (end - i !== 20) shape(i, `SOA needs 20 bytes after its names, has ${end - i}`);
      return { mname, rname, serial: u32(b, i), refresh: u32(b, i + 4), retry: u32(b, i + 8), expire: u32(b, i + 12), minimum: u32(b, i + 16) };
    }
    case RdataType.SRV:
      if (length < 7) shape(at, `SRV needs at least 7 bytes, has ${length}`);
      return { priority: (b[at] << 8) | b[at + 1], weight: (b[at + 2] << 8) | b[at + 3], port: (b[at + 4] << 8) | b[at + 5], target: nameTo(reader, at + 6, end, 'SRV') };
    case RdataType.TXT: {
      const strings: Uint8Array[] = [];
      let i = at;
      while (i < end) {
        const n = b[i];
        if (i + 1 + n > end) shape(i, `TXT string of ${n} bytes runs past its rdata`);
        strings.push(b.subarray(i + 1, i + 1 + n));
        i += 1 + n;
      }
      return strings;
    }
    case RdataType.CAA: {
      if (length < 2) shape(at, `CAA needs at least 2 bytes, has ${length}`);
      const tagLength = b[at + 1];
      if (at + 2 + tagLength > end) shape(at + 1, `CAA tag of ${tagLength} bytes runs past its rdata`);
      return { flags: b[at], tag: latin1(b, at + 2, at + 2 + tagLength), value: latin1(b, at + 2 + tagLength, end) };
    }
    default:
      return b.subarray(at, end);
  }
}

function wrong(type: string, data: unknown): never {
  throw new TypeError(`${type} record data has the wrong shape: ${typeof data === 'object' ? JSON.stringify(data) : String(data)}`);
}

// A Uint8Array store keeps the low 8 bits of any number, so no mask is needed:
// without one these stay small enough to be inlined wherever they are called.
export function putU16(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v >>> 8;
  buf[pos + 1] = v;
}

export function putU32(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v >>> 24;
  buf[pos + 1] = v >>> 16;
  buf[pos + 2] = v >>> 8;
  buf[pos + 3] = v;
}

function putLatin1(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new TypeError(`CAA text holds a character above U+00FF: ${JSON.stringify(s)}`);
    buf[pos++] = c;
  }
  return pos;
}

const utf8 = new TextEncoder();

/** Copies `bytes` at `pos` if they fit; past the end, only the position moves, and the caller reports the overflow. */
export function putBytes(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  if (pos + bytes.length <= buf.length) buf.set(bytes, pos);
  return pos + bytes.length;
}

// Addresses parsed lately, by their text: a server answers from the same
// records again and again, and parsing the text costs as much as the rest of
// the record's encoding. A slot is picked by the length and the last three
// characters; a hit needs the very same text, and only text that the strict
// parser took is kept.
const ADDRESS_SLOTS = 64;
const addressText: (string | null)[] = new Array<string | null>(ADDRESS_SLOTS).fill(null);
const addressValue = new Uint32Array(ADDRESS_SLOTS);
const SHORTEST_ADDRESS = '0.0.0.0'.length;

function writeA(buf: Uint8Array, pos: number, text: string): void {
  const n = text.length;
  const slot = n < SHORTEST_ADDRESS ? 0 : (n * 7 + text.charCodeAt(n - 1) * 5 + text.charCodeAt(n - 2) * 3 + text.charCodeAt(n - 3)) & (ADDRESS_SLOTS - 1);
  putU32(buf, pos, addressText[slot] === text ? addressValue[slot] : parseAddress(text, slot));
}

/** Parses the address with the strict parser, which throws on anything malformed, and keeps it in `slot`. */
function parseAddress(text: string, slot: number): number {
  const address = ipv4ToUint32(text);
  addressText[slot] = text;
  addressValue[slot] = address;
  return address;
}

/** Writes RDATA for `type` at `pos` and returns where it ends. */
export function encodeRdata(writer: NameWriter, buf: Uint8Array, pos: number, type: number, data: DnsRecordData): number {
  // Answers are mostly addresses; this much is small enough to be inlined, the switch is not.
  if (type === RdataType.A && typeof data === 'string') {
    writeA(buf, pos, data);
    return pos + 4;
  }
  return encodeShaped(writer, buf, pos, type, data);
}

function encodeShaped(writer: NameWriter, buf: Uint8Array, pos: number, type: number, data: DnsRecordData): number {
  switch (type) {
    case RdataType.A:
      // Text was written before the switch.
      return wrong('A', data);
    case RdataType.AAAA:
      if (typeof data !== 'string') wrong('AAAA', data);
      writeIpv6(buf, pos, data);
      return pos + 16;
    case RdataType.NS:
    case RdataType.CNAME:
    case RdataType.PTR:
      if (typeof data !== 'string') wrong('name', data);
      return writer.write(buf, pos, data);
    case RdataType.MX: {
      const mx = data as MxData;
      if (typeof mx.exchange !== 'string') wrong('MX', data);
      putU16(buf, pos, mx.preference);
      return writer.write(buf, pos + 2, mx.exchange);
    }
    case RdataType.SOA: {
      const soa = data as SoaData;
      if (typeof soa.mname !== 'string' || typeof soa.rname !== 'string') wrong('SOA', data);
      pos = writer.write(buf, pos, soa.mname);
      pos = writer.write(buf, pos, soa.rname);
      putU32(buf, pos, soa.serial);
      putU32(buf, pos + 4, soa.refresh);
      putU32(buf, pos + 8, soa.retry);
      putU32(buf, pos + 12, soa.expire);
      putU32(buf, pos + 16, soa.minimum);
      return pos + 20;
    }
    case RdataType.SRV: {
      const srv = data as SrvData;
      if (typeof srv.target !== 'string') wrong('SRV', data);
      putU16(buf, pos, srv.priority);
      putU16(buf, pos + 2, srv.weight);
      putU16(buf, pos + 4, srv.port);
      return writer.write(buf, pos + 6, srv.target, false);
    }
    case RdataType.TXT: {
      if (!Array.isArray(data)) wrong('TXT', data);
      for (const item of data as TxtData) {
        const bytes = typeof item === 'string' ? utf8.encode(item) : item;
        if (!(bytes instanceof Uint8Array) || bytes.length > 255) wrong('TXT', item);
        buf[pos] = bytes.length;
        pos = putBytes(buf, pos + 1, bytes);
      }
      return pos;
    }
    case RdataType.CAA: {
      const caa = data as CaaData;
      if (typeof caa.tag !== 'string' || typeof caa.value !== 'string' || caa.tag.length > 255) wrong('CAA', data);
      buf[pos] = caa.flags;
      buf[pos + 1] = caa.tag.length;
      return putLatin1(buf, putLatin1(buf, pos + 2, caa.tag), caa.value);
    }
    default:
      if (!(data instanceof Uint8Array)) wrong(`type ${type}`, data);
      return putBytes(buf, pos, data);
  }
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
export function ipv6ToString(b: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  // RFC 5952 §5: an IPv4-mapped address keeps its dotted quad.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return `::ffff:${ipv4ToString(b, at + 12)}`;
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestAt < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestAt).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestAt + bestLength).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

function badIpv6(text: string): never {
  throw new TypeError(`invalid IPv6 address: ${JSON.stringify(text)}`);
}

function parseGroups(text: string, part: string, allowIpv4: boolean): number[] {
  if (part === '') return [];
  const pieces = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (allowIpv4 && i === pieces.length - 1 && piece.includes('.')) {
      const bytes = new Uint8Array(4);
      try {
        writeIpv4(bytes, 0, piece);
      } catch {
        badIpv6(text);
      }
      groups.push((bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3]);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) badIpv6(text);
      groups.push(parseInt(piece, 16));
    }
  }
  return groups;
}

/** Parses any RFC 4291 §2.2 text form and writes the 16 bytes at `pos`. */
export function writeIpv6(buf: Uint8Array, pos: number, text: string): void {
  const halves = text.split('::');
  if (halves.length > 2) badIpv6(text);
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(text, halves[0], false);
    const tail = parseGroups(text, halves[1], true);
    if (head.length + tail.length > 7) badIpv6(text);
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    groups = parseGroups(text, text, true);
    if (groups.length !== 8) badIpv6(text);
  }
  for (let i = 0; i < 8; i++) putU16(buf, pos + 2 * i, groups[i]);
}
