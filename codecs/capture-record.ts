/**
 * What the capture readers give back, whichever file format carried it: one
 * record per packet, and the things a file holds besides packets.
 */
import { concatBytes } from './bytes.js';

export interface CaptureRecord {
  /** LINKTYPE_ of the packet's interface (link-type.ts). */
  readonly linkType: number;
  /**
   * Nanoseconds since the Unix epoch, with the interface's resolution and
   * offset applied. A pcapng Simple Packet Block carries no time; its records
   * have 0n here and `block: 'simple'`.
   */
  readonly timestampNs: bigint;
  /** The captured bytes: a view into the file, never a copy. */
  readonly data: Uint8Array;
  /** The packet's length on the wire, which may exceed `data.length`. */
  readonly originalLength: number;
  /** Where the record's header or block starts in the file. */
  readonly fileOffset: number;
  /** pcapng only: the interface's index within its section. */
  readonly interfaceId?: number;
  /** pcapng only: the interface's if_name. */
  readonly interfaceName?: string;
  /** pcapng only: the first opt_comment. */
  readonly comment?: string;
  /** pcapng only: every opt_comment, when there is more than one. */
  readonly comments?: readonly string[];
  /** pcapng only: epb_flags (bits 0–1 are the direction: 1 inbound, 2 outbound). */
  readonly flags?: number;
  /** pcapng only: epb_packetid. */
  readonly packetId?: bigint;
  /** pcapng only: the index of the section, counted from 0. */
  readonly section?: number;
  /** pcapng only: which block held the packet. */
  readonly block?: 'enhanced' | 'simple' | 'packet';
}

export interface CaptureSection {
  readonly index: number;
  readonly byteOrder: 'little' | 'big';
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly comments: readonly string[];
  readonly hardware?: string;
  readonly os?: string;
  readonly userApplication?: string;
}

export interface CaptureInterface {
  readonly section: number;
  /** The index that packets use to name this interface within its section. */
  readonly id: number;
  readonly linkType: number;
  /** 0 means no limit. */
  readonly snapLength: number;
  readonly name?: string;
  readonly description?: string;
  /**
   * The if_tsresol byte as written: with the top bit clear, ticks are 10^-n
   * seconds; with it set, 2^-n. Classic pcap gives 6 (µs) or 9 (ns).
   */
  readonly tsresol: number;
  /** if_tsoffset: seconds added to every timestamp of this interface. */
  readonly tsoffset: bigint;
  readonly fcsLength?: number;
  readonly os?: string;
  readonly filter?: Uint8Array;
}

export interface NameResolutionEntry {
  readonly section: number;
  /** IPv4 dotted or IPv6 text. */
  readonly address: string;
  readonly names: readonly string[];
}

export interface DecryptionSecrets {
  readonly section: number;
  /** The secrets type, e.g. 0x544c534b ("TLSK") for a TLS key log. */
  readonly type: number;
  /** A view into the file. */
  readonly data: Uint8Array;
}

export interface CaptureDetails {
  readonly format: 'pcap' | 'pcapng';
  readonly sections: readonly CaptureSection[];
  readonly interfaces: readonly CaptureInterface[];
  readonly nameResolution: readonly NameResolutionEntry[];
  readonly decryptionSecrets: readonly DecryptionSecrets[];
  readonly packetCount: number;
}

/** Secrets types of the Decryption Secrets Block. */
export const SecretsType = {
  tlsKeyLog: 0x544c534b,
  wireguardKeyLog: 0x57474b4c,
  zigbeeNwkKey: 0x5a4e574b,
  zigbeeApsKey: 0x5a415053,
} as const;

/**
 * Where a streaming writer sends its bytes. Each chunk is a fresh buffer that
 * the writer never touches again, so a sink may keep it without copying.
 */
export type CaptureSink = (chunk: Uint8Array) => void;

/** A sink that keeps every chunk in memory, and joins them on demand. */
export function collect(): { readonly sink: CaptureSink; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  return {
    sink: (chunk) => {
      chunks.push(chunk);
    },
    bytes: () => concatBytes(chunks),
  };
}
