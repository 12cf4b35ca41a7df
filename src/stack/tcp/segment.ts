/**
 * What the stack says about a segment in logs and capture notes, and the
 * option lists it puts on the wire.
 */
import type { TcpFlags, TcpHeader, TcpOption } from '../../../codecs/tcp.js';

const FLAG_ORDER = ['syn', 'fin', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr'] as const;

/** "SYN,ACK", as the event log and notes print flags. */
export function flagText(flags: TcpFlags): string {
  return FLAG_ORDER.filter((name) => flags[name])
    .map((name) => name.toUpperCase())
    .join(',');
}

export function makeFlags(set: Partial<TcpFlags>): TcpFlags {
  return {
    fin: set.fin ?? false,
    syn: set.syn ?? false,
    rst: set.rst ?? false,
    psh: set.psh ?? false,
    ack: set.ack ?? false,
    urg: set.urg ?? false,
    ece: set.ece ?? false,
    cwr: set.cwr ?? false,
    ns: false,
  };
}

/** The sequence space a segment occupies: its data, plus one each for SYN and FIN. */
export function segmentLength(header: TcpHeader, dataLength: number): number {
  return dataLength + (header.flags.syn ? 1 : 0) + (header.flags.fin ? 1 : 0);
}

/** What the SYN or SYN-ACK offers, in the order Linux writes them (MSS, SACK-permitted, timestamps, NOP, window scale). */
export function synOptions(offer: { mss: number; sackPermitted: boolean; timestamps?: { value: number; echoReply: number }; windowScale?: number }): TcpOption[] {
  const options: TcpOption[] = [{ kind: 'mss', value: offer.mss }];
  if (offer.sackPermitted) options.push({ kind: 'sackPermitted' });
  if (offer.timestamps) options.push({ kind: 'timestamps', value: offer.timestamps.value, echoReply: offer.timestamps.echoReply });
  if (offer.windowScale !== undefined) options.push({ kind: 'nop' }, { kind: 'windowScale', shiftCount: offer.windowScale });
  return options;
}

/** What a segment after the handshake carries: timestamps and SACK blocks, each aligned by NOPs. */
export function segmentOptions(timestamps: { value: number; echoReply: number } | undefined, sack: readonly { left: number; right: number }[]): TcpOption[] {
  const options: TcpOption[] = [];
  if (timestamps) options.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', value: timestamps.value, echoReply: timestamps.echoReply });
  if (sack.length > 0) options.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: sack });
  return options;
}

/** Reads what the peer's SYN offered. */
export function readSynOptions(options: readonly TcpOption[]): { mss?: number; sackPermitted: boolean; windowScale?: number; timestamp?: number } {
  let mss: number | undefined;
  let sackPermitted = false;
  let windowScale: number | undefined;
  let timestamp: number | undefined;
  for (const option of options) {
    if (option.kind === 'mss') mss = option.value;
    else if (option.kind === 'sackPermitted') sackPermitted = true;
    else if (option.kind === 'windowScale') windowScale = Math.min(option.shiftCount, 14);
    else if (option.kind === 'timestamps') timestamp = option.value;
  }
  return { mss, sackPermitted, windowScale, timestamp };
}

/** The peer's TSval, if the segment carries timestamps. */
export function timestampOf(options: readonly TcpOption[]): { value: number; echoReply: number } | undefined {
  for (const option of options) if (option.kind === 'timestamps') return { value: option.value, echoReply: option.echoReply };
  return undefined;
}

/** The SACK blocks a segment carries, if any. */
export function sackBlocksOf(options: readonly TcpOption[]): readonly { left: number; right: number }[] {
  for (const option of options) if (option.kind === 'sack') return option.blocks;
  return [];
}
