/**
 * Streaming pcapng writer. Each call turns into one whole block handed to the
 * sink at once, so a capture of any length never sits in memory, and a file
 * cut off mid-run still holds every block written before. Blocks are
 * little-endian; the section length is left unknown (-1) because a stream
 * cannot go back to fill it in.
 */
import { writeIpv4 } from './address.js';
import { type CaptureSink, SecretsType } from './capture-record.js';
import { LinkType } from './link-type.js';
import { BLOCK_OVERHEAD, BlockType, BYTE_ORDER_MAGIC, DecryptionSecretsOffsets, EnhancedPacketOffsets, InterfaceDescriptionOffsets, SectionHeaderOffsets } from './pcapng.js';
import { OptionCode, type OptionValue, optionsLength, pad4, textBytes, writeOptions } from './pcapng-options.js';

export interface PcapngWriterOptions {
  /** shb_userappl; "wirepath" unless told otherwise. */
  readonly userApplication?: string;
  readonly comment?: string;
  readonly hardware?: string;
  readonly os?: string;
}

export interface PcapngInterface {
  readonly name: string;
  readonly linkType?: number;
  readonly snapLength?: number;
  readonly description?: string;
}

export interface PcapngPacket {
  readonly interfaceId: number;
  readonly timestampNs: bigint;
  readonly data: Uint8Array;
  /** Defaults to `data.length`. */
  readonly originalLength?: number;
  readonly comment?: string;
  readonly direction?: 'inbound' | 'outbound';
  readonly packetId?: bigint;
}

export interface NameResolution {
  readonly address: string;
  readonly names: readonly string[];
}

export const Direction = { inbound: 1, outbound: 2 } as const;

const MAX_U64 = (1n << 64n) - 1n;

function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

function u64le(value: bigint, what: string): Uint8Array {
  if (value < 0n || value > MAX_U64) throw new RangeError(`pcapng: ${what} ${value} does not fit 64 bits`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

function textOption(code: number, text: string | undefined): OptionValue[] {
  return text === undefined ? [] : [{ code, value: textBytes(text) }];
}

/**
 * Lays out one block: the fixed part that `fill` writes at body offset 0, a
 * body of `bodyLength` bytes padded to 32 bits, the options, and both copies
 * of the total length. The buffer starts zeroed, which is the padding.
 */
function block(type: number, bodyLength: number, options: readonly OptionValue[], fill: (out: Uint8Array, view: DataView, body: number) => void): Uint8Array {
  const total = BLOCK_OVERHEAD + pad4(bodyLength) + optionsLength(options);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, total, true);
  fill(out, view, 8);
  writeOptions(out, view, 8 + pad4(bodyLength), options);
  view.setUint32(total - 4, total, true);
  return out;
}

export class PcapngWriter {
  private readonly interfaces: { readonly snapLength: number }[] = [];

  /** Writes the Section Header Block at once. */
  constructor(
    private readonly sink: CaptureSink,
    options: PcapngWriterOptions = {},
  ) {
    const shbOptions = [
      ...textOption(OptionCode.comment, options.comment),
      ...textOption(OptionCode.shbHardware, options.hardware),
      ...textOption(OptionCode.shbOs, options.os),
      ...textOption(OptionCode.shbUserAppl, options.userApplication ?? 'wirepath'),
    ];
    sink(
      block(BlockType.sectionHeader, SectionHeaderOffsets.options, shbOptions, (_, view, body) => {
        view.setUint32(body + SectionHeaderOffsets.byteOrderMagic, BYTE_ORDER_MAGIC, true);
        view.setUint16(body + SectionHeaderOffsets.majorVersion, 1, true);
        view.setUint16(body + SectionHeaderOffsets.minorVersion, 0, true);
        view.setBigInt64(body + SectionHeaderOffsets.sectionLength, -1n, true);
      }),
    );
  }

  /** Writes an Interface Description Block with nanosecond timestamps; returns the id packets use. */
  addInterface(iface: PcapngInterface): number {
    const linkType = iface.linkType ?? LinkType.ethernet;
    const snapLength = iface.snapLength ?? 262144;
    const options = [
      ...textOption(OptionCode.ifName, iface.name),
      ...textOption(OptionCode.ifDescription, iface.description),
      { code: OptionCode.ifTsresol, value: Uint8Array.of(9) },
    ];
    this.sink(
      block(BlockType.interfaceDescription, InterfaceDescriptionOffsets.options, options, (_, view, body) => {
        view.setUint16(body + InterfaceDescriptionOffsets.linkType, linkType, true);
        view.setUint32(body + InterfaceDescriptionOffsets.snapLength, snapLength, true);
      }),
    );
    this.interfaces.push({ snapLength });
    return this.interfaces.length - 1;
  }

  /**
   * Writes an Enhanced Packet Block. Data longer than the interface's snap
   * length is cut to it; the original length stays as given.
   */
  writePacket(packet: PcapngPacket): void {
    const iface = this.interfaces[packet.interfaceId];
    if (iface === undefined) throw new RangeError(`pcapng: interface ${packet.interfaceId} was never added`);
    const ticks = packet.timestampNs;
    if (ticks < 0n || ticks > MAX_U64) throw new RangeError(`pcapng: timestamp ${ticks} ns does not fit 64 bits`);
    const capturedLength = iface.snapLength === 0 ? packet.data.length : Math.min(packet.data.length, iface.snapLength);
    const originalLength = packet.originalLength ?? packet.data.length;
    if (originalLength < capturedLength) throw new RangeError(`pcapng: original length ${originalLength} is below the captured ${capturedLength}`);
    const options = [
      ...textOption(OptionCode.comment, packet.comment),
      ...(packet.direction === undefined ? [] : [{ code: OptionCode.epbFlags, value: u32le(Direction[packet.direction]) }]),
      ...(packet.packetId === undefined ? [] : [{ code: OptionCode.epbPacketId, value: u64le(packet.packetId, 'packet id') }]),
    ];
    this.sink(
      block(BlockType.enhancedPacket, EnhancedPacketOffsets.data + capturedLength, options, (out, view, body) => {
        view.setUint32(body + EnhancedPacketOffsets.interfaceId, packet.interfaceId, true);
        view.setUint32(body + EnhancedPacketOffsets.timestampHigh, Number(ticks >> 32n), true);
        view.setUint32(body + EnhancedPacketOffsets.timestampLow, Number(ticks & 0xffffffffn), true);
        view.setUint32(body + EnhancedPacketOffsets.capturedLength, capturedLength, true);
        view.setUint32(body + EnhancedPacketOffsets.originalLength, originalLength, true);
        out.set(packet.data.subarray(0, capturedLength), body + EnhancedPacketOffsets.data);
      }),
    );
  }

  /** Writes a Name Resolution Block of IPv4 records, ended by nrb_record_end. */
  writeNameResolution(entries: readonly NameResolution[]): void {
    const records = entries.map((entry) => {
      const names = entry.names.map(textBytes);
      const length = 4 + names.reduce((sum, n) => sum + n.length + 1, 0);
      if (length > 0xffff) throw new RangeError(`pcapng: names for ${entry.address} take ${length} bytes, over 65535`);
      return { address: entry.address, names, length };
    });
    const bodyLength = records.reduce((sum, r) => sum + 4 + pad4(r.length), 0) + 4;
    this.sink(
      block(BlockType.nameResolution, bodyLength, [], (out, view, body) => {
        let at = body;
        for (const r of records) {
          view.setUint16(at, 1, true);
          view.setUint16(at + 2, r.length, true);
          writeIpv4(out, at + 4, r.address);
          let name = at + 8;
          for (const n of r.names) {
            out.set(n, name);
            name += n.length + 1;
          }
          at += 4 + pad4(r.length);
        }
        // nrb_record_end is four zero bytes, already there.
      }),
    );
  }

  /** Writes a Decryption Secrets Block holding an NSS key log, which Wireshark uses to decrypt TLS on its own. */
  writeDecryptionSecrets(keyLog: string): void {
    this.writeSecrets(SecretsType.tlsKeyLog, textBytes(keyLog));
  }

  /** Writes a Decryption Secrets Block of any secrets type. */
  writeSecrets(secretsType: number, data: Uint8Array): void {
    this.sink(
      block(BlockType.decryptionSecrets, DecryptionSecretsOffsets.data + data.length, [], (out, view, body) => {
        view.setUint32(body + DecryptionSecretsOffsets.secretsType, secretsType, true);
        view.setUint32(body + DecryptionSecretsOffsets.secretsLength, data.length, true);
        out.set(data, body + DecryptionSecretsOffsets.data);
      }),
    );
  }
}
