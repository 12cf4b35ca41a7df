/**
 * Each way a handshake must fail, and the alert that goes out for it. An
 * alert sent once handshake keys exist is protected, so the test opens it
 * with the sender's own key log, as Wireshark would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecord } from '../../codecs/tls/index.js';
import { makeCertificate } from '../../src/stack/pki/certificate-maker.js';
import { INTERMEDIATE_NAME, keyFor, serialFor } from '../../src/stack/pki/emulated-pki.js';
import { TlsAlert, TlsPeerAlert } from '../../src/stack/tls/alerts.js';
import { TLS_AES_128_GCM_SHA256 } from '../../src/stack/tls/cipher-suites.js';
import { tlsConnect } from '../../src/stack/tls/client.js';
import type { TlsConnection } from '../../src/stack/tls/connection.js';
import { type InnerPlaintext, RecordProtection } from '../../src/stack/tls/record-protection.js';
import { tlsAccept, type TlsServerOptions } from '../../src/stack/tls/server.js';
import { START, certificateOf, pki, rngs, tlsPipe, trustedRoots, type Rewrite } from './helpers/tls-pipe.js';

const HOST = 'ec2.us-east-1.amazonaws.com';

interface Outcome {
  clientSecure?: boolean;
  clientClose?: Error;
  serverClose?: Error;
  fromClient: Uint8Array[];
  fromServer: Uint8Array[];
  clientKeyLog: readonly string[];
  serverKeyLog: readonly string[];
}

function attempt(o: {
  server?: Partial<TlsServerOptions>;
  serverName?: string;
  now?: Date;
  roots?: typeof trustedRoots;
  clientAlpn?: string[];
  rewrite?: (conns: { client: () => TlsConnection; server: () => TlsConnection }) => { fromClient?: Rewrite; fromServer?: Rewrite };
}): Outcome {
  let client: TlsConnection | undefined;
  let server: TlsConnection | undefined;
  const pipe = tlsPipe(o.rewrite?.({ client: () => client!, server: () => server! }));
  const r = rngs(31);
  const out: Outcome = { fromClient: pipe.fromClient, fromServer: pipe.fromServer, clientKeyLog: [], serverKeyLog: [] };
  server = tlsAccept(pipe.server, { ...pki.amazonaws, rng: r.server, alpn: ['http/1.1'], ...o.server });
  client = tlsConnect(pipe.client, { serverName: o.serverName ?? HOST, trustedRoots: o.roots ?? trustedRoots, now: () => o.now ?? START, rng: r.client, alpn: o.clientAlpn ?? ['http/1.1'] });
  client.on('close', (e) => (out.clientClose = e));
  server.on('close', (e) => (out.serverClose = e));
  client.on('secure', () => (out.clientSecure = true));
  pipe.run();
  out.clientKeyLog = client.keyLog();
  out.serverKeyLog = server.keyLog();
  return out;
}

function secretFrom(keyLog: readonly string[], label: string): Uint8Array {
  const line = keyLog.find((l) => l.startsWith(`${label} `));
  if (!line) throw new Error(`no ${label} in the key log`);
  return Buffer.from(line.split(' ')[2], 'hex');
}

/** The records of `chunks` after the first one of `skip` protected records, opened with the secret: the [level, description] bytes of the alert. */
function protectedAlert(chunks: Uint8Array[], secret: Uint8Array, skip = 0): number[] {
  const records = decodeRecords(Buffer.concat(chunks), 0, undefined, { messages: false });
  const sealed = records.records.filter((r) => r.contentType === 'application_data');
  expect(sealed.length).toBe(skip + 1);
  const reader = new RecordProtection(TLS_AES_128_GCM_SHA256, secret);
  let opened: InnerPlaintext | undefined;
  for (const record of sealed) {
    const whole = new Uint8Array(5 + record.length);
    whole.set([23, record.version >> 8, record.version & 255, record.length >> 8, record.length & 255]);
    whole.set(record.fragment, 5);
    opened = reader.open(whole);
  }
  expect(opened?.contentType).toBe(21);
  return [...opened!.content];
}

function expectClientAlert(outcome: Outcome, description: string, code: number): void {
  expect(outcome.clientSecure).toBeUndefined();
  expect(outcome.clientClose).toBeInstanceOf(TlsAlert);
  expect((outcome.clientClose as TlsAlert).description).toBe(description);
  expect(protectedAlert(outcome.fromClient, secretFrom(outcome.clientKeyLog, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'))).toEqual([2, code]);
  expect(outcome.serverClose).toBeInstanceOf(TlsPeerAlert);
  expect((outcome.serverClose as TlsPeerAlert).description).toBe(description);
}

const leafValidity = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-12-31T23:59:59Z') };

function leaf(label: string, dnsNames: string[], validity = leafValidity, issuer = { name: INTERMEDIATE_NAME, key: keyFor('intermediate') }): Uint8Array {
  return makeCertificate({ serialNumber: serialFor(label), subject: { commonName: dnsNames[0] }, subjectKey: keyFor(label), issuer: issuer.name, issuerKey: issuer.key, ...validity, dnsNames });
}

describe('TLS handshake failures and their alerts', () => {
  it('a certificate for another host: bad_certificate', () => {
    const intermediate = pki.amazonaws.certificateChain[1];
    expectClientAlert(attempt({ server: { certificateChain: [leaf('wrong-host', ['www.example.com']), intermediate], privateKey: keyFor('wrong-host') } }), 'bad_certificate', 42);
  });

  it('a wildcard that does not reach two labels down: bad_certificate', () => {
    expectClientAlert(attempt({ serverName: 'ec2.eu-west-1.amazonaws.com' }), 'bad_certificate', 42);
  });

  it('the internal backend certificate offered for the public name: bad_certificate', () => {
    expectClientAlert(attempt({ server: { ...pki.internal } }), 'bad_certificate', 42);
  });

  it('an expired leaf: certificate_expired', () => {
    const intermediate = pki.amazonaws.certificateChain[1];
    const expired = leaf('expired', [HOST], { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2025-12-31T23:59:59Z') });
    expect(certificateOf(expired).validTo).toMatch(/2025/);
    expectClientAlert(attempt({ server: { certificateChain: [expired, intermediate], privateKey: keyFor('expired') } }), 'certificate_expired', 45);
  });

  it('the virtual clock past the leaf validity: certificate_expired', () => {
    expectClientAlert(attempt({ now: new Date('2027-02-01T00:00:00Z') }), 'certificate_expired', 45);
  });

  it('a chain from a CA the client does not trust: unknown_ca', () => {
    const strangerName = { country: 'US', organization: 'Nobody', commonName: 'Unknown Root CA' };
    const strangerKey = keyFor('stranger-root');
    const strangerLeaf = leaf('stranger-leaf', [HOST], leafValidity, { name: strangerName, key: strangerKey });
    const strangerRoot = makeCertificate({ serialNumber: serialFor('stranger-root'), subject: strangerName, subjectKey: strangerKey, issuer: strangerName, issuerKey: strangerKey, notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z'), ca: {} });
    expectClientAlert(attempt({ server: { certificateChain: [strangerLeaf, strangerRoot], privateKey: keyFor('stranger-leaf') } }), 'unknown_ca', 48);
    // The same chain is accepted by a client that trusts that root: the failure above is the trust, not the chain.
    const trusting = attempt({ server: { certificateChain: [strangerLeaf, strangerRoot], privateKey: keyFor('stranger-leaf') }, roots: [certificateOf(strangerRoot)], clientAlpn: ['h2'] });
    expect((trusting.clientClose as TlsPeerAlert).description).toBe('no_application_protocol');
  });

  it('a CertificateVerify signed with a key other than the certificate one: decrypt_error', () => {
    expectClientAlert(attempt({ server: { privateKey: keyFor('impostor') } }), 'decrypt_error', 51);
  });

  it('a server Finished that does not match the transcript: decrypt_error', () => {
    const outcome = attempt({
      rewrite: ({ server }) => ({
        fromServer: (chunk) => {
          if (chunk[0] !== 23 || server().keyLog().length < 2) return chunk;
          const secret = secretFrom(server().keyLog(), 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
          const flight = new RecordProtection(TLS_AES_128_GCM_SHA256, secret).open(chunk);
          const forged = flight.content.slice();
          forged[forged.length - 1] ^= 1;
          return new RecordProtection(TLS_AES_128_GCM_SHA256, secret).seal(flight.contentType, forged);
        },
      }),
    });
    expectClientAlert(outcome, 'decrypt_error', 51);
  });

  it('a client Finished that does not match: the server sends decrypt_error under its application key', () => {
    let done = false;
    const outcome = attempt({
      rewrite: ({ client }) => ({
        fromClient: (chunk) => {
          if (chunk[0] !== 23 || done) return chunk;
          done = true;
          const secret = secretFrom(client().keyLog(), 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
          const finished = new RecordProtection(TLS_AES_128_GCM_SHA256, secret).open(chunk);
          const forged = finished.content.slice();
          forged[10] ^= 0x80;
          return new RecordProtection(TLS_AES_128_GCM_SHA256, secret).seal(finished.contentType, forged);
        },
      }),
    });
    expect((outcome.serverClose as TlsAlert).description).toBe('decrypt_error');
    // The server's flight went out under its handshake key; the alert is the first record under its application key.
    const serverChunks = outcome.fromServer.filter((c) => c[0] === 23);
    expect(protectedAlert(serverChunks.slice(1), secretFrom(outcome.serverKeyLog, 'SERVER_TRAFFIC_SECRET_0'))).toEqual([2, 51]);
    // The client had sent its Finished and counted the handshake done; the server's alert then ends it.
    expect(outcome.clientSecure).toBe(true);
    expect((outcome.clientClose as TlsPeerAlert).description).toBe('decrypt_error');
  });

  it('no protocol in common under ALPN: the server sends no_application_protocol in the clear', () => {
    const outcome = attempt({ clientAlpn: ['h2'] });
    expect((outcome.serverClose as TlsAlert).description).toBe('no_application_protocol');
    expect([...outcome.fromServer[0]]).toEqual([21, 3, 3, 0, 2, 2, 120]);
    expect((outcome.clientClose as TlsPeerAlert).description).toBe('no_application_protocol');
  });

  it('a record that fails authentication: bad_record_mac', () => {
    const outcome = attempt({
      rewrite: () => ({
        fromServer: (chunk) => {
          if (chunk[0] !== 23) return chunk;
          const tampered = chunk.slice();
          tampered[tampered.length - 1] ^= 1;
          return tampered;
        },
      }),
    });
    expectClientAlert(outcome, 'bad_record_mac', 20);
  });

  it('random bytes from the peer end the connection with an alert and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.boolean(), (garbage, asServer) => {
        const pipe = tlsPipe();
        const r = rngs(41);
        const conn = asServer ? tlsAccept(pipe.server, { ...pki.amazonaws, rng: r.server }) : tlsConnect(pipe.client, { serverName: HOST, trustedRoots, now: () => START, rng: r.client });
        let closed: Error | undefined;
        conn.on('close', (e) => (closed = e));
        (asServer ? pipe.client : pipe.server).write(garbage);
        // A record header that announces more than arrived just waits; then a FIN ends it.
        (asServer ? pipe.client : pipe.server).end();
        pipe.run();
        if (closed) expect(closed).toBeInstanceOf(TlsAlert);
        else expect(conn.secure).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('HelloRetryRequest to our client', () => {
  it('is refused with illegal_parameter, in the clear: x25519, the one group offered, already had a share', () => {
    const pipe = tlsPipe();
    const client = tlsConnect(pipe.client, { serverName: HOST, trustedRoots, now: () => START, rng: rngs(51).client });
    let closed: Error | undefined;
    client.on('close', (e) => (closed = e));
    pipe.run();
    const hello = decodeRecords(pipe.fromClient[0]).records[0].messages![0];
    const sessionId = hello.type === 'client_hello' ? hello.legacySessionId : new Uint8Array(0);
    pipe.server.write(
      encodeRecord({
        contentType: 'handshake',
        version: 0x0303,
        messages: [{ type: 'hello_retry_request', legacyVersion: 0x0303, legacySessionIdEcho: sessionId, cipherSuite: 0x1301, legacyCompressionMethod: 0, extensions: [{ type: 'supported_versions', selectedVersion: 0x0304 }, { type: 'key_share', selectedGroup: 0x001d }] }],
      }),
    );
    pipe.run();
    expect((closed as TlsAlert).description).toBe('illegal_parameter');
    expect([...pipe.fromClient[pipe.fromClient.length - 1]]).toEqual([21, 3, 3, 0, 2, 2, 47]);
  });
});
