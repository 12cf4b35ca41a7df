/**
 * The TLS 1.3 cipher suites this stack speaks (RFC 8446 §B.4): each names an
 * AEAD and the hash that the key schedule and the transcript use. All three
 * AEADs take a 12-byte nonce and a 16-byte tag.
 */
export interface CipherSuite {
  readonly id: number;
  readonly name: string;
  /** node:crypto's name for the AEAD. */
  readonly aead: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  /** node:crypto's name for the hash. */
  readonly hash: 'sha256' | 'sha384';
  readonly hashLength: number;
  readonly keyLength: number;
}

export const TLS_AES_128_GCM_SHA256: CipherSuite = { id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', aead: 'aes-128-gcm', hash: 'sha256', hashLength: 32, keyLength: 16 };
export const TLS_AES_256_GCM_SHA384: CipherSuite = { id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', aead: 'aes-256-gcm', hash: 'sha384', hashLength: 48, keyLength: 32 };
export const TLS_CHACHA20_POLY1305_SHA256: CipherSuite = { id: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', aead: 'chacha20-poly1305', hash: 'sha256', hashLength: 32, keyLength: 32 };

/** In the order a browser offers them. */
export const CIPHER_SUITES: readonly CipherSuite[] = [TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256];

export const AEAD_IV_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

export function cipherSuiteById(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.id === id);
}
