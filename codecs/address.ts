/**
 * MAC and IPv4 addresses between bytes and their usual text. These run on
 * every decode, so they index a table rather than call toString(16), and the
 * parsers are strict: an encoder given a malformed address must not write
 * something plausible but wrong.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const DEC = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * Recently formatted addresses, direct-mapped by their bits. An emulated
 * network reuses a handful of addresses, and turning one into text costs more
 * than all the rest of a header's decode. Every slot starts as the all-zero
 * address under key 0, so a slot is never stale.
 */
const SLOTS = 1024;
const ipv4Key = new Int32Array(SLOTS);
const ipv4Text: string[] = new Array<string>(SLOTS).fill('0.0.0.0');
const macHigh = new Int32Array(SLOTS);
const macLow = new Int32Array(SLOTS);
const macText: string[] = new Array<string>(SLOTS).fill('00:00:00:00:00:00');

export function macToString(bytes: Uint8Array, offset: number): string {
  const high = (bytes[offset] << 8) | bytes[offset + 1];
  const low = (bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) | bytes[offset + 5];
  const slot = (low ^ (low >>> 10) ^ (low >>> 20) ^ high) & (SLOTS - 1);
  if (macLow[slot] === low && macHigh[slot] === high) return macText[slot];
  const text =
    HEX[bytes[offset]] + ':' + HEX[bytes[offset + 1]] + ':' + HEX[bytes[offset + 2]] + ':' + HEX[bytes[offset + 3]] + ':' + HEX[bytes[offset + 4]] + ':' + HEX[bytes[offset + 5]];
  macHigh[slot] = high;
  macLow[slot] = low;
  macText[slot] = text;
  return text;
}

export function ipv4ToString(bytes: Uint8Array, offset: number): string {
  const address = (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
  const slot = (address ^ (address >>> 10) ^ (address >>> 20)) & (SLOTS - 1);
  if (ipv4Key[slot] === address) return ipv4Text[slot];
  // Plain concatenation: V8 keeps small numbers' text, and this measured well ahead of a template.
  const text = bytes[offset] + '.' + bytes[offset + 1] + '.' + bytes[offset + 2] + '.' + bytes[offset + 3];
  ipv4Key[slot] = address;
  ipv4Text[slot] = text;
  return text;
}

/** An IPv4 address as an unsigned 32-bit number, for tables keyed by address. */
export function ipv4ToUint32(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) throw new TypeError(`invalid IPv4 address: ${JSON.stringify(text)}`);
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else {
      throw new TypeError(`invalid IPv4 address: ${JSON.stringify(text)}`);
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) throw new TypeError(`invalid IPv4 address: ${JSON.stringify(text)}`);
  return (value * 256 + part) >>> 0;
}

export function uint32ToIpv4(value: number): string {
  return `${DEC[(value >>> 24) & 255]}.${DEC[(value >>> 16) & 255]}.${DEC[(value >>> 8) & 255]}.${DEC[value & 255]}`;
}

export function writeIpv4(bytes: Uint8Array, offset: number, text: string): void {
  const v = ipv4ToUint32(text);
  bytes[offset] = v >>> 24;
  bytes[offset + 1] = (v >>> 16) & 255;
  bytes[offset + 2] = (v >>> 8) & 255;
  bytes[offset + 3] = v & 255;
}

export function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function writeMac(bytes: Uint8Array, offset: number, text: string): void {
  if (text.length !== 17) throw new TypeError(`invalid MAC address: ${JSON.stringify(text)}`);
  for (let i = 0; i < 6; i++) {
    const hi = hexDigit(text.charCodeAt(i * 3));
    const lo = hexDigit(text.charCodeAt(i * 3 + 1));
    const sep = i < 5 ? text.charCodeAt(i * 3 + 2) : 58;
    if (hi < 0 || lo < 0 || (sep !== 58 && sep !== 45)) throw new TypeError(`invalid MAC address: ${JSON.stringify(text)}`);
    bytes[offset + i] = (hi << 4) | lo;
  }
}

export function macToBytes(text: string): Uint8Array {
  const out = new Uint8Array(6);
  writeMac(out, 0, text);
  return out;
}

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
