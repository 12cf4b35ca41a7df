/**
 * One decoded layer of a frame, as dissect returns it and assemble takes it:
 * its name, where it starts in the frame, how many bytes it spans with what
 * it carries, and its header object.
 */
import type { DecodeError } from './decode-error.js';

export interface Layer<N extends string = string, H = unknown> {
  readonly name: N;
  readonly offset: number;
  readonly length: number;
  readonly header: H;
}

/** Bytes that no codec claimed, and why. */
export interface RawHeader {
  readonly bytes: Uint8Array;
  readonly reason?: string;
}

/** Where decoding stopped: the error, and the bytes it could not read, so assemble can write them back. */
export interface ErrorHeader {
  readonly error: DecodeError;
  readonly bytes: Uint8Array;
}
