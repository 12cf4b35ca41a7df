/**
 * TCP options (RFC 9293 §3.1, RFC 7323, RFC 2018, RFC 7413): the list of
 * kind-length-value items between the fixed 20 bytes and the data offset.
 *
 * A known kind whose length is wrong for it (an MSS of 3 bytes, a SACK that is
 * not 2 + 8n bytes) is a DecodeError, not kept as unknown bytes: Wireshark
 * reports each of those as an error ("option length should be 4", or a
 * malformed packet), so a header carrying one is not a header we pass off as
 * well formed. Unknown kinds are kept whole, and the bytes after an EOL are
 * kept as its padding, so that every well-formed header re-encodes exactly.
 */
import { readUint32 } from './address.js';
import { DecodeError, requireBytes } from './decode-error.js';
import { writeUint32 } from './transport.js';

export interface SackBlock {
  readonly left: number;
  readonly right: number;
}

export type TcpOption =
  /** End of option list; `padding` holds the bytes after it up to the data offset, when any. */
  | { readonly kind: 'eol'; readonly padding?: Uint8Array }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly value: number }
  | { readonly kind: 'windowScale'; readonly shiftCount: number }
  | { readonly kind: 'sackPermitted' }
  | { readonly kind: 'sack'; readonly blocks: readonly SackBlock[] }
  | { readonly kind: 'timestamps'; readonly value: number; readonly echoReply: number }
  /** RFC 7413; an empty cookie is a cookie request. */
  | { readonly kind: 'fastOpen'; readonly cookie: Uint8Array }
  /** A kind this codec does not know: `data` is what follows the kind and length bytes. */
  | { readonly kind: number; readonly data: Uint8Array };

export const TcpOptionKind = {
  eol: 0,
  nop: 1,
  mss: 2,
  windowScale: 3,
  sackPermitted: 4,
  sack: 5,
  timestamps: 8,
  fastOpen: 34,
} as const;

/** The whole option length, kind and length bytes included, of the kinds whose size is fixed. */
const FIXED_LENGTH: Readonly<Record<number, number>> = { 2: 4, 3: 3, 4: 2, 8: 10 };

const NAMES: Readonly<Record<number, string>> = { 2: 'mss', 3: 'windowScale', 4: 'sackPermitted', 5: 'sack', 8: 'timestamps', 34: 'fastOpen' };

/** The most option bytes a header can carry: a data offset of 15 words less the fixed 20 bytes. */
export const TCP_MAX_OPTIONS_LENGTH = 40;

/** The bytes encodeOptions writes for `options`, before padding to a 32-bit boundary. */
export function optionsLength(options: readonly TcpOption[]): number {
  let length = 0;
  for (const option of options) length += optionLength(option);
  return length;
}

function optionLength(option: TcpOption): number {
  switch (option.kind) {
    case 'eol':
      return 1 + (option.padding?.length ?? 0);
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'windowScale':
      return 3;
    case 'sackPermitted':
      return 2;
    case 'sack':
      return 2 + 8 * option.blocks.length;
    case 'timestamps':
      return 10;
    case 'fastOpen':
      return 2 + option.cookie.length;
    default:
      return 2 + option.data.length;
  }
}

/**
 * Reads the options in bytes[offset, end). Throws a DecodeError that names
 * the option and its offset when one is cut short or has a length that its
 * kind does not allow.
 */
export function decodeOptions(bytes: Uint8Array, offset: number, end: number): TcpOption[] {
  if (offset < 0) throw new DecodeError('tcp', offset, 'options start before the buffer');
  requireBytes(bytes, offset, end - offset, 'tcp', 'options');
  const options: TcpOption[] = [];
  let i = offset;
  while (i < end) {
    const kind = bytes[i];
    if (kind === 0) {
      // Kept as a copy: the header may outlive a buffer that forwarding rewrites in place.
      options.push(i + 1 < end ? { kind: 'eol', padding: bytes.slice(i + 1, end) } : { kind: 'eol' });
      return options;
    }
    if (kind === 1) {
      options.push({ kind: 'nop' });
      i++;
      continue;
    }
    const name = NAMES[kind] ?? `kind ${kind}`;
    if (i + 1 >= end) throw new DecodeError('tcp', i, `${name} option has no length byte`, 2, end - i);
    const length = bytes[i + 1];
    if (length < 2) throw new DecodeError('tcp', i, `${name} option length ${length} is below 2`);
    if (i + length > end) throw new DecodeError('tcp', i, `${name} option runs past the header`, length, end - i);
    const fixed = FIXED_LENGTH[kind];
    if (fixed !== undefined && length !== fixed) throw new DecodeError('tcp', i, `${name} option length ${length}, should be ${fixed}`);
    options.push(decodeOption(bytes, i, kind, length, name));
    i += length;
  }
  return options;
}

function decodeOption(bytes: Uint8Array, at: number, kind: number, length: number, name: string): TcpOption {
  switch (kind) {
    case TcpOptionKind.mss:
      return { kind: 'mss', value: (bytes[at + 2] << 8) | bytes[at + 3] };
    case TcpOptionKind.windowScale:
      return { kind: 'windowScale', shiftCount: bytes[at + 2] };
    case TcpOptionKind.sackPermitted:
      return { kind: 'sackPermitted' };
    case TcpOptionKind.timestamps:
      return { kind: 'timestamps', value: readUint32(bytes, at + 2), echoReply: readUint32(bytes, at + 6) };
    case TcpOptionKind.sack: {
      if (length < 10 || (length - 2) % 8 !== 0) throw new DecodeError('tcp', at, `${name} option length ${length}, should be 2 + 8 per block, at least one block`);
      const blocks: SackBlock[] = [];
      for (let p = at + 2; p < at + length; p += 8) blocks.push({ left: readUint32(bytes, p), right: readUint32(bytes, p + 4) });
      return { kind: 'sack', blocks };
    }
    case TcpOptionKind.fastOpen:
      return { kind: 'fastOpen', cookie: bytes.slice(at + 2, at + length) };
    default:
      return { kind, data: bytes.slice(at + 2, at + length) };
  }
}

/** Writes `options` at `offset`, unpadded; returns the bytes written (optionsLength). */
export function encodeOptions(buf: Uint8Array, offset: number, options: readonly TcpOption[]): number {
  let i = offset;
  for (const option of options) {
    switch (option.kind) {
      case 'eol':
        buf[i++] = TcpOptionKind.eol;
        if (option.padding) {
          buf.set(option.padding, i);
          i += option.padding.length;
        }
        break;
      case 'nop':
        buf[i++] = TcpOptionKind.nop;
        break;
      case 'mss':
        buf[i] = TcpOptionKind.mss;
        buf[i + 1] = 4;
        buf[i + 2] = (option.value >>> 8) & 0xff;
        buf[i + 3] = option.value & 0xff;
        i += 4;
        break;
      case 'windowScale':
        buf[i] = TcpOptionKind.windowScale;
        buf[i + 1] = 3;
        buf[i + 2] = option.shiftCount & 0xff;
        i += 3;
        break;
      case 'sackPermitted':
        buf[i] = TcpOptionKind.sackPermitted;
        buf[i + 1] = 2;
        i += 2;
        break;
      case 'sack':
        buf[i] = TcpOptionKind.sack;
        buf[i + 1] = checkedLength('sack', 2 + 8 * option.blocks.length);
        i += 2;
        for (const block of option.blocks) {
          writeUint32(buf, i, block.left);
          writeUint32(buf, i + 4, block.right);
          i += 8;
        }
        break;
      case 'timestamps':
        buf[i] = TcpOptionKind.timestamps;
        buf[i + 1] = 10;
        writeUint32(buf, i + 2, option.value);
        writeUint32(buf, i + 6, option.echoReply);
        i += 10;
        break;
      case 'fastOpen':
        buf[i] = TcpOptionKind.fastOpen;
        buf[i + 1] = checkedLength('fastOpen', 2 + option.cookie.length);
        buf.set(option.cookie, i + 2);
        i += 2 + option.cookie.length;
        break;
      default:
        buf[i] = option.kind & 0xff;
        buf[i + 1] = checkedLength(`kind ${option.kind}`, 2 + option.data.length);
        buf.set(option.data, i + 2);
        i += 2 + option.data.length;
    }
  }
  return i - offset;
}

function checkedLength(name: string, length: number): number {
  if (length > 255) throw new RangeError(`tcp: ${name} option of ${length} bytes does not fit its length byte`);
  return length;
}
