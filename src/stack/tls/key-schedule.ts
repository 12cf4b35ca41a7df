/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1): HKDF-Extract and
 * HKDF-Expand-Label, Derive-Secret over a transcript hash, the traffic
 * keys and IVs (§7.3) and the Finished MAC (§4.4.4).
 *
 * HKDF-Expand is written out over createHmac because hkdfSync always runs
 * Extract first, and TLS expands secrets that are already pseudorandom.
 */
import { createHash, createHmac } from 'node:crypto';
import { AEAD_IV_LENGTH, type CipherSuite } from './cipher-suites.js';

export type HashName = CipherSuite['hash'];

export function hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, salt).update(ikm).digest());
}

export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let at = 0, counter = 1; at < length; counter++) {
    previous = new Uint8Array(createHmac(hash, prk).update(previous).update(info).update(Uint8Array.of(counter)).digest());
    out.set(previous.subarray(0, Math.min(previous.length, length - at)), at);
    at += previous.length;
  }
  return out;
}

/** The HkdfLabel structure: a 2-byte length, then "tls13 " + label and the context, each with a 1-byte length. */
export function hkdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  const name = Buffer.from(`tls13 ${label}`, 'ascii');
  const out = new Uint8Array(2 + 1 + name.length + 1 + context.length);
  out[0] = length >>> 8;
  out[1] = length & 255;
  out[2] = name.length;
  out.set(name, 3);
  out[3 + name.length] = context.length;
  out.set(context, 4 + name.length);
  return out;
}

export function hkdfExpandLabel(hash: HashName, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(hash, secret, hkdfLabel(label, context, length), length);
}

export function hashOf(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(hash);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function hashLength(hash: HashName): number {
  return hash === 'sha384' ? 48 : 32;
}

/** Derive-Secret(Secret, Label, Messages), given the hash of the messages. */
export function deriveSecret(hash: HashName, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hashLength(hash));
}

export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

export function trafficKeys(suite: CipherSuite, trafficSecret: Uint8Array): TrafficKeys {
  const none = new Uint8Array(0);
  return {
    key: hkdfExpandLabel(suite.hash, trafficSecret, 'key', none, suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, trafficSecret, 'iv', none, AEAD_IV_LENGTH),
  };
}

/** verify_data = HMAC(finished_key, transcript hash), with finished_key taken from the sender's handshake traffic secret. */
export function finishedVerifyData(hash: HashName, baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const finishedKey = hkdfExpandLabel(hash, baseKey, 'finished', new Uint8Array(0), hashLength(hash));
  return new Uint8Array(createHmac(hash, finishedKey).update(transcriptHash).digest());
}

/** RFC 8446 §7.2: the next application traffic secret after a KeyUpdate. */
export function nextTrafficSecret(hash: HashName, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, secret, 'traffic upd', new Uint8Array(0), hashLength(hash));
}

/**
 * The secrets of one full handshake without a PSK, in the order the
 * handshake reaches them. Each stage takes the transcript hash at its point.
 */
export class KeySchedule {
  readonly earlySecret: Uint8Array;
  handshakeSecret?: Uint8Array;
  masterSecret?: Uint8Array;

  constructor(readonly hash: HashName) {
    const zeros = new Uint8Array(hashLength(hash));
    this.earlySecret = hkdfExtract(hash, zeros, zeros);
  }

  /** After ServerHello: the handshake secret from the (EC)DHE shared secret, and both handshake traffic secrets. */
  handshake(sharedSecret: Uint8Array, helloHash: Uint8Array): { client: Uint8Array; server: Uint8Array } {
    const salt = deriveSecret(this.hash, this.earlySecret, 'derived', hashOf(this.hash));
    this.handshakeSecret = hkdfExtract(this.hash, salt, sharedSecret);
    return {
      client: deriveSecret(this.hash, this.handshakeSecret, 'c hs traffic', helloHash),
      server: deriveSecret(this.hash, this.handshakeSecret, 's hs traffic', helloHash),
    };
  }

  /** After the server Finished: the master secret, both application traffic secrets and the exporter secret. */
  application(serverFinishedHash: Uint8Array): { client: Uint8Array; server: Uint8Array; exporter: Uint8Array } {
    if (!this.handshakeSecret) throw new Error('tls: application secrets asked for before the handshake secret');
    const salt = deriveSecret(this.hash, this.handshakeSecret, 'derived', hashOf(this.hash));
    this.masterSecret = hkdfExtract(this.hash, salt, new Uint8Array(hashLength(this.hash)));
    return {
      client: deriveSecret(this.hash, this.masterSecret, 'c ap traffic', serverFinishedHash),
      server: deriveSecret(this.hash, this.masterSecret, 's ap traffic', serverFinishedHash),
      exporter: deriveSecret(this.hash, this.masterSecret, 'exp master', serverFinishedHash),
    };
  }

  /** After the client Finished. */
  resumption(clientFinishedHash: Uint8Array): Uint8Array {
    if (!this.masterSecret) throw new Error('tls: resumption secret asked for before the master secret');
    return deriveSecret(this.hash, this.masterSecret, 'res master', clientFinishedHash);
  }
}
