/**
 * Reading pcapng (draft-ietf-opsawg-pcapng). A file is a run of blocks, each
 * `type, total length, body, total length`. A Section Header Block starts each
 * section, sets its byte order and forgets the interfaces of the one before.
 * Packets come in Enhanced, Simple or (obsolete) Packet Blocks and name an
 * interface that an Interface Description Block declared earlier in the same
 * section. Blocks this reader does not use (statistics, custom, unknown
 * types) are checked for framing and skipped.
 */
import * as BL from 'buffer-layout';
import type { CaptureInterface, CaptureRecord, CaptureSection, DecryptionSecrets, NameResolutionEntry } from './capture-record.js';
import { DecodeError, requireBytes } from './decode-error.js';
import { ipv4ToString } from './address.js';
import { forEachOption, OptionCode, optionText, pad4 } from './pcapng-options.js';

const LAYER = 'pcapng';

export const BlockType = {
  sectionHeader: 0x0a0d0d0a,
  interfaceDescription: 0x00000001,
  packet: 0x00000002,
  simplePacket: 0x00000003,
  nameResolution: 0x00000004,
  interfaceStatistics: 0x00000005,
  enhancedPacket: 0x00000006,
  decryptionSecrets: 0x0000000a,
  custom: 0x00000bad,
  customNoCopy: 0x40000bad,
} as const;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Type, total length, and the trailing total length. */
export const BLOCK_OVERHEAD = 12;

export const BlockOffsets = { type: 0, totalLength: 4, body: 8 } as const;
/** Offsets inside the body (after type and total length). */
export const SectionHeaderOffsets = { byteOrderMagic: 0, majorVersion: 4, minorVersion: 6, sectionLength: 8, options: 16 } as const;
export const InterfaceDescriptionOffsets = { linkType: 0, reserved: 2, snapLength: 4, options: 8 } as const;
export const EnhancedPacketOffsets = { interfaceId: 0, timestampHigh: 4, timestampLow: 8, capturedLength: 12, originalLength: 16, data: 20 } as const;
export const SimplePacketOffsets = { originalLength: 0, data: 4 } as const;
export const PacketBlockOffsets = { interfaceId: 0, dropsCount: 2, timestampHigh: 4, timestampLow: 8, capturedLength: 12, originalLength: 16, data: 20 } as const;
export const DecryptionSecretsOffsets = { secretsType: 0, secretsLength: 4, data: 8 } as const;

/** The fixed parts, little-endian as our writer emits them: the spec and the tests' oracle. */
export const blockHeaderLayout = BL.struct([BL.u32('type'), BL.u32('totalLength')]);
export const sectionHeaderLayout = BL.struct([BL.u32('type'), BL.u32('totalLength'), BL.u32('byteOrderMagic'), BL.u16('majorVersion'), BL.u16('minorVersion'), BL.blob(8, 'sectionLength')]);
export const interfaceDescriptionLayout = BL.struct([BL.u32('type'), BL.u32('totalLength'), BL.u16('linkType'), BL.u16('reserved'), BL.u32('snapLength')]);
export const enhancedPacketLayout = BL.struct([BL.u32('type'), BL.u32('totalLength'), BL.u32('interfaceId'), BL.u32('timestampHigh'), BL.u32('timestampLow'), BL.u32('capturedLength'), BL.u32('originalLength')]);
export const decryptionSecretsLayout = BL.struct([BL.u32('type'), BL.u32('totalLength'), BL.u32('secretsType'), BL.u32('secretsLength')]);

/** Receives what the file holds besides packets, as the reader meets it. */
export interface PcapngDetailsSink {
  section(section: CaptureSection): void;
  interface(iface: CaptureInterface): void;
  name(entry: NameResolutionEntry): void;
  secrets(secrets: DecryptionSecrets): void;
}

interface InterfaceState {
  readonly info: CaptureInterface;
  /** ns = ticks * multiplier / divisor + offsetNs */
  readonly multiplier: bigint;
  readonly divisor: bigint;
  readonly offsetNs: bigint;
}

function timeScale(tsresol: number): { multiplier: bigint; divisor: bigint } {
  const exponent = tsresol & 0x7f;
  if (tsresol & 0x80) return { multiplier: 1_000_000_000n, divisor: 1n << BigInt(exponent) };
  return exponent <= 9 ? { multiplier: 10n ** BigInt(9 - exponent), divisor: 1n } : { multiplier: 1n, divisor: 10n ** BigInt(exponent - 9) };
}

function ipv6ToString(bytes: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[offset + i] << 8) | bytes[offset + i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function namesIn(bytes: Uint8Array, start: number, end: number): string[] {
  const names: string[] = [];
  let from = start;
  for (let i = start; i <= end; i++) {
    if (i === end || bytes[i] === 0) {
      if (i > from) names.push(optionText(bytes, from, i - from));
      from = i + 1;
    }
  }
  return names;
}

/**
 * Yields every packet of a pcapng file, in file order. A damaged or truncated
 * block ends the iteration with a DecodeError after the packets before it
 * have been yielded. `details`, when given, hears of sections, interfaces,
 * names and secrets as they are met.
 */
export function* readPcapng(bytes: Uint8Array, details?: PcapngDetailsSink): Generator<CaptureRecord, void, undefined> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little = true;
  let section = -1;
  let interfaces: InterfaceState[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    requireBytes(bytes, offset, BLOCK_OVERHEAD, LAYER, 'block header');
    const isSection = bytes[offset] === 0x0a && bytes[offset + 1] === 0x0d && bytes[offset + 2] === 0x0d && bytes[offset + 3] === 0x0a;
    if (isSection) {
      const magic = view.getUint32(offset + BlockOffsets.body, true);
      if (magic === BYTE_ORDER_MAGIC) little = true;
      else if (view.getUint32(offset + BlockOffsets.body, false) === BYTE_ORDER_MAGIC) little = false;
      else throw new DecodeError(LAYER, offset + BlockOffsets.body, `bad byte-order magic 0x${magic.toString(16).padStart(8, '0')}`);
    } else if (section < 0) {
      throw new DecodeError(LAYER, offset, 'file does not start with a Section Header Block');
    }
    const type = view.getUint32(offset, little);
    const totalLength = view.getUint32(offset + BlockOffsets.totalLength, little);
    if (totalLength < BLOCK_OVERHEAD) throw new DecodeError(LAYER, offset + BlockOffsets.totalLength, `block total length ${totalLength} is below ${BLOCK_OVERHEAD}`);
    if (totalLength % 4 !== 0) throw new DecodeError(LAYER, offset + BlockOffsets.totalLength, `block total length ${totalLength} is not a multiple of 4`);
    requireBytes(bytes, offset, totalLength, LAYER, 'block');
    const trailing = view.getUint32(offset + totalLength - 4, little);
    if (trailing !== totalLength) throw new DecodeError(LAYER, offset + totalLength - 4, `trailing block length ${trailing} differs from the leading ${totalLength}`);
    const body = offset + BlockOffsets.body;
    const end = offset + totalLength - 4;
    const need = (length: number, what: string): void => requireBytes(bytes, body, length, LAYER, what, end);

    switch (type) {
      case BlockType.sectionHeader: {
        need(SectionHeaderOffsets.options, 'section header');
        section++;
        interfaces = [];
        const comments: string[] = [];
        let hardware: string | undefined;
        let os: string | undefined;
        let userApplication: string | undefined;
        forEachOption(view, little, body + SectionHeaderOffsets.options, end, LAYER, (code, at, length) => {
          if (code === OptionCode.comment) comments.push(optionText(bytes, at, length));
          else if (code === OptionCode.shbHardware) hardware = optionText(bytes, at, length);
          else if (code === OptionCode.shbOs) os = optionText(bytes, at, length);
          else if (code === OptionCode.shbUserAppl) userApplication = optionText(bytes, at, length);
        });
        details?.section({
          index: section,
          byteOrder: little ? 'little' : 'big',
          majorVersion: view.getUint16(body + SectionHeaderOffsets.majorVersion, little),
          minorVersion: view.getUint16(body + SectionHeaderOffsets.minorVersion, little),
          comments,
          ...(hardware !== undefined ? { hardware } : {}),
          ...(os !== undefined ? { os } : {}),
          ...(userApplication !== undefined ? { userApplication } : {}),
        });
        break;
      }
      case BlockType.interfaceDescription: {
        need(InterfaceDescriptionOffsets.options, 'interface description');
        let name: string | undefined;
        let description: string | undefined;
        let tsresol = 6;
        let tsoffset = 0n;
        let fcsLength: number | undefined;
        let os: string | undefined;
        let filter: Uint8Array | undefined;
        forEachOption(view, little, body + InterfaceDescriptionOffsets.options, end, LAYER, (code, at, length) => {
          if (code === OptionCode.ifName) name = optionText(bytes, at, length);
          else if (code === OptionCode.ifDescription) description = optionText(bytes, at, length);
          else if (code === OptionCode.ifTsresol && length >= 1) tsresol = bytes[at];
          else if (code === OptionCode.ifTsoffset && length >= 8) tsoffset = view.getBigInt64(at, little);
          else if (code === OptionCode.ifFcslen && length >= 1) fcsLength = bytes[at];
          else if (code === OptionCode.ifOs) os = optionText(bytes, at, length);
          else if (code === OptionCode.ifFilter) filter = bytes.subarray(at, at + length);
        });
        const info: CaptureInterface = {
          section,
          id: interfaces.length,
          linkType: view.getUint16(body + InterfaceDescriptionOffsets.linkType, little),
          snapLength: view.getUint32(body + InterfaceDescriptionOffsets.snapLength, little),
          tsresol,
          tsoffset,
          ...(name !== undefined ? { name } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(fcsLength !== undefined ? { fcsLength } : {}),
          ...(os !== undefined ? { os } : {}),
          ...(filter !== undefined ? { filter } : {}),
        };
        interfaces.push({ info, ...timeScale(tsresol), offsetNs: tsoffset * 1_000_000_000n });
        details?.interface(info);
        break;
      }
      case BlockType.enhancedPacket:
      case BlockType.packet: {
        const enhanced = type === BlockType.enhancedPacket;
        need(EnhancedPacketOffsets.data, enhanced ? 'enhanced packet block' : 'packet block');
        const interfaceId = enhanced ? view.getUint32(body, little) : view.getUint16(body, little);
        const iface = interfaces[interfaceId];
        if (iface === undefined) throw new DecodeError(LAYER, body, `interface ${interfaceId} has no Interface Description Block in section ${section}`);
        const capturedLength = view.getUint32(body + EnhancedPacketOffsets.capturedLength, little);
        const dataOffset = body + EnhancedPacketOffsets.data;
        if (capturedLength > end - dataOffset) throw new DecodeError(LAYER, body + EnhancedPacketOffsets.capturedLength, `captured length ${capturedLength} runs past its block`, capturedLength, end - dataOffset);
        const ticks = (BigInt(view.getUint32(body + EnhancedPacketOffsets.timestampHigh, little)) << 32n) | BigInt(view.getUint32(body + EnhancedPacketOffsets.timestampLow, little));
        const comments: string[] = [];
        let flags: number | undefined;
        let packetId: bigint | undefined;
        forEachOption(view, little, Math.min(dataOffset + pad4(capturedLength), end), end, LAYER, (code, at, length) => {
          if (code === OptionCode.comment) comments.push(optionText(bytes, at, length));
          else if (code === OptionCode.epbFlags && length === 4) flags = view.getUint32(at, little);
          else if (enhanced && code === OptionCode.epbPacketId && length === 8) packetId = view.getBigUint64(at, little);
        });
        yield {
          linkType: iface.info.linkType,
          timestampNs: (ticks * iface.multiplier) / iface.divisor + iface.offsetNs,
          data: bytes.subarray(dataOffset, dataOffset + capturedLength),
          originalLength: view.getUint32(body + EnhancedPacketOffsets.originalLength, little),
          fileOffset: offset,
          interfaceId,
          ...(iface.info.name !== undefined ? { interfaceName: iface.info.name } : {}),
          ...(comments.length > 0 ? { comment: comments[0] } : {}),
          ...(comments.length > 1 ? { comments } : {}),
          ...(flags !== undefined ? { flags } : {}),
          ...(packetId !== undefined ? { packetId } : {}),
          section,
          block: enhanced ? 'enhanced' : 'packet',
        };
        break;
      }
      case BlockType.simplePacket: {
        need(SimplePacketOffsets.data, 'simple packet block');
        const iface = interfaces[0];
        if (iface === undefined) throw new DecodeError(LAYER, offset, `simple packet block in section ${section} has no Interface Description Block`);
        const originalLength = view.getUint32(body, little);
        const dataOffset = body + SimplePacketOffsets.data;
        // The block does not say how much it captured: the least of the
        // original length, the interface's snap length and the room there is.
        let capturedLength = Math.min(originalLength, end - dataOffset);
        if (iface.info.snapLength !== 0) capturedLength = Math.min(capturedLength, iface.info.snapLength);
        yield {
          linkType: iface.info.linkType,
          timestampNs: 0n,
          data: bytes.subarray(dataOffset, dataOffset + capturedLength),
          originalLength,
          fileOffset: offset,
          interfaceId: 0,
          ...(iface.info.name !== undefined ? { interfaceName: iface.info.name } : {}),
          section,
          block: 'simple',
        };
        break;
      }
      case BlockType.nameResolution: {
        let at = body;
        while (at < end) {
          requireBytes(bytes, at, 4, LAYER, 'name resolution record header', end);
          const recordType = view.getUint16(at, little);
          const length = view.getUint16(at + 2, little);
          const value = at + 4;
          if (recordType === 0) {
            at = value;
            break;
          }
          if (length > end - value) throw new DecodeError(LAYER, at, `name resolution record length ${length} runs past its block`, length, end - value);
          if (recordType === 1 && length >= 4) details?.name({ section, address: ipv4ToString(bytes, value), names: namesIn(bytes, value + 4, value + length) });
          else if (recordType === 2 && length >= 16) details?.name({ section, address: ipv6ToString(bytes, value), names: namesIn(bytes, value + 16, value + length) });
          at = value + pad4(length);
        }
        forEachOption(view, little, Math.min(at, end), end, LAYER, () => {});
        break;
      }
      case BlockType.decryptionSecrets: {
        need(DecryptionSecretsOffsets.data, 'decryption secrets block');
        const secretsLength = view.getUint32(body + DecryptionSecretsOffsets.secretsLength, little);
        const dataOffset = body + DecryptionSecretsOffsets.data;
        if (secretsLength > end - dataOffset) throw new DecodeError(LAYER, body + DecryptionSecretsOffsets.secretsLength, `secrets length ${secretsLength} runs past its block`, secretsLength, end - dataOffset);
        forEachOption(view, little, Math.min(dataOffset + pad4(secretsLength), end), end, LAYER, () => {});
        details?.secrets({ section, type: view.getUint32(body, little), data: bytes.subarray(dataOffset, dataOffset + secretsLength) });
        break;
      }
      default:
        // Statistics, custom and unknown blocks carry nothing a packet reader uses.
        break;
    }
    offset += totalLength;
  }
}
