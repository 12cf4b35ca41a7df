import { createDecipheriv } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  type ClientHello,
  type EncryptedExtensions,
  type Certificate,
  type CertificateVerify,
  type Finished,
  type NewSessionTicket,
  type ServerHello,
  decodeHandshake,
  decodeHandshakeMessages,
  decodeRecord,
  decodeRecords,
  encodeHandshake,
  encodeHandshakeMessages,
  encodeRecord,
  cipherSuiteName,
  namedGroupName,
  signatureSchemeName,
} from '../../codecs/tls/index.js';
import { toHex } from '../helpers/fixtures.js';
import { rfc8448Hex as hex, rfc8448Secret as secret } from '../helpers/rfc8448.js';

const ext = (list: readonly { type: unknown }[], type: string): any => list.find((e) => e.type === type);

describe('RFC 8448 §3 ClientHello', () => {
  const record = hex('clienthello.hex');
  const d = decodeRecord(record);
  const ch = d.header.messages![0] as ClientHello;

  test('record layer', () => {
    expect(d.header).toMatchObject({ contentType: 'handshake', version: 0x0301, length: 196 });
    expect(d.header.messages).toHaveLength(1);
    expect(d.payloadOffset).toBe(5);
    expect(d.payloadLength).toBe(196);
  });

  test('fields hold the RFC values', () => {
    expect(ch.type).toBe('client_hello');
    expect(ch.legacyVersion).toBe(0x0303);
    expect(toHex(ch.random)).toBe('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    expect(ch.legacySessionId).toHaveLength(0);
    expect(ch.cipherSuites.map(cipherSuiteName)).toEqual(['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384']);
    expect(ch.legacyCompressionMethods).toEqual([0]);
    expect(ch.extensions.map((e) => e.type)).toEqual([
      'server_name', 'renegotiation_info', 'supported_groups', 'session_ticket', 'key_share',
      'supported_versions', 'signature_algorithms', 'psk_key_exchange_modes', 'record_size_limit',
    ]);
    expect(ext(ch.extensions, 'server_name').serverNames).toEqual([{ nameType: 0, hostName: 'server' }]);
    expect(ext(ch.extensions, 'supported_groups').namedGroupList.map(namedGroupName)).toEqual([
      'x25519', 'secp256r1', 'secp384r1', 'secp521r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192',
    ]);
    const share = ext(ch.extensions, 'key_share').clientShares;
    expect(share).toHaveLength(1);
    expect(namedGroupName(share[0].group)).toBe('x25519');
    expect(toHex(share[0].keyExchange)).toBe(secret('client_x25519_public'));
    expect(ext(ch.extensions, 'supported_versions').versions).toEqual([0x0304]);
    const sigs = ext(ch.extensions, 'signature_algorithms').supportedSignatureAlgorithms as number[];
    expect(sigs).toHaveLength(15);
    expect(sigs.slice(0, 3).map(signatureSchemeName)).toEqual(['ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ecdsa_secp521r1_sha512']);
    expect(sigs).toContain(0x0804);
    expect(ext(ch.extensions, 'psk_key_exchange_modes').keModes).toEqual([1]);
    expect(ext(ch.extensions, 'record_size_limit').recordSizeLimit).toBe(0x4001);
    expect(ext(ch.extensions, 'session_ticket').ticket).toHaveLength(0);
  });

  test('re-encodes byte for byte, as a record and as a bare message', () => {
    expect(toHex(encodeRecord(d.header))).toBe(toHex(record));
    const msg = hex('clienthello_handshake_msg.hex');
    expect(decodeHandshake(msg).header).toEqual(ch);
    expect(toHex(encodeHandshake(ch))).toBe(toHex(msg));
    expect(toHex(encodeRecord(d.header, { fixLengths: false }))).toBe(toHex(record));
  });

  test('the fragment is a view, not a copy', () => {
    expect(d.header.fragment.buffer).toBe(record.buffer);
    expect(ch.random.buffer).toBe(record.buffer);
  });
});

describe('RFC 8448 §3 ServerHello', () => {
  const record = hex('serverhello.hex');
  const d = decodeRecord(record);
  const sh = d.header.messages![0] as ServerHello;

  test('fields hold the RFC values', () => {
    expect(d.header).toMatchObject({ contentType: 'handshake', version: 0x0303, length: 90 });
    expect(sh.type).toBe('server_hello');
    expect(toHex(sh.random)).toBe('a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928');
    expect(sh.legacySessionIdEcho).toHaveLength(0);
    expect(cipherSuiteName(sh.cipherSuite)).toBe('TLS_AES_128_GCM_SHA256');
    expect(sh.legacyCompressionMethod).toBe(0);
    expect(sh.extensions.map((e) => e.type)).toEqual(['key_share', 'supported_versions']);
    expect(ext(sh.extensions, 'key_share').serverShare.group).toBe(0x001d);
    expect(toHex(ext(sh.extensions, 'key_share').serverShare.keyExchange)).toBe(secret('server_x25519_public'));
    expect(ext(sh.extensions, 'supported_versions').selectedVersion).toBe(0x0304);
    expect(sh.extensions.some((e) => e.type === 'server_name')).toBe(false);
  });

  test('re-encodes byte for byte, as a record and as a bare message', () => {
    expect(toHex(encodeRecord(d.header))).toBe(toHex(record));
    const msg = hex('serverhello_handshake_msg.hex');
    expect(decodeHandshake(msg).header).toEqual(sh);
    expect(toHex(encodeHandshake(sh))).toBe(toHex(msg));
  });
});

describe('RFC 8448 §3 server flight (decrypted)', () => {
  const plain = hex('server_flight_plaintext.hex');
  const messages = decodeHandshakeMessages(plain);

  test('holds EncryptedExtensions, Certificate, CertificateVerify and Finished, lengths adding up', () => {
    expect(messages.map((m) => m.type)).toEqual(['encrypted_extensions', 'certificate', 'certificate_verify', 'finished']);
    const lengths = messages.map((m) => encodeHandshake(m).length);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(plain.length);
    let at = 0;
    for (const m of messages) {
      const d = decodeHandshake(plain, at);
      expect(d.header).toEqual(m);
      at = d.payloadOffset + d.payloadLength;
    }
    expect(at).toBe(plain.length);
  });

  test('fields hold the RFC values', () => {
    const [ee, cert, cv, fin] = messages as [EncryptedExtensions, Certificate, CertificateVerify, Finished];
    expect(ee.extensions.map((e) => e.type)).toEqual(['supported_groups', 'record_size_limit', 'server_name']);
    expect(ext(ee.extensions, 'server_name')).toEqual({ type: 'server_name' });
    expect(cert.certificateRequestContext).toHaveLength(0);
    expect(cert.certificateList).toHaveLength(1);
    expect(cert.certificateList[0].certData).toHaveLength(432);
    expect(cert.certificateList[0].certData[0]).toBe(0x30);
    expect(cert.certificateList[0].extensions).toEqual([]);
    expect(signatureSchemeName(cv.algorithm)).toBe('rsa_pss_rsae_sha256');
    expect(cv.signature).toHaveLength(128);
    expect(toHex(fin.verifyData)).toBe(secret('server_finished_verify'));
  });

  test('re-encodes byte for byte', () => {
    expect(toHex(encodeHandshakeMessages(messages))).toBe(toHex(plain));
  });
});

/** RFC 8446 §5.3/§5.4 with sequence number 0: the nonce is the IV itself, the AAD the record header. */
function decryptFirstRecord(record: Uint8Array, keyHex: string, ivHex: string): { type: number; content: Uint8Array } {
  const { header } = decodeRecord(record);
  const body = header.fragment;
  const decipher = createDecipheriv('aes-128-gcm', Buffer.from(keyHex, 'hex'), Buffer.from(ivHex, 'hex'));
  decipher.setAAD(record.subarray(0, 5));
  decipher.setAuthTag(body.subarray(body.length - 16));
  const inner = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  let end = inner.length;
  while (end > 0 && inner[end - 1] === 0) end--;
  return { type: inner[end - 1], content: new Uint8Array(inner.subarray(0, end - 1)) };
}

describe('RFC 8448 §3 NewSessionTicket', () => {
  const record = hex('server_newsessionticket.hex');

  test('is an encrypted application_data record, kept opaque', () => {
    const { header } = decodeRecord(record);
    expect(header).toMatchObject({ contentType: 'application_data', version: 0x0303, length: 222 });
    expect(header.messages).toBeUndefined();
    expect(toHex(encodeRecord(header))).toBe(toHex(record));
  });

  test('decrypted under the server application key, it is a NewSessionTicket that re-encodes exactly', () => {
    const { type, content } = decryptFirstRecord(record, secret('server_app_write_key'), secret('server_app_write_iv'));
    expect(type).toBe(22);
    const [nst, ...rest] = decodeHandshakeMessages(content) as NewSessionTicket[];
    expect(rest).toEqual([]);
    expect(nst.type).toBe('new_session_ticket');
    expect(nst.ticketLifetime).toBe(30);
    expect(nst.ticketNonce).toEqual(new Uint8Array(2));
    expect(nst.ticket).toHaveLength(178);
    expect(nst.extensions).toEqual([{ type: 'early_data', maxEarlyDataSize: 0x400 }]);
    expect(toHex(encodeHandshake(nst))).toBe(toHex(content));
  });

  test('the decrypted server flight matches server_flight_plaintext.hex', () => {
    const { type, content } = decryptFirstRecord(hex('server_encrypted_flight.hex'), secret('server_hs_write_key'), secret('server_hs_write_iv'));
    expect(type).toBe(22);
    expect(toHex(content)).toBe(toHex(hex('server_flight_plaintext.hex')));
  });
});

describe('the RFC 8448 records as one stream', () => {
  test('decodeRecords splits them and reports a cut-off record', () => {
    const stream = Buffer.concat([hex('serverhello.hex'), hex('server_encrypted_flight.hex'), hex('server_newsessionticket.hex')]);
    const all = decodeRecords(stream);
    expect(all.records.map((r) => r.contentType)).toEqual(['handshake', 'application_data', 'application_data']);
    expect(all.used).toBe(stream.length);
    expect(all.partial).toBeUndefined();
    const cut = decodeRecords(stream, 0, stream.length - 10);
    expect(cut.records).toHaveLength(2);
    expect(cut.used).toBe(95 + 679);
    expect(cut.partial).toEqual({ offset: 95 + 679, present: 227 - 10, missing: 10 });
    const headerCut = decodeRecords(stream, 0, 95 + 3);
    expect(headerCut.partial).toEqual({ offset: 95, present: 3, missing: 2 });
  });
});
