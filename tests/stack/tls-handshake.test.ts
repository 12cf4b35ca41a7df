/**
 * Our client against our server over an in-memory stream: the handshake for
 * each cipher suite, ALPN, application data in both directions and across
 * the record size limit, KeyUpdate, close_notify, the key log, the record
 * shapes Wireshark expects, and determinism under one seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecords } from '../../codecs/tls/index.js';
import { CIPHER_SUITES, TLS_AES_128_GCM_SHA256 } from '../../src/stack/tls/cipher-suites.js';
import { tlsConnect, type TlsClientConnection } from '../../src/stack/tls/client.js';
import { tlsAccept, type TlsServerConnection } from '../../src/stack/tls/server.js';
import type { CipherSuite } from '../../src/stack/tls/cipher-suites.js';
import { START, pki, rngs, tlsPipe, trustedRoots } from './helpers/tls-pipe.js';

interface Session {
  client: TlsClientConnection;
  server: TlsServerConnection;
  pipe: ReturnType<typeof tlsPipe>;
  received: { client: Uint8Array[]; server: Uint8Array[] };
  events: { client: string[]; server: string[] };
  logs: Array<{ side: string; kind: string; details: Record<string, unknown> }>;
}

function session(seed = 1, suites?: { client?: readonly CipherSuite[]; server?: readonly CipherSuite[] }): Session {
  const pipe = tlsPipe();
  const r = rngs(seed);
  const logs: Session['logs'] = [];
  const server = tlsAccept(pipe.server, {
    ...pki.amazonaws,
    rng: r.server,
    alpn: ['http/1.1'],
    cipherSuites: suites?.server,
    log: (kind, details) => logs.push({ side: 'server', kind, details }),
  });
  const client = tlsConnect(pipe.client, {
    serverName: 'ec2.us-east-1.amazonaws.com',
    trustedRoots,
    now: () => START,
    rng: r.client,
    alpn: ['http/1.1'],
    cipherSuites: suites?.client,
    log: (kind, details) => logs.push({ side: 'client', kind, details }),
  });
  const received = { client: [] as Uint8Array[], server: [] as Uint8Array[] };
  const events = { client: [] as string[], server: [] as string[] };
  client.on('data', (d) => received.client.push(d));
  server.on('data', (d) => received.server.push(d));
  for (const [side, conn] of [['client', client], ['server', server]] as const) {
    conn.on('secure', () => events[side].push('secure'));
    conn.on('end', () => events[side].push('end'));
    conn.on('close', (e) => events[side].push(e ? `close:${e.message}` : 'close'));
  }
  return { client, server, pipe, received, events, logs };
}

const joined = (chunks: Uint8Array[]): Buffer => Buffer.concat(chunks);

describe('TLS 1.3 handshake between our client and our server', () => {
  it.each(CIPHER_SUITES.map((s) => [s.name, s] as const))('completes with %s and carries data both ways', (_, suite) => {
    const s = session(7, { client: [suite] });
    s.pipe.run();
    expect(s.events.client).toEqual(['secure']);
    expect(s.events.server).toEqual(['secure']);
    expect(s.client.handshake).toEqual({ version: 'TLSv1.3', cipherSuite: suite.name, alpnProtocol: 'http/1.1', serverName: 'ec2.us-east-1.amazonaws.com' });
    expect(s.server.handshake?.cipherSuite).toBe(suite.name);
    s.client.write(Buffer.from('POST / HTTP/1.1\r\n\r\n'));
    s.server.write(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    s.pipe.run();
    expect(joined(s.received.server).toString()).toBe('POST / HTTP/1.1\r\n\r\n');
    expect(joined(s.received.client).toString()).toBe('HTTP/1.1 200 OK\r\n\r\n');
  });

  it('queues writes made before the handshake completes and splits data into records of at most 2^14 bytes', () => {
    const s = session(3);
    const big = new Uint8Array(40000).map((_, i) => (i * 7) & 255);
    s.client.write(big);
    s.pipe.run();
    expect(Buffer.compare(joined(s.received.server), Buffer.from(big))).toBe(0);
    const after = decodeRecords(joined(s.pipe.fromClient.slice(-3)), 0, undefined, { messages: false });
    expect(after.records.map((r) => r.length)).toEqual([2 ** 14 + 17, 2 ** 14 + 17, 40000 - 2 * 2 ** 14 + 17]);
  });

  it('sends the records browsers and Wireshark expect: a TLS 1.0 ClientHello record, one change_cipher_spec each way, then only protected records', () => {
    const s = session(5);
    s.pipe.run();
    const client = decodeRecords(joined(s.pipe.fromClient));
    const server = decodeRecords(joined(s.pipe.fromServer));
    expect(client.partial).toBeUndefined();
    expect(client.records.map((r) => [r.contentType, r.version])).toEqual([
      ['handshake', 0x0301],
      ['change_cipher_spec', 0x0303],
      ['application_data', 0x0303],
    ]);
    expect(server.records.map((r) => r.contentType)).toEqual(['handshake', 'change_cipher_spec', 'application_data', 'application_data']);
    const hello = client.records[0].messages![0];
    expect(hello.type).toBe('client_hello');
    if (hello.type !== 'client_hello') return;
    expect(hello.legacySessionId.length).toBe(32);
    expect(hello.cipherSuites).toEqual([0x1301, 0x1302, 0x1303]);
    expect(hello.extensions.map((e) => e.type)).toEqual([
      'server_name',
      'supported_groups',
      'signature_algorithms',
      'application_layer_protocol_negotiation',
      'key_share',
      'psk_key_exchange_modes',
      'supported_versions',
    ]);
    const sh = server.records[0].messages![0];
    expect(sh.type).toBe('server_hello');
    if (sh.type === 'server_hello') expect(Buffer.compare(sh.legacySessionIdEcho, hello.legacySessionId)).toBe(0);
  });

  it('logs each message, the chosen suite and group, the certificate checks and the key derivations', () => {
    const s = session(11);
    s.pipe.run();
    const kinds = (side: string) => s.logs.filter((l) => l.side === side).map((l) => (l.kind.startsWith('handshake-') ? `${l.kind}:${String(l.details.type ?? '')}` : l.kind));
    expect(kinds('client').filter((k) => k.startsWith('handshake-'))).toEqual([
      'handshake-sent:client_hello',
      'handshake-received:server_hello',
      'handshake-received:encrypted_extensions',
      'handshake-received:certificate',
      'handshake-received:certificate_verify',
      'handshake-received:finished',
      'handshake-sent:finished',
      'handshake-complete:',
      'handshake-received:new_session_ticket',
    ]);
    const verified = s.logs.find((l) => l.kind === 'certificate-verified')!.details;
    expect(verified.subjects).toEqual(['CN=*.amazonaws.com', 'C=US, O=Amazon, CN=Emulated Amazon Ed25519 M01']);
    expect(verified.anchor).toBe('C=US, O=Amazon, CN=Emulated Amazon Root CA 1');
    expect((verified.checks as Array<{ ok: boolean }>).every((c) => c.ok)).toBe(true);
    expect(s.logs.find((l) => l.kind === 'server-hello-accepted')!.details).toEqual({ cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', version: 'TLSv1.3' });
    expect(s.logs.filter((l) => l.side === 'client' && l.kind === 'keys-installed').map((l) => l.details.purpose)).toEqual([
      'server handshake traffic',
      'client handshake traffic',
      'client application traffic',
      'server application traffic',
    ]);
  });

  it('writes the five NSS key log lines on both sides, keyed by the client random, and the same on each', () => {
    const pipe = tlsPipe();
    const r = rngs(13);
    const lines: string[] = [];
    let heldRandom = '';
    tlsAccept(pipe.server, { ...pki.amazonaws, rng: r.server });
    const client = tlsConnect(pipe.client, {
      serverName: 'ec2.us-east-1.amazonaws.com',
      trustedRoots,
      now: () => START,
      rng: r.client,
      onKeyLog: (line) => lines.push(line),
      beforeClientHello: (random) => {
        heldRandom = Buffer.from(random).toString('hex');
        expect(pipe.fromClient).toHaveLength(0);
      },
    });
    pipe.run();
    const hello = decodeRecords(pipe.fromClient[0]).records[0].messages![0];
    const random = hello.type === 'client_hello' ? Buffer.from(hello.random).toString('hex') : '';
    expect(heldRandom).toBe(random);
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']);
    for (const line of lines) expect(line).toMatch(new RegExp(`^[A-Z_0-9]+ ${random} [0-9a-f]{64}$`));
    expect(client.keyLog()).toEqual(lines);
  });

  it('gives the same bytes each way for the same seeds', () => {
    const one = session(21);
    const two = session(21);
    const other = session(22);
    for (const s of [one, two, other]) {
      s.client.write(Buffer.from('ping'));
      s.pipe.run();
    }
    expect(joined(one.pipe.fromClient).equals(joined(two.pipe.fromClient))).toBe(true);
    expect(joined(one.pipe.fromServer).equals(joined(two.pipe.fromServer))).toBe(true);
    expect(joined(one.pipe.fromClient).equals(joined(other.pipe.fromClient))).toBe(false);
  });

  it('moves to new keys on KeyUpdate, and answers a request with its own', () => {
    const s = session(17);
    s.pipe.run();
    s.client.updateKeys(true);
    s.client.write(Buffer.from('after update'));
    s.pipe.run();
    s.server.write(Buffer.from('server after update'));
    s.pipe.run();
    expect(joined(s.received.server).toString()).toBe('after update');
    expect(joined(s.received.client).toString()).toBe('server after update');
    const updates = s.logs.filter((l) => l.kind === 'keys-installed' && l.details.purpose === 'key update').map((l) => `${l.side}:${String(l.details.direction)}`);
    expect(updates).toEqual(['client:write', 'server:read', 'server:write', 'client:read']);
  });

  it('closes with close_notify: each side sees end, then both close', () => {
    const s = session(19);
    s.pipe.run();
    s.client.write(Buffer.from('last words'));
    s.client.end();
    s.pipe.run();
    expect(s.events.server).toEqual(['secure', 'end']);
    s.server.end();
    s.pipe.run();
    expect(s.events.client).toEqual(['secure', 'end', 'close']);
    expect(s.events.server).toEqual(['secure', 'end', 'close']);
    expect(joined(s.received.server).toString()).toBe('last words');
  });

  it('carries any sequence of writes intact, whatever the suite', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CIPHER_SUITES), fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 1000 }), (suite, writes, seed) => {
        const s = session(seed, { server: [suite] });
        for (const w of writes) s.client.write(w);
        s.pipe.run();
        expect(s.client.handshake?.cipherSuite).toBe(suite.name);
        expect(Buffer.compare(joined(s.received.server), Buffer.concat(writes))).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('picks the server preference among the suites offered', () => {
    const s = session(23, { client: [TLS_AES_128_GCM_SHA256, ...CIPHER_SUITES.slice(1)], server: [...CIPHER_SUITES].reverse() });
    s.pipe.run();
    expect(s.client.handshake?.cipherSuite).toBe('TLS_CHACHA20_POLY1305_SHA256');
  });
});

describe('after close_notify', () => {
  it('a bad record from the peer closes with an error and writes nothing more', () => {
    const s = session(29);
    s.pipe.run();
    s.client.end();
    s.pipe.run();
    const written = s.pipe.fromClient.length;
    s.pipe.server.write(Uint8Array.of(23, 3, 3, 0, 17, ...new Uint8Array(17)));
    expect(() => s.pipe.run()).not.toThrow();
    expect(s.pipe.fromClient.length).toBe(written);
    expect(s.events.client.at(-1)).toBe('close:bad_record_mac: record failed AEAD authentication');
  });
});
