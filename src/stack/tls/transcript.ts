/**
 * The handshake transcript (RFC 8446 §4.4.1): the exact bytes of every
 * handshake message so far. The hash function is known only once the
 * ServerHello names the cipher suite, so the bytes are kept and hashed on
 * demand; a handshake is a handful of messages.
 */
import { type HashName, hashOf } from './key-schedule.js';

export class Transcript {
  private readonly messages: Uint8Array[] = [];

  add(raw: Uint8Array): void {
    this.messages.push(raw.slice());
  }

  hash(hash: HashName): Uint8Array {
    return hashOf(hash, ...this.messages);
  }
}
