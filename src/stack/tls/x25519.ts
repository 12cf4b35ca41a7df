/**
 * X25519 (RFC 7748) through node:crypto, with the private key taken from
 * bytes the caller supplies (the emulator's seeded generator), so the same
 * seed gives the same key share. node:crypto takes a raw X25519 key only
 * wrapped in PKCS#8, whose DER prefix for a 32-byte key is fixed (RFC 8410).
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
export const X25519_KEY_LENGTH = 32;
/** The NamedGroup number of x25519 (RFC 8446 §4.2.7). */
export const GROUP_X25519 = 0x001d;

export interface X25519KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

export function x25519KeyPair(privateBytes: Uint8Array): X25519KeyPair {
  if (privateBytes.length !== X25519_KEY_LENGTH) throw new RangeError(`x25519: private key must be ${X25519_KEY_LENGTH} bytes`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateBytes]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: new Uint8Array(spki.subarray(spki.length - X25519_KEY_LENGTH)) };
}

/** The shared secret with the peer's 32-byte public value; throws on a wrong length. */
export function x25519SharedSecret(privateKey: KeyObject, peerPublic: Uint8Array): Uint8Array {
  if (peerPublic.length !== X25519_KEY_LENGTH) throw new RangeError(`x25519: public value must be ${X25519_KEY_LENGTH} bytes`);
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, peerPublic]), format: 'der', type: 'spki' });
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}
