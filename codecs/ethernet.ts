/**
 * Ethernet II (IEEE 802.3 with an EtherType). 802.1Q and 802.1ad tags are
 * layers of their own (vlan.ts); here the EtherType is whatever follows the
 * source address, a TPID included.
 */
import * as BL from 'buffer-layout';
import { macToString, writeMac } from './address.js';
import { type Decoded, type EncodeOptions, decoded, fixLengths } from './codec.js';
import { requireBytes } from './decode-error.js';

export interface EthernetHeader {
  readonly destination: string;
  readonly source: string;
  readonly etherType: number;
  /**
   * Bytes after the carried packet up to the end of the frame: the padding
   * that brings a short frame to 60 bytes. decode cannot know where the
   * packet ends, so it gives none; dissect fills it in from the inner length.
   */
  readonly padding?: Uint8Array;
}

export const ETHERNET_HEADER_LENGTH = 14;
/** The least frame length without the FCS; shorter frames are padded. */
export const ETHERNET_MIN_FRAME = 60;

/** Byte offsets for the hot path, which edits frames in place. */
export const EthernetOffsets = { destination: 0, source: 6, etherType: 12 } as const;

export const EtherType = { ipv4: 0x0800, arp: 0x0806, vlan: 0x8100, qinq: 0x88a8, ipv6: 0x86dd } as const;

/** The fixed header, declared once: the spec and the tests' oracle. */
export const ethernetLayout = BL.struct([BL.blob(6, 'destination'), BL.blob(6, 'source'), BL.u16be('etherType')]);

export function decode(bytes: Uint8Array, offset = 0): Decoded<EthernetHeader> {
  requireBytes(bytes, offset, ETHERNET_HEADER_LENGTH, 'ethernet', 'header');
  const header: EthernetHeader = {
    destination: macToString(bytes, offset),
    source: macToString(bytes, offset + 6),
    etherType: (bytes[offset + 12] << 8) | bytes[offset + 13],
  };
  const payloadOffset = offset + ETHERNET_HEADER_LENGTH;
  return decoded(bytes, header, ETHERNET_HEADER_LENGTH, payloadOffset, bytes.length - payloadOffset);
}

/** How many bytes encode writes for this header around a payload of `payloadLength`. */
export function encodingLength(header: EthernetHeader, payloadLength = 0, options?: EncodeOptions): number {
  const written = ETHERNET_HEADER_LENGTH + payloadLength + (header.padding?.length ?? 0);
  return fixLengths(options) && written < ETHERNET_MIN_FRAME ? ETHERNET_MIN_FRAME : written;
}

/**
 * Writes header, payload and padding at `offset`; returns the bytes written.
 * With fixLengths, a frame shorter than 60 bytes is padded with zeros.
 */
export function encodeInto(buf: Uint8Array, offset: number, header: EthernetHeader, payload: Uint8Array, options?: EncodeOptions): number {
  const total = encodingLength(header, payload.length, options);
  if (buf.length - offset < total) throw new RangeError(`ethernet: ${total} bytes do not fit at offset ${offset}`);
  writeMac(buf, offset, header.destination);
  writeMac(buf, offset + 6, header.source);
  buf[offset + 12] = header.etherType >>> 8;
  buf[offset + 13] = header.etherType & 0xff;
  buf.set(payload, offset + ETHERNET_HEADER_LENGTH);
  let end = offset + ETHERNET_HEADER_LENGTH + payload.length;
  if (header.padding) {
    buf.set(header.padding, end);
    end += header.padding.length;
  }
  buf.fill(0, end, offset + total);
  return total;
}

export function encode(header: EthernetHeader, payload: Uint8Array = new Uint8Array(0), options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(encodingLength(header, payload.length, options));
  encodeInto(out, 0, header, payload, options);
  return out;
}
