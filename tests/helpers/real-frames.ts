/**
 * The frames kept as hex in fixtures/vectors/real_frames.json, each with the
 * field values tshark gave for it.
 */
import { readFixture } from './fixtures.js';

export interface RealFrame {
  readonly what: string;
  /** The capture it was taken from, and its frame number there. */
  readonly file: string;
  readonly frame: number;
  readonly hex: string;
  readonly tshark: Readonly<Record<string, string>>;
}

export const REAL_FRAMES: readonly RealFrame[] = JSON.parse(new TextDecoder().decode(readFixture('vectors/real_frames.json')));

/** A 16-bit field the way tshark prints it in hex: "0x0800". */
export function tsharkHex16(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}
