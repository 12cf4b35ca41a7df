/**
 * An 802.1Q or 802.1ad tag. On the wire the TPID is the EtherType of the layer
 * before (Ethernet or an outer tag); the tag itself is the 2-byte TCI and the
 * EtherType of what it carries. The header keeps the TPID so that stacked
 * tags read as one would write them, and assemble writes it back outside.
 */
import * as BL from 'buffer-layout';
import { type Decoded, type EncodeOptions, decoded } from './codec.js';
import { requireBytes } from './decode-error.js';

export interface VlanHeader {
  readonly tpid: number;
  /** Priority code point, 0–7. */
  readonly pcp: number;
  /** Drop eligible indicator. */
  readonly dei: boolean;
  readonly vlanId: number;
  readonly etherType: number;
}

export const VLAN_TAG_LENGTH = 4;

export const VlanOffsets = { tci: 0, etherType: 2 } as const;

/** The tag after its TPID, declared once: the spec and the tests' oracle. */
export const vlanLayout = (() => {
  const tci = BL.bits(BL.u16be(), true, 'tci');
  tci.addField(3, 'pcp');
  tci.addBoolean('dei');
  tci.addField(12, 'vlanId');
  return BL.struct([tci, BL.u16be('etherType')]);
})();

/** Decodes the 4 bytes after a TPID of `tpid` (0x8100 for 802.1Q, 0x88a8 for 802.1ad). */
export function decode(bytes: Uint8Array, offset = 0, tpid = 0x8100): Decoded<VlanHeader> {
  requireBytes(bytes, offset, VLAN_TAG_LENGTH, 'vlan', 'tag');
  const tci = (bytes[offset] << 8) | bytes[offset + 1];
  const header: VlanHeader = {
    tpid,
    pcp: tci >>> 13,
    dei: (tci & 0x1000) !== 0,
    vlanId: tci & 0x0fff,
    etherType: (bytes[offset + 2] << 8) | bytes[offset + 3],
  };
  const payloadOffset = offset + VLAN_TAG_LENGTH;
  return decoded(bytes, header, VLAN_TAG_LENGTH, payloadOffset, bytes.length - payloadOffset);
}

export function encodingLength(_header: VlanHeader, payloadLength = 0): number {
  return VLAN_TAG_LENGTH + payloadLength;
}

export function encodeInto(buf: Uint8Array, offset: number, header: VlanHeader, payload: Uint8Array, _options?: EncodeOptions): number {
  const total = VLAN_TAG_LENGTH + payload.length;
  if (buf.length - offset < total) throw new RangeError(`vlan: ${total} bytes do not fit at offset ${offset}`);
  const tci = ((header.pcp & 7) << 13) | (header.dei ? 0x1000 : 0) | (header.vlanId & 0x0fff);
  buf[offset] = tci >>> 8;
  buf[offset + 1] = tci & 0xff;
  buf[offset + 2] = header.etherType >>> 8;
  buf[offset + 3] = header.etherType & 0xff;
  buf.set(payload, offset + VLAN_TAG_LENGTH);
  return total;
}

export function encode(header: VlanHeader, payload: Uint8Array = new Uint8Array(0), options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(encodingLength(header, payload.length));
  encodeInto(out, 0, header, payload, options);
  return out;
}
