import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DecodeError } from '../../codecs/decode-error.js';
import {
  type Alert,
  type HandshakeMessage,
  HandshakeReassembler,
  alertDescriptionName,
  cipherSuiteName,
  decodeAlert,
  decodeHandshake,
  decodeHandshakeMessages,
  decodeRecord,
  decodeRecords,
  encodeAlert,
  encodeAlertInto,
  encodeHandshake,
  encodeHandshakeInto,
  encodeHandshakeMessages,
  encodeRecord,
  encodeRecordInto,
  handshakeEncodingLength,
  handshakeHeaderLayout,
  isGrease,
  namedGroupName,
  recordEncodingLength,
  signatureSchemeName,
  tlsRecordLayout,
} from '../../codecs/tls/index.js';
import { expectOnlyDecodeError } from '../helpers/decode-errors.js';
import { rfc8448Hex as hex } from '../helpers/rfc8448.js';
import { handshakeMessage, tls12Message } from './tls-arbitraries.js';
import { tcpPayloads } from './tls-pcap.js';

const realRecords = [
  hex('clienthello.hex'),
  hex('serverhello.hex'),
  hex('server_encrypted_flight.hex'),
  hex('server_newsessionticket.hex'),
  ...tcpPayloads('captures/illustrated-tls13__capture.pcap').filter((p) => p.payload.length > 0).map((p) => p.payload),
];
const realMessages = [hex('clienthello_handshake_msg.hex'), hex('serverhello_handshake_msg.hex'), hex('server_flight_plaintext.hex')];

/** Every failure must be a DecodeError of the TLS layer. */
const onlyTlsDecodeError = (run: () => unknown): void => expectOnlyDecodeError(run, 'tls');

function decodeEverything(bytes: Uint8Array): void {
  onlyTlsDecodeError(() => decodeRecord(bytes));
  onlyTlsDecodeError(() => decodeRecords(bytes));
  onlyTlsDecodeError(() => decodeHandshake(bytes));
  onlyTlsDecodeError(() => decodeHandshake(bytes, 0, { tls13: false }));
  onlyTlsDecodeError(() => decodeHandshakeMessages(bytes));
  onlyTlsDecodeError(() => decodeAlert(bytes));
  onlyTlsDecodeError(() => new HandshakeReassembler().push(bytes));
}

const mutated = (samples: Uint8Array[]) =>
  fc
    .tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.option(fc.nat()))
    .map(([sample, edits, cut]) => {
      const b = sample.slice();
      for (const [at, v] of edits) b[at % b.length] = v;
      return cut === null ? b : b.subarray(0, cut % (b.length + 1));
    });

describe('round trips', () => {
  test('every TLS 1.3 message form and extension form decodes to what was encoded', () => {
    fc.assert(
      fc.property(handshakeMessage, (m) => {
        const bytes = encodeHandshake(m);
        expect(bytes.length).toBe(handshakeEncodingLength(m));
        const d = decodeHandshake(bytes);
        expect(d.header).toEqual(m);
        expect(d.payloadOffset + d.payloadLength).toBe(bytes.length);
      }),
      { numRuns: 1000 },
    );
  });

  test('the TLS 1.2 forms round-trip under { tls13: false }', () => {
    fc.assert(fc.property(tls12Message, (m) => {
        expect(decodeHandshake(encodeHandshake(m), 0, { tls13: false }).header).toEqual(m);
      }), { numRuns: 300 });
  });

  test('a handshake record of messages decodes to the same messages and fragment', () => {
    fc.assert(
      fc.property(fc.array(handshakeMessage, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0x0300, max: 0x0304 }), (messages, version) => {
        const bytes = encodeRecord({ contentType: 'handshake', version, messages });
        const d = decodeRecord(bytes);
        expect(d.header.messages).toEqual(messages);
        expect(d.header.length).toBe(bytes.length - 5);
        expect(d.header.fragment).toEqual(encodeHandshakeMessages(messages));
        expect(encodeRecord(d.header, { fixLengths: false })).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  test('alerts keep their names, and unknown values as numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (level, description) => {
        const a = decodeAlert(Uint8Array.of(level, description)).header;
        expect(encodeAlert(a)).toEqual(Uint8Array.of(level, description));
      }),
    );
    expect(decodeAlert(Uint8Array.of(2, 40)).header).toEqual({ level: 'fatal', description: 'handshake_failure' });
    expect(decodeAlert(Uint8Array.of(1, 0)).header).toEqual({ level: 'warning', description: 'close_notify' });
    expect(decodeRecord(encodeRecord({ contentType: 'alert', version: 0x0303, alert: { level: 'fatal', description: 'unrecognized_name' } })).header.alert).toEqual({
      level: 'fatal',
      description: 'unrecognized_name',
    });
  });

  test('a HelloRetryRequest is written as a ServerHello with the special random', () => {
    const hrr: HandshakeMessage = { type: 'hello_retry_request', legacyVersion: 0x0303, legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0x1301, legacyCompressionMethod: 0, extensions: [{ type: 'key_share', selectedGroup: 0x17 }] };
    const bytes = encodeHandshake(hrr);
    expect(bytes[0]).toBe(2);
    expect(Buffer.from(bytes.subarray(6, 38)).toString('hex')).toBe('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');
    expect(decodeHandshake(bytes).header).toEqual(hrr);
  });
});

describe('the reassembler', () => {
  const splits = (stream: Uint8Array) =>
    fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }).map((cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
      return points.slice(1).map((p, i) => stream.subarray(points[i], p));
    });

  test('gives the same messages and exact bytes for any split of the stream', () => {
    fc.assert(
      fc.property(
        fc.array(handshakeMessage, { minLength: 1, maxLength: 5 }).chain((messages) => {
          const stream = encodeHandshakeMessages(messages);
          return fc.tuple(fc.constant(messages), splits(stream));
        }),
        ([messages, pieces]) => {
          const r = new HandshakeReassembler();
          const got = pieces.flatMap((p) => r.push(p));
          expect(got.map((g) => g.message)).toEqual(messages);
          expect(got.map((g) => g.raw)).toEqual(messages.map(encodeHandshake));
          let offset = 0;
          for (const g of got) {
            expect(g.streamOffset).toBe(offset);
            offset += g.raw.length;
          }
          expect(r.idle).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('one byte at a time over the RFC 8448 server flight', () => {
    const flight = hex('server_flight_plaintext.hex');
    const r = new HandshakeReassembler();
    const got: ReturnType<HandshakeReassembler['push']> = [];
    for (let i = 0; i < flight.length; i++) {
      got.push(...r.push(flight.subarray(i, i + 1)));
      if (i < flight.length - 1) expect(r.idle && got.length === 4).toBe(false);
    }
    expect(got.map((g) => g.message)).toEqual(decodeHandshakeMessages(flight));
    expect(Buffer.concat(got.map((g) => g.raw))).toEqual(Buffer.from(flight));
  });

  test('refuses a declared length over its limit before buffering it', () => {
    const r = new HandshakeReassembler({ maxMessageLength: 1000 });
    expect(() => r.push(Uint8Array.of(11, 0, 0x03, 0xe9))).toThrow(DecodeError);
    const ok = new HandshakeReassembler({ maxMessageLength: 1000 });
    expect(ok.push(Uint8Array.of(11, 0))).toEqual([]);
    expect(ok.buffered).toBe(2);
    expect(() => ok.push(Uint8Array.of(0x10, 0))).toThrow(/exceeds the limit of 1000/);
  });
});

describe('encoding into a buffer at an offset', () => {
  test('writes only its own bytes into a 0xa5-filled buffer', () => {
    fc.assert(
      fc.property(handshakeMessage, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 20 }), (m, offset, slack) => {
        const expected = encodeHandshake(m);
        const buf = new Uint8Array(offset + expected.length + slack).fill(0xa5);
        expect(encodeHandshakeInto(buf, offset, m)).toBe(expected.length);
        expect(buf.subarray(offset, offset + expected.length)).toEqual(expected);
        expect(buf.subarray(0, offset).every((b) => b === 0xa5)).toBe(true);
        expect(buf.subarray(offset + expected.length).every((b) => b === 0xa5)).toBe(true);

        const record = { contentType: 'handshake' as const, version: 0x0303, messages: [m] };
        const rbuf = new Uint8Array(offset + recordEncodingLength(record) + slack).fill(0xa5);
        const n = encodeRecordInto(rbuf, offset, record);
        expect(rbuf.subarray(offset, offset + n)).toEqual(encodeRecord(record));
        expect([...rbuf.subarray(0, offset), ...rbuf.subarray(offset + n)].every((b) => b === 0xa5)).toBe(true);
      }),
      { numRuns: 300 },
    );
    const abuf = new Uint8Array(7).fill(0xa5);
    expect(encodeAlertInto(abuf, 3, { level: 'fatal', description: 'decrypt_error' } as Alert)).toBe(2);
    expect([...abuf]).toEqual([0xa5, 0xa5, 0xa5, 2, 51, 0xa5, 0xa5]);
  });

  test('refuses a buffer too small', () => {
    expect(() => encodeHandshakeInto(new Uint8Array(4), 1, { type: 'finished', verifyData: new Uint8Array(1) })).toThrow(RangeError);
  });
});

describe('bad bytes', () => {
  test('random bytes give a DecodeError or nothing', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodeEverything), { numRuns: 2000 });
  });

  test('random bytes behind a plausible header give a DecodeError or nothing', () => {
    const headed = fc.tuple(fc.integer({ min: 0, max: 24 }), fc.uint8Array({ maxLength: 200 })).map(([t, body]) => {
      const b = new Uint8Array(4 + body.length);
      b.set([t, body.length >> 16, body.length >> 8, body.length]);
      b.set(body, 4);
      return b;
    });
    fc.assert(fc.property(headed, decodeEverything), { numRuns: 2000 });
  });

  test('mutated real records and messages give a DecodeError or decode', () => {
    fc.assert(fc.property(mutated(realRecords), decodeEverything), { numRuns: 1000 });
    fc.assert(fc.property(mutated(realMessages), decodeEverything), { numRuns: 1000 });
  });

  test('a record longer than 2^14 + 256 is refused', () => {
    const b = Uint8Array.of(23, 3, 3, 0x41, 0x01);
    expect(() => decodeRecord(b)).toThrow(DecodeError);
    expect(() => decodeRecords(b)).toThrow(/record length 16641 exceeds 16640/);
    expect(decodeRecords(Uint8Array.of(23, 3, 3, 0x41, 0x00)).partial).toEqual({ offset: 0, present: 5, missing: 16640 });
  });

  test('a vector overrunning its parent, or a byte left over, is refused', () => {
    const ee = encodeHandshake({ type: 'encrypted_extensions', extensions: [{ type: 'supported_groups', namedGroupList: [29] }] });
    const overrun = ee.slice();
    overrun[overrun.length - 3] = 4; // the group list claims 4 bytes inside a 4-byte extension body
    expect(() => decodeHandshake(overrun)).toThrow(/overruns its parent/);
    const leftover = Uint8Array.from([...ee, 0]);
    leftover[3] += 1;
    expect(() => decodeHandshake(leftover)).toThrow(/left over/);
    const odd = encodeHandshake({ type: 'encrypted_extensions', extensions: [{ type: 10, data: Uint8Array.of(0, 3, 0, 29, 0) }] });
    expect(() => decodeHandshake(odd)).toThrow(/not a multiple of 2/);
    const err = (() => {
      try {
        decodeHandshake(overrun, 0);
      } catch (e) {
        return e as DecodeError;
      }
    })();
    expect(err).toBeInstanceOf(DecodeError);
    expect(err!.layer).toBe('tls');
    expect(err!.offset).toBeGreaterThan(0);
  });

  test('a session id longer than 32 bytes is refused', () => {
    const ch = encodeHandshake({ type: 'client_hello', legacyVersion: 0x0303, random: new Uint8Array(32), legacySessionId: new Uint8Array(33), cipherSuites: [0x1301], legacyCompressionMethods: [0], extensions: [] });
    expect(() => decodeHandshake(ch)).toThrow(/legacy_session_id length 33/);
  });
});

describe('the buffer-layout oracle', () => {
  test('agrees with the record and handshake header decoders', () => {
    const check = (b: Uint8Array) => {
      if (b.length < 5) return;
      const oracle = tlsRecordLayout.decode(Buffer.from(b));
      const length = (b[3] << 8) | b[4];
      if (length > 16640 || b.length < 5 + length) return;
      const { header } = decodeRecord(b, 0, { messages: false });
      expect({ version: header.version, length: header.length }).toEqual({ version: oracle.version, length: oracle.length });
      expect(typeof header.contentType === 'number' ? header.contentType : [20, 21, 22, 23, 24][['change_cipher_spec', 'alert', 'handshake', 'application_data', 'heartbeat'].indexOf(header.contentType)]).toBe(oracle.contentType);
    };
    for (const r of realRecords) check(r);
    fc.assert(fc.property(fc.uint8Array({ minLength: 5, maxLength: 40 }), check), { numRuns: 500 });
    for (const m of [...realMessages, hex('server_flight_plaintext.hex').subarray(0, 40)]) {
      const oracle = handshakeHeaderLayout.decode(Buffer.from(m));
      const d = decodeHandshakeMessages(m).length;
      expect(d).toBeGreaterThan(0);
      const first = decodeHandshake(m, 0, undefined, 4 + oracle.length);
      expect(first.payloadLength).toBe(oracle.length);
      expect(encodeHandshake(first.header)[0]).toBe(oracle.msgType);
    }
  });
});

describe('names', () => {
  test('look up IANA names, GREASE included', () => {
    expect(cipherSuiteName(0x1301)).toBe('TLS_AES_128_GCM_SHA256');
    expect(cipherSuiteName(0x1302)).toBe('TLS_AES_256_GCM_SHA384');
    expect(cipherSuiteName(0x1303)).toBe('TLS_CHACHA20_POLY1305_SHA256');
    expect(cipherSuiteName(0xc02f)).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(cipherSuiteName(0x3a3a)).toBe('GREASE');
    expect(cipherSuiteName(0x3a3b)).toBeUndefined();
    expect(namedGroupName(0x001d)).toBe('x25519');
    expect(namedGroupName(0x0017)).toBe('secp256r1');
    expect(signatureSchemeName(0x0807)).toBe('ed25519');
    expect(signatureSchemeName(0x0403)).toBe('ecdsa_secp256r1_sha256');
    expect(signatureSchemeName(0x0804)).toBe('rsa_pss_rsae_sha256');
    expect(alertDescriptionName(112)).toBe('unrecognized_name');
    const grease = Array.from({ length: 16 }, (_, i) => ((i << 4) | 0x0a) * 0x101);
    expect(grease.every(isGrease)).toBe(true);
    expect(isGrease(0x0a1a)).toBe(false);
  });
});
