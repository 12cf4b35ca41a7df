/**
 * Reads HTTP/1.1 messages off a TCP byte stream that arrives in pieces of
 * any size, pipelined messages included.
 *
 * It holds only the bytes it has been given: a Content-Length or chunk size
 * read off the wire never decides an allocation. Each finished message is
 * copied out of the stream buffer, so its body views stay valid while the
 * buffer is reused. After an error the parser stays failed: a byte stream
 * has no way to find the next message once framing is lost.
 */
import { DecodeError } from './decode-error.js';
import {
  DEFAULT_MAX_HEADER_BYTES,
  type DecodedHttp,
  type HttpDecodeOptions,
  type HttpMessage,
  NeedMoreBytes,
  findHeadEnd,
  isResponse,
  parseMessage,
} from './http.js';

export interface HttpStreamMessage {
  readonly message: HttpMessage;
  /** Where the message began, counted in bytes from the start of the stream. */
  readonly streamOffset: number;
  /** How many bytes of the stream the message took. */
  readonly length: number;
  /** The message's own bytes, which `message`'s views point into. */
  readonly bytes: Uint8Array;
}

export type HttpStreamOptions = Omit<HttpDecodeOptions, 'requestMethod'>;

export class HttpStreamParser {
  private buf = new Uint8Array(0);
  private start = 0;
  private filled = 0;
  private headEnd = -1;
  private scanned = 0;
  private consumedBefore = 0;
  private failure: DecodeError | undefined;
  private ended = false;
  private readonly methods: string[] = [];
  private readonly options: HttpStreamOptions;

  constructor(options: HttpStreamOptions = {}) {
    this.options = options;
  }

  /** Bytes of the stream taken by complete messages so far. */
  get consumed(): number {
    return this.consumedBefore;
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number {
    return this.filled - this.start;
  }

  /**
   * For a stream of responses: the method of the next request they answer,
   * in order. A response to HEAD has no body; an interim 1xx response does
   * not use up its request.
   */
  expectResponseTo(method: string): void {
    this.methods.push(method);
  }

  /** Adds bytes from the stream and returns every message they complete. */
  push(chunk: Uint8Array): HttpStreamMessage[] {
    this.checkUsable();
    this.append(chunk);
    return this.drain(false);
  }

  /**
   * The connection has closed: a response that runs to the end of the
   * connection is complete now. Anything else left half-received is an error.
   */
  end(): HttpStreamMessage[] {
    this.checkUsable();
    const out = this.drain(true);
    this.ended = true;
    if (this.filled > this.start) this.fail(new DecodeError('http', this.consumedBefore, 'connection closed inside a message', 1, 0));
    return out;
  }

  private checkUsable(): void {
    if (this.failure) throw this.failure;
    if (this.ended) throw new DecodeError('http', this.consumedBefore, 'stream already ended');
  }

  private fail(error: DecodeError): never {
    this.failure = error;
    throw error;
  }

  private append(chunk: Uint8Array): void {
    const live = this.filled - this.start;
    const need = live + chunk.length;
    const shift = this.start;
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, this.buf.length * 2, 256));
      grown.set(this.buf.subarray(this.start, this.filled));
      this.buf = grown;
    } else if (shift > 0) {
      this.buf.copyWithin(0, this.start, this.filled);
    }
    this.start = 0;
    this.filled = live;
    if (this.headEnd >= 0) this.headEnd -= shift;
    this.scanned = Math.max(0, this.scanned - shift);
    this.buf.set(chunk, this.filled);
    this.filled += chunk.length;
  }

  private drain(atEnd: boolean): HttpStreamMessage[] {
    const out: HttpStreamMessage[] = [];
    while (this.start < this.filled) {
      const limit = this.options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
      try {
        if (this.headEnd < 0) {
          // Resume the search a few bytes back so a CRLFCRLF split across pushes is found.
          this.headEnd = findHeadEnd(this.buf, this.start, this.filled, limit, Math.max(this.start, this.scanned - 3));
          this.scanned = this.filled;
          if (this.headEnd < 0) break;
        }
        const got = this.parseOne(atEnd);
        if (!got) break;
        out.push(got);
      } catch (e) {
        if (e instanceof DecodeError) this.fail(new DecodeError(e.layer, e.offset - this.start + this.consumedBefore, e.reason, e.need, e.have));
        throw e;
      }
    }
    return out;
  }

  private parseOne(atEnd: boolean): HttpStreamMessage | undefined {
    let parsed: DecodedHttp;
    try {
      parsed = parseMessage(this.buf, this.start, this.filled, { ...this.options, requestMethod: this.methods[0] }, atEnd);
    } catch (e) {
      if (e instanceof NeedMoreBytes) return undefined;
      throw e;
    }
    const bytes = this.buf.slice(this.start, this.start + parsed.length);
    // Parse the copy again so the message's views point into bytes that stay put.
    const own = parseMessage(bytes, 0, bytes.length, { ...this.options, requestMethod: this.methods[0] }, true);
    const message = own.header;
    if (isResponse(message) && message.status >= 200) this.methods.shift();
    const result: HttpStreamMessage = { message, streamOffset: this.consumedBefore, length: parsed.length, bytes };
    this.consumedBefore += parsed.length;
    this.start += parsed.length;
    this.headEnd = -1;
    this.scanned = this.start;
    return result;
  }
}
