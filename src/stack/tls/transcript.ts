/**
 * The handshake transcript (RFC 8446 §4.4.1): the exact bytes of every
 * handshake message so far. The hash function is known only once the
 * ServerHello names the cipher suite, so the bytes are kept and hashed on
 * demand; a handshake is a handful of messages.
 */
import { type HashName, hashOf } from './key-schedule.js';

const MESSAGE_HASH = 254;

export class Transcript {
  private readonly messages: Uint8Array[] = [];

  add(raw: Uint8Array): void {
    this.messages.push(raw.slice());
  }

  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest the first ClientHello is
   * replaced by a synthetic message_hash message holding its hash.
   */
  replaceWithMessageHash(hash: HashName): void {
    const digest = this.hash(hash);
    this.messages.length = 0;
    this.messages.push(Uint8Array.of(MESSAGE_HASH, 0, 0, digest.length, ...digest));
  }

  hash(hash: HashName): Uint8Array {
    return hashOf(hash, ...this.messages);
  }
}
