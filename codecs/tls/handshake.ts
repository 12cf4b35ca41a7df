/**
 * Handshake messages (RFC 8446 §4): a 1-byte type, a 3-byte length and the
 * body. TLS 1.3 bodies are decoded into RFC 8446's fields; TLS 1.2's
 * ServerKeyExchange, ServerHelloDone and ClientKeyExchange are kept as
 * opaque bodies, as is any type this codec does not know.
 *
 * Certificate, CertificateRequest and NewSessionTicket changed shape in TLS
 * 1.3, and the bytes alone do not tell which shape they hold: decode takes
 * `{ tls13 }` (default true, the version the caller negotiated). With
 * `tls13: false` a Certificate is `{ certificateList: [{ certData }] }` with
 * no request context and no entry extensions, and the other two keep their
 * bodies opaque. Encoding needs no option: the object's fields say its form.
 */
import { type Decoded, decoded } from '../codec.js';
import { type Extension, readExtensions, writeExtensions } from './extensions.js';
import { Reader, type Writer, encodeIntoWith, encodeWith, measureWith } from './wire.js';

export interface ClientHello {
  readonly type: 'client_hello';
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly legacyCompressionMethods: readonly number[];
  readonly extensions: readonly Extension[];
  /** Set when the hello ended before its extension block (allowed before TLS 1.3), so it is written back without one. */
  readonly extensionsAbsent?: true;
}

interface ServerHelloFields {
  readonly legacyVersion: number;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
  readonly extensions: readonly Extension[];
  readonly extensionsAbsent?: true;
}

export interface ServerHello extends ServerHelloFields {
  readonly type: 'server_hello';
  readonly random: Uint8Array;
}

/** A ServerHello whose random is HELLO_RETRY_REQUEST_RANDOM; it is written back as one. */
export interface HelloRetryRequest extends ServerHelloFields {
  readonly type: 'hello_retry_request';
}

export interface EncryptedExtensions {
  readonly type: 'encrypted_extensions';
  readonly extensions: readonly Extension[];
}

export interface CertificateEntry {
  /** The DER bytes of an X.509 certificate (or a raw public key). */
  readonly certData: Uint8Array;
  /** TLS 1.3 only; absent in a TLS 1.2 Certificate. */
  readonly extensions?: readonly Extension[];
}

export interface Certificate {
  readonly type: 'certificate';
  /** TLS 1.3 only; its absence makes encode write the TLS 1.2 form. */
  readonly certificateRequestContext?: Uint8Array;
  readonly certificateList: readonly CertificateEntry[];
}

export interface CertificateRequest {
  readonly type: 'certificate_request';
  readonly certificateRequestContext: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface CertificateVerify {
  readonly type: 'certificate_verify';
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

export interface Finished {
  readonly type: 'finished';
  /** The whole body: its length is the hash length of the cipher suite. */
  readonly verifyData: Uint8Array;
}

export interface NewSessionTicket {
  readonly type: 'new_session_ticket';
  readonly ticketLifetime: number;
  readonly ticketAgeAdd: number;
  readonly ticketNonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface KeyUpdate {
  readonly type: 'key_update';
  /** 0 update_not_requested, 1 update_requested. */
  readonly requestUpdate: number;
}

export interface EndOfEarlyData {
  readonly type: 'end_of_early_data';
}

/** A message kept as its body: TLS 1.2's key exchange messages, TLS 1.2 forms of 1.3 messages, unknown types. */
export interface OpaqueHandshake {
  readonly type: 'server_key_exchange' | 'server_hello_done' | 'client_key_exchange' | 'certificate_request' | 'new_session_ticket' | number;
  readonly body: Uint8Array;
}

export type HandshakeMessage =
  | ClientHello
  | ServerHello
  | HelloRetryRequest
  | EncryptedExtensions
  | Certificate
  | CertificateRequest
  | CertificateVerify
  | Finished
  | NewSessionTicket
  | KeyUpdate
  | EndOfEarlyData
  | OpaqueHandshake;

export interface HandshakeDecodeOptions {
  /** Decode Certificate, CertificateRequest and NewSessionTicket in their TLS 1.3 form. Default true. */
  readonly tls13?: boolean;
}

export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  hello_retry_request: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  key_update: 24,
} as const;

export const HANDSHAKE_HEADER_LENGTH = 4;
/** The largest body a 3-byte length can name. */
export const HANDSHAKE_MAX_LENGTH = 2 ** 24 - 1;

export const HandshakeOffsets = { msgType: 0, length: 1, body: 4 } as const;

/** SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3. */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
);

function isHelloRetryRandom(r: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (r[i] !== HELLO_RETRY_REQUEST_RANDOM[i]) return false;
  return true;
}

/** Decodes the message at `offset`; it must lie whole before `end`. */
export function decodeHandshake(bytes: Uint8Array, offset = 0, options?: HandshakeDecodeOptions, end = bytes.length): Decoded<HandshakeMessage> {
  const r = new Reader(bytes, offset, end);
  const msgType = r.u8('handshake type');
  const body = r.vector(3, 'handshake body');
  const message = readBody(msgType, body, options?.tls13 ?? true);
  body.done(`${typeof message.type === 'string' ? message.type : 'handshake'} message`);
  return decoded(bytes, message, HANDSHAKE_HEADER_LENGTH, offset + HANDSHAKE_HEADER_LENGTH, body.end - offset - HANDSHAKE_HEADER_LENGTH);
}

/** Decodes `length` bytes that hold whole messages and nothing else (a record's fragment, or a decrypted flight). */
export function decodeHandshakeMessages(bytes: Uint8Array, offset = 0, length = bytes.length - offset, options?: HandshakeDecodeOptions): HandshakeMessage[] {
  const end = offset + length;
  const out: HandshakeMessage[] = [];
  let at = offset;
  while (at < end) {
    const d = decodeHandshake(bytes, at, options, end);
    out.push(d.header);
    at = d.payloadOffset + d.payloadLength;
  }
  return out;
}

function readBody(msgType: number, r: Reader, tls13: boolean): HandshakeMessage {
  switch (msgType) {
    case 1: {
      const legacyVersion = r.u16('legacy_version');
      const random = r.view(32, 'random');
      const legacySessionId = r.opaque(1, 'legacy_session_id', 0, 32);
      const cipherSuites = r.uints(2, 2, 'cipher_suites', 2);
      const legacyCompressionMethods = r.uints(1, 1, 'legacy_compression_methods', 1);
      if (r.remaining === 0) return { type: 'client_hello', legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions: [], extensionsAbsent: true };
      const extensions = readExtensions(r, 'client_hello');
      return { type: 'client_hello', legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
    }
    case 2: {
      const legacyVersion = r.u16('legacy_version');
      const random = r.view(32, 'random');
      const legacySessionIdEcho = r.opaque(1, 'legacy_session_id_echo', 0, 32);
      const cipherSuite = r.u16('cipher_suite');
      const legacyCompressionMethod = r.u8('legacy_compression_method');
      const hrr = isHelloRetryRandom(random);
      const fields = { legacyVersion, legacySessionIdEcho, cipherSuite, legacyCompressionMethod };
      if (r.remaining === 0) {
        return hrr ? { type: 'hello_retry_request', ...fields, extensions: [], extensionsAbsent: true } : { type: 'server_hello', ...fields, random, extensions: [], extensionsAbsent: true };
      }
      if (hrr) return { type: 'hello_retry_request', ...fields, extensions: readExtensions(r, 'hello_retry_request') };
      return { type: 'server_hello', legacyVersion, random, legacySessionIdEcho, cipherSuite, legacyCompressionMethod, extensions: readExtensions(r, 'server_hello') };
    }
    case 4:
      if (!tls13) return { type: 'new_session_ticket', body: r.rest() };
      return {
        type: 'new_session_ticket',
        ticketLifetime: r.u32('ticket_lifetime'),
        ticketAgeAdd: r.u32('ticket_age_add'),
        ticketNonce: r.opaque(1, 'ticket_nonce'),
        ticket: r.opaque(2, 'ticket', 1),
        extensions: readExtensions(r, 'new_session_ticket'),
      };
    case 5:
      return { type: 'end_of_early_data' };
    case 8:
      return { type: 'encrypted_extensions', extensions: readExtensions(r, 'encrypted_extensions') };
    case 11: {
      const certificateRequestContext = tls13 ? r.opaque(1, 'certificate_request_context') : undefined;
      const list = r.vector(3, 'certificate_list');
      const certificateList: CertificateEntry[] = [];
      while (list.remaining > 0) {
        const certData = list.opaque(3, 'cert_data', 1);
        certificateList.push(tls13 ? { certData, extensions: readExtensions(list, 'certificate') } : { certData });
      }
      return tls13 ? { type: 'certificate', certificateRequestContext, certificateList } : { type: 'certificate', certificateList };
    }
    case 13:
      if (!tls13) return { type: 'certificate_request', body: r.rest() };
      return { type: 'certificate_request', certificateRequestContext: r.opaque(1, 'certificate_request_context'), extensions: readExtensions(r, 'certificate_request') };
    case 15:
      return { type: 'certificate_verify', algorithm: r.u16('algorithm'), signature: r.opaque(2, 'signature') };
    case 20:
      return { type: 'finished', verifyData: r.rest() };
    case 24:
      return { type: 'key_update', requestUpdate: r.u8('request_update') };
    case 12:
      return { type: 'server_key_exchange', body: r.rest() };
    case 14:
      return { type: 'server_hello_done', body: r.rest() };
    case 16:
      return { type: 'client_key_exchange', body: r.rest() };
    default:
      return { type: msgType, body: r.rest() };
  }
}

function writeMessage(w: Writer, m: HandshakeMessage): void {
  w.u8(typeof m.type === 'number' ? m.type : HandshakeType[m.type]);
  w.vector(3, () => writeBody(w, m));
}

function writeBody(w: Writer, m: HandshakeMessage): void {
  if ('body' in m) return w.bytes(m.body);
  switch (m.type) {
    case 'client_hello':
      w.u16(m.legacyVersion);
      w.bytes(m.random);
      w.opaque(1, m.legacySessionId);
      w.uints(2, 2, m.cipherSuites);
      w.uints(1, 1, m.legacyCompressionMethods);
      if (!m.extensionsAbsent) writeExtensions(w, m.extensions);
      return;
    case 'server_hello':
    case 'hello_retry_request':
      w.u16(m.legacyVersion);
      w.bytes(m.type === 'server_hello' ? m.random : HELLO_RETRY_REQUEST_RANDOM);
      w.opaque(1, m.legacySessionIdEcho);
      w.u16(m.cipherSuite);
      w.u8(m.legacyCompressionMethod);
      if (!m.extensionsAbsent) writeExtensions(w, m.extensions);
      return;
    case 'new_session_ticket':
      w.u32(m.ticketLifetime);
      w.u32(m.ticketAgeAdd);
      w.opaque(1, m.ticketNonce);
      w.opaque(2, m.ticket);
      return writeExtensions(w, m.extensions);
    case 'end_of_early_data':
      return;
    case 'encrypted_extensions':
      return writeExtensions(w, m.extensions);
    case 'certificate':
      if (m.certificateRequestContext) w.opaque(1, m.certificateRequestContext);
      return w.vector(3, () => {
        for (const entry of m.certificateList) {
          w.opaque(3, entry.certData);
          if (m.certificateRequestContext) writeExtensions(w, entry.extensions ?? []);
        }
      });
    case 'certificate_request':
      w.opaque(1, m.certificateRequestContext);
      return writeExtensions(w, m.extensions);
    case 'certificate_verify':
      w.u16(m.algorithm);
      return w.opaque(2, m.signature);
    case 'finished':
      return w.bytes(m.verifyData);
    case 'key_update':
      return w.u8(m.requestUpdate);
  }
}

export function handshakeEncodingLength(message: HandshakeMessage): number {
  return measureWith((w) => writeMessage(w, message));
}

export function encodeHandshakeInto(buf: Uint8Array, offset: number, message: HandshakeMessage): number {
  return encodeIntoWith(buf, offset, 'handshake message', (w) => writeMessage(w, message));
}

/** The message's exact bytes, header included: what the transcript hash covers. */
export function encodeHandshake(message: HandshakeMessage): Uint8Array {
  return encodeWith((w) => writeMessage(w, message));
}

/** Writes several messages back to back, as one record's fragment or one flight. */
export function encodeHandshakeMessages(messages: readonly HandshakeMessage[]): Uint8Array {
  return encodeWith((w) => messages.forEach((m) => writeMessage(w, m)));
}

export function writeHandshakeMessages(w: Writer, messages: readonly HandshakeMessage[]): void {
  for (const m of messages) writeMessage(w, m);
}
