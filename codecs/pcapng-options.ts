/**
 * pcapng options (RFC draft-ietf-opsawg-pcapng §3.5): a list of
 * code/length/value entries, each value padded to 32 bits, ended by
 * opt_endofopt (code 0) or by the end of the block body.
 */
import { DecodeError } from './decode-error.js';

export const OptionCode = {
  endOfOpt: 0,
  comment: 1,
  shbHardware: 2,
  shbOs: 3,
  shbUserAppl: 4,
  ifName: 2,
  ifDescription: 3,
  ifTsresol: 9,
  ifFilter: 11,
  ifOs: 12,
  ifFcslen: 13,
  ifTsoffset: 14,
  epbFlags: 2,
  epbPacketId: 5,
} as const;

export const OPTION_HEADER_LENGTH = 4;

export function pad4(length: number): number {
  return (length + 3) & ~3;
}

/** Called once per option with the value's offset and unpadded length. */
export type OptionVisitor = (code: number, valueOffset: number, length: number) => void;

/**
 * Walks the options in [start, end) of a block body, checking that every
 * header and value lies inside it before the visitor sees it.
 */
export function forEachOption(view: DataView, little: boolean, start: number, end: number, layer: string, visit: OptionVisitor): void {
  let at = start;
  while (at < end) {
    if (end - at < OPTION_HEADER_LENGTH) throw new DecodeError(layer, at, 'truncated option header', OPTION_HEADER_LENGTH, end - at);
    const code = view.getUint16(at, little);
    const length = view.getUint16(at + 2, little);
    if (code === OptionCode.endOfOpt) return;
    const valueOffset = at + OPTION_HEADER_LENGTH;
    if (length > end - valueOffset) throw new DecodeError(layer, at, `option ${code} length ${length} runs past its block`, length, end - valueOffset);
    visit(code, valueOffset, length);
    at = valueOffset + pad4(length);
  }
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

export function optionText(bytes: Uint8Array, offset: number, length: number): string {
  return utf8.decode(bytes.subarray(offset, offset + length));
}

export function textBytes(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** An option to write: its code and its value before padding. */
export interface OptionValue {
  readonly code: number;
  readonly value: Uint8Array;
}

/** Bytes that `writeOptions` takes: each option padded, and opt_endofopt when there is any. */
export function optionsLength(options: readonly OptionValue[]): number {
  if (options.length === 0) return 0;
  let total = OPTION_HEADER_LENGTH;
  for (const o of options) total += OPTION_HEADER_LENGTH + pad4(o.value.length);
  return total;
}

/** Writes options little-endian at `offset`, padding with zeros; returns the bytes written. */
export function writeOptions(out: Uint8Array, view: DataView, offset: number, options: readonly OptionValue[]): number {
  if (options.length === 0) return 0;
  let at = offset;
  for (const o of options) {
    if (o.value.length > 0xffff) throw new RangeError(`pcapng: option ${o.code} value of ${o.value.length} bytes is over 65535`);
    view.setUint16(at, o.code, true);
    view.setUint16(at + 2, o.value.length, true);
    out.set(o.value, at + OPTION_HEADER_LENGTH);
    at += OPTION_HEADER_LENGTH + pad4(o.value.length);
  }
  view.setUint32(at, 0, true);
  return at + OPTION_HEADER_LENGTH - offset;
}
