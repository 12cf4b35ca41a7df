/**
 * Joins the fragments of handshake records into whole messages (RFC 8446
 * §5.1: a message may span records, and a record may hold several). Each
 * message comes out with its exact bytes, header included, because the
 * transcript hash is taken over those bytes and not over a re-encoding.
 *
 * A message is buffered piece by piece as its bytes arrive, never allocated
 * from its declared length, and a declared length over the limit is a
 * DecodeError at once.
 */
import { concatBytes } from '../bytes.js';
import { DecodeError } from '../decode-error.js';
import { type HandshakeDecodeOptions, type HandshakeMessage, HANDSHAKE_HEADER_LENGTH, HANDSHAKE_MAX_LENGTH, decodeHandshake } from './handshake.js';
import { TLS_LAYER } from './wire.js';

export interface ReassembledMessage {
  readonly message: HandshakeMessage;
  /** The message's bytes, header included. A view into the pushed fragment when the message lay whole inside it. */
  readonly raw: Uint8Array;
  /** Where the message starts in the handshake stream (the concatenated fragments). */
  readonly streamOffset: number;
}

export interface ReassemblerOptions extends HandshakeDecodeOptions {
  /** The longest message body accepted; default 2^17, at most 2^24 − 1. */
  readonly maxMessageLength?: number;
}

export const DEFAULT_MAX_HANDSHAKE_LENGTH = 2 ** 17;

export class HandshakeReassembler {
  private readonly limit: number;
  private pieces: Uint8Array[] = [];
  private pendingBytes = 0;
  /** The whole length of the pending message, header included, once its header is known; else -1. */
  private need = -1;
  private consumed = 0;

  constructor(private readonly options: ReassemblerOptions = {}) {
    this.limit = Math.min(options.maxMessageLength ?? DEFAULT_MAX_HANDSHAKE_LENGTH, HANDSHAKE_MAX_LENGTH);
  }

  /** Bytes held for a message not yet complete. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** True between messages: nothing is waiting for more bytes. */
  get idle(): boolean {
    return this.pendingBytes === 0;
  }

  /** Feeds the fragment of the next handshake record; returns the messages it completes, in order. */
  push(fragment: Uint8Array): ReassembledMessage[] {
    const out: ReassembledMessage[] = [];
    let at = 0;
    while (at < fragment.length) {
      if (this.pendingBytes === 0 && fragment.length - at >= HANDSHAKE_HEADER_LENGTH) {
        const total = this.totalLength(fragment, at);
        if (fragment.length - at >= total) {
          out.push(this.emit(fragment.subarray(at, at + total)));
          at += total;
          continue;
        }
      }
      const want = (this.need >= 0 ? this.need : HANDSHAKE_HEADER_LENGTH) - this.pendingBytes;
      const take = Math.min(want, fragment.length - at);
      this.pieces.push(fragment.slice(at, at + take));
      this.pendingBytes += take;
      at += take;
      if (this.need < 0 && this.pendingBytes === HANDSHAKE_HEADER_LENGTH) this.need = this.totalLength(join(this.pieces), 0);
      if (this.pendingBytes === this.need) {
        const raw = join(this.pieces);
        this.pieces = [];
        this.pendingBytes = 0;
        this.need = -1;
        out.push(this.emit(raw));
      }
    }
    return out;
  }

  private totalLength(b: Uint8Array, at: number): number {
    const length = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
    if (length > this.limit) {
      throw new DecodeError(TLS_LAYER, this.consumed, `handshake message length ${length} exceeds the limit of ${this.limit}`);
    }
    return HANDSHAKE_HEADER_LENGTH + length;
  }

  private emit(raw: Uint8Array): ReassembledMessage {
    const streamOffset = this.consumed;
    this.consumed += raw.length;
    return { message: decodeHandshake(raw, 0, this.options).header, raw, streamOffset };
  }
}

/** The buffered pieces as one message; a message held in a single piece is returned as it is. */
function join(pieces: readonly Uint8Array[]): Uint8Array {
  return pieces.length === 1 ? pieces[0] : concatBytes(pieces);
}
