/**
 * Record protection (RFC 8446 §5.2–5.3). A protected record is an
 * application_data record whose fragment is the AEAD sealing of the inner
 * plaintext: the content, its real content type, then zero padding. The
 * nonce is the IV XOR the 64-bit record sequence number, left-padded; the
 * additional data is the record header.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ContentType, TLS_RECORD_HEADER_LENGTH } from '../../../codecs/tls/index.js';
import { TlsAlert } from './alerts.js';
import { AEAD_TAG_LENGTH, type CipherSuite } from './cipher-suites.js';
import { type TrafficKeys, trafficKeys } from './key-schedule.js';

/** RFC 8446 §5.1: the largest plaintext a record may carry. */
export const MAX_PLAINTEXT = 2 ** 14;
const LEGACY_RECORD_VERSION = 0x0303;

export interface InnerPlaintext {
  readonly contentType: number;
  readonly content: Uint8Array;
}

/** The AEAD failed: a wrong key, a tampered record, or a record out of sequence. The peer gets bad_record_mac. */
export class RecordAuthenticationError extends Error {}

// node:crypto types the GCM and ChaCha20-Poly1305 constructors as separate overloads, so each is named on its own branch.
function aeadCipher(suite: CipherSuite, key: Uint8Array, nonce: Uint8Array) {
  const options = { authTagLength: AEAD_TAG_LENGTH };
  return suite.aead === 'chacha20-poly1305' ? createCipheriv(suite.aead, key, nonce, options) : createCipheriv(suite.aead, key, nonce, options);
}

function aeadDecipher(suite: CipherSuite, key: Uint8Array, nonce: Uint8Array) {
  const options = { authTagLength: AEAD_TAG_LENGTH };
  return suite.aead === 'chacha20-poly1305' ? createDecipheriv(suite.aead, key, nonce, options) : createDecipheriv(suite.aead, key, nonce, options);
}

export class RecordProtection {
  private sequence = 0n;
  private readonly keys: TrafficKeys;

  constructor(
    readonly suite: CipherSuite,
    readonly trafficSecret: Uint8Array,
    keys?: TrafficKeys,
  ) {
    this.keys = keys ?? trafficKeys(suite, trafficSecret);
  }

  get key(): Uint8Array {
    return this.keys.key;
  }

  get iv(): Uint8Array {
    return this.keys.iv;
  }

  private nextNonce(): Uint8Array {
    const nonce = this.keys.iv.slice();
    let seq = this.sequence++;
    for (let i = nonce.length - 1; i >= nonce.length - 8; i--) {
      nonce[i] ^= Number(seq & 0xffn);
      seq >>= 8n;
    }
    return nonce;
  }

  /** Seals one record: returns its whole bytes, header included. */
  seal(contentType: number, content: Uint8Array, padding = 0): Uint8Array {
    const innerLength = content.length + 1 + padding;
    const length = innerLength + AEAD_TAG_LENGTH;
    const record = new Uint8Array(TLS_RECORD_HEADER_LENGTH + length);
    record[0] = ContentType.application_data;
    record[1] = LEGACY_RECORD_VERSION >>> 8;
    record[2] = LEGACY_RECORD_VERSION & 255;
    record[3] = length >>> 8;
    record[4] = length & 255;
    const inner = new Uint8Array(innerLength);
    inner.set(content, 0);
    inner[content.length] = contentType;
    const cipher = aeadCipher(this.suite, this.keys.key, this.nextNonce());
    cipher.setAAD(record.subarray(0, TLS_RECORD_HEADER_LENGTH), { plaintextLength: innerLength });
    const body = cipher.update(inner);
    cipher.final();
    record.set(body, TLS_RECORD_HEADER_LENGTH);
    record.set(cipher.getAuthTag(), TLS_RECORD_HEADER_LENGTH + innerLength);
    return record;
  }

  /** Opens one record given as its whole bytes; strips the padding and returns the real content type. */
  open(record: Uint8Array): InnerPlaintext {
    if (record.length < TLS_RECORD_HEADER_LENGTH + AEAD_TAG_LENGTH + 1) throw new RecordAuthenticationError('protected record too short');
    const tagAt = record.length - AEAD_TAG_LENGTH;
    const decipher = aeadDecipher(this.suite, this.keys.key, this.nextNonce());
    decipher.setAAD(record.subarray(0, TLS_RECORD_HEADER_LENGTH), { plaintextLength: tagAt - TLS_RECORD_HEADER_LENGTH });
    decipher.setAuthTag(record.subarray(tagAt));
    let inner: Uint8Array;
    try {
      inner = Buffer.concat([decipher.update(record.subarray(TLS_RECORD_HEADER_LENGTH, tagAt)), decipher.final()]);
    } catch {
      throw new RecordAuthenticationError('record failed AEAD authentication');
    }
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) throw new TlsAlert('unexpected_message', 'inner plaintext holds no content type');
    return { contentType: inner[end], content: new Uint8Array(inner.buffer, inner.byteOffset, end) };
  }
}
