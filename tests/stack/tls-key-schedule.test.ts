/**
 * The key schedule and record protection against RFC 8448 §3 (the simple
 * 1-RTT handshake): every secret from its published inputs, the server's
 * encrypted flight opened and sealed again byte for byte, and the client's
 * Finished and application data records.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHandshakeMessages } from '../../codecs/tls/index.js';
import { TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 } from '../../src/stack/tls/cipher-suites.js';
import { KeySchedule, deriveSecret, finishedVerifyData, hashOf, hkdfExpandLabel, hkdfLabel, trafficKeys } from '../../src/stack/tls/key-schedule.js';
import { RecordAuthenticationError, RecordProtection } from '../../src/stack/tls/record-protection.js';
import { Transcript } from '../../src/stack/tls/transcript.js';
import { x25519KeyPair, x25519SharedSecret } from '../../src/stack/tls/x25519.js';
import { fromHex, toHex } from '../helpers/fixtures.js';
import { rfc8448Hex as hex, rfc8448Secret as secret } from '../helpers/rfc8448.js';


const clientHello = hex('clienthello_handshake_msg.hex');
const serverHello = hex('serverhello_handshake_msg.hex');
const suite = TLS_AES_128_GCM_SHA256;

function handshakeSchedule() {
  const schedule = new KeySchedule('sha256');
  const client = x25519KeyPair(fromHex(secret('client_x25519_private')));
  const shared = x25519SharedSecret(client.privateKey, fromHex(secret('server_x25519_public')));
  const transcript = new Transcript();
  transcript.add(clientHello);
  transcript.add(serverHello);
  const hs = schedule.handshake(shared, transcript.hash('sha256'));
  return { schedule, client, shared, transcript, hs };
}

describe('RFC 8448 §3 key schedule', () => {
  it('derives the x25519 public key and shared secret', () => {
    const { client, shared } = handshakeSchedule();
    expect(toHex(client.publicKey)).toBe(secret('client_x25519_public'));
    expect(toHex(shared)).toBe(secret('ecdhe_shared (IKM)'));
    const server = x25519KeyPair(fromHex(secret('server_x25519_private')));
    expect(toHex(server.publicKey)).toBe(secret('server_x25519_public'));
    expect(toHex(x25519SharedSecret(server.privateKey, client.publicKey))).toBe(secret('ecdhe_shared (IKM)'));
  });

  it('derives the early, handshake and handshake traffic secrets and keys', () => {
    const { schedule, transcript, hs } = handshakeSchedule();
    expect(toHex(schedule.earlySecret)).toBe(secret('early_secret'));
    expect(toHex(deriveSecret('sha256', schedule.earlySecret, 'derived', hashOf('sha256')))).toBe(secret('derived(early)'));
    expect(toHex(transcript.hash('sha256'))).toBe(secret('transcript_hash(CH||SH)'));
    expect(toHex(schedule.handshakeSecret!)).toBe(secret('handshake_secret'));
    expect(toHex(hs.client)).toBe(secret('c_hs_traffic'));
    expect(toHex(hs.server)).toBe(secret('s_hs_traffic'));
    const s = trafficKeys(suite, hs.server);
    const c = trafficKeys(suite, hs.client);
    expect([toHex(s.key), toHex(s.iv), toHex(c.key), toHex(c.iv)]).toEqual([
      secret('server_hs_write_key'),
      secret('server_hs_write_iv'),
      secret('client_hs_write_key'),
      secret('client_hs_write_iv'),
    ]);
  });

  it('opens the server flight, checks both Finished values, and derives the application and resumption secrets', () => {
    const { schedule, transcript, hs } = handshakeSchedule();
    const read = new RecordProtection(suite, hs.server);
    const flight = read.open(hex('server_encrypted_flight.hex'));
    expect(flight.contentType).toBe(22);
    expect(toHex(flight.content)).toBe(toHex(hex('server_flight_plaintext.hex')));

    const messages = decodeHandshakeMessages(flight.content, 0, flight.content.length);
    expect(messages.map((m) => m.type)).toEqual(['encrypted_extensions', 'certificate', 'certificate_verify', 'finished']);
    let at = 0;
    const raws: Uint8Array[] = [];
    while (at < flight.content.length) {
      const length = (flight.content[at + 1] << 16) | (flight.content[at + 2] << 8) | flight.content[at + 3];
      raws.push(flight.content.subarray(at, at + 4 + length));
      at += 4 + length;
    }
    for (const raw of raws.slice(0, 3)) transcript.add(raw);
    const serverFinished = finishedVerifyData('sha256', hs.server, transcript.hash('sha256'));
    expect(toHex(serverFinished)).toBe(secret('server_finished_verify'));
    expect(toHex(raws[3].subarray(4))).toBe(secret('server_finished_verify'));
    transcript.add(raws[3]);

    const app = schedule.application(transcript.hash('sha256'));
    expect(toHex(schedule.masterSecret!)).toBe(secret('master_secret'));
    expect(toHex(app.client)).toBe(secret('c_ap_traffic'));
    expect(toHex(app.server)).toBe(secret('s_ap_traffic'));
    expect(toHex(app.exporter)).toBe(secret('exp_master'));
    const sk = trafficKeys(suite, app.server);
    const ck = trafficKeys(suite, app.client);
    expect([toHex(sk.key), toHex(sk.iv), toHex(ck.key), toHex(ck.iv)]).toEqual([
      secret('server_app_write_key'),
      secret('server_app_write_iv'),
      secret('client_app_write_key'),
      secret('client_app_write_iv'),
    ]);

    const clientFinished = finishedVerifyData('sha256', hs.client, transcript.hash('sha256'));
    expect(toHex(clientFinished)).toBe(secret('client_finished_verify'));
    const clientRead = new RecordProtection(suite, hs.client);
    const finishedRecord = clientRead.open(hex('client_finished.hex'));
    expect(toHex(finishedRecord.content)).toBe(`14000020${secret('client_finished_verify')}`);
    transcript.add(finishedRecord.content);
    expect(toHex(schedule.resumption(transcript.hash('sha256')))).toBe(secret('res_master'));
  });

  it('seals the server flight back to the same bytes', () => {
    const { hs } = handshakeSchedule();
    const write = new RecordProtection(suite, hs.server);
    expect(toHex(write.seal(22, hex('server_flight_plaintext.hex')))).toBe(toHex(hex('server_encrypted_flight.hex')));
  });

  it('opens the application data records with the application keys, in sequence after the NewSessionTicket', () => {
    const server = new RecordProtection(suite, fromHex(secret('s_ap_traffic')));
    const ticket = server.open(hex('server_newsessionticket.hex'));
    expect(decodeHandshakeMessages(ticket.content).map((m) => m.type)).toEqual(['new_session_ticket']);
    const serverData = server.open(hex('server_appdata.hex'));
    const client = new RecordProtection(suite, fromHex(secret('c_ap_traffic')));
    const clientData = client.open(hex('client_appdata.hex'));
    // RFC 8448 §3 sends the bytes 00..31 each way.
    const counting = Array.from({ length: 50 }, (_, i) => i);
    expect([...clientData.content]).toEqual(counting);
    expect([...serverData.content]).toEqual(counting);
    expect(clientData.contentType).toBe(23);
  });

  it('encodes HkdfLabel as RFC 8446 §7.1 lays it out', () => {
    expect(toHex(hkdfLabel('key', new Uint8Array(0), 16))).toBe('0010' + '09' + '746c73313320' + '6b6579' + '00');
    expect(toHex(hkdfExpandLabel('sha256', fromHex(secret('s_hs_traffic')), 'iv', new Uint8Array(0), 12))).toBe(secret('server_hs_write_iv'));
  });
});

describe('record protection', () => {
  const suites = [TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256];

  it('opens what it seals, for every suite, any content type, content and padding', () => {
    fc.assert(
      fc.property(fc.constantFrom(...suites), fc.uint8Array({ minLength: 48, maxLength: 48 }), fc.array(fc.tuple(fc.integer({ min: 20, max: 24 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 5 }), (s, secretBytes, records) => {
        const secretFor = secretBytes.subarray(0, s.hashLength);
        const writer = new RecordProtection(s, secretFor);
        const reader = new RecordProtection(s, secretFor);
        for (const [type, content, padding] of records) {
          const sealed = writer.seal(type, content, padding);
          expect(sealed[0]).toBe(23);
          expect((sealed[3] << 8) | sealed[4]).toBe(sealed.length - 5);
          const opened = reader.open(sealed);
          expect(opened.contentType).toBe(type);
          expect(toHex(opened.content)).toBe(toHex(content));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a record with any bit flipped, and a record out of sequence', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (content, position, bit) => {
        const key = new Uint8Array(32).fill(7);
        const sealed = new RecordProtection(suite, key).seal(23, content);
        const flipped = sealed.slice();
        flipped[position % sealed.length] ^= 1 << bit;
        expect(() => new RecordProtection(suite, key).open(flipped)).toThrow();
      }),
      { numRuns: 300 },
    );
    const key = new Uint8Array(32).fill(9);
    const writer = new RecordProtection(suite, key);
    writer.seal(23, Uint8Array.of(1));
    const second = writer.seal(23, Uint8Array.of(2));
    expect(() => new RecordProtection(suite, key).open(second)).toThrow(RecordAuthenticationError);
  });
});
