/**
 * Node's own TLS (OpenSSL) as the outside judge: our client against a
 * node:tls server, and a node:tls client against our server, over real
 * TCP on 127.0.0.1. Both must finish the handshake, agree on the suite and
 * ALPN, carry data both ways, and derive the very secrets OpenSSL logs.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AddressInfo, type Socket, createServer as createTcpServer, connect as tcpConnect } from 'node:net';
import { connect as tlsNodeConnect, createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/sim/random.js';
import { type ByteStream, StreamEvents } from '../../src/stack/byte-stream.js';
import { makeCertificate, toPem } from '../../src/stack/pki/certificate-maker.js';
import { keyFor, serialFor } from '../../src/stack/pki/emulated-pki.js';
import { CIPHER_SUITES } from '../../src/stack/tls/cipher-suites.js';
import { tlsConnect } from '../../src/stack/tls/client.js';
import { tlsAccept } from '../../src/stack/tls/server.js';
import { fixturePath } from '../helpers/fixtures.js';
import { START, pki, trustedRoots } from './helpers/tls-pipe.js';

const HOST = 'ec2.us-east-1.amazonaws.com';
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function socketStream(socket: Socket): ByteStream {
  const events = new StreamEvents();
  socket.on('data', (d: Buffer) => events.emit('data', new Uint8Array(d)));
  socket.on('end', () => events.emit('end'));
  socket.on('close', () => events.emit('close'));
  socket.on('error', (e) => events.emit('close', e));
  return { write: (b) => void socket.write(b), end: () => void socket.end(), on: (e, l) => events.on(e, l) };
}

function pemChain(chain: readonly Uint8Array[]): string {
  return chain.map((der) => toPem('CERTIFICATE', der)).join('');
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  const timeout = new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), 5000));
  return Promise.race([promise, timeout]);
}

describe('interop with node:tls (OpenSSL)', () => {
  it.each(CIPHER_SUITES.map((s) => [s.name, s] as const))('our client completes a handshake with a node:tls server using %s', async (suiteName, suite) => {
    const nodeKeyLog: string[] = [];
    const server = createTlsServer({
      key: readFileSync(fixturePath('pki/amazonaws.key.pem')),
      cert: pemChain(pki.amazonaws.certificateChain),
      minVersion: 'TLSv1.3',
      ALPNProtocols: ['http/1.1'],
    });
    server.on('keylog', (line: Buffer) => nodeKeyLog.push(line.toString().trim()));
    const served = new Promise<{ request: string; alpn: string | false; cipher: string }>((resolve) => {
      server.on('secureConnection', (socket) => {
        let request = '';
        socket.on('data', (d: Buffer) => {
          request += d.toString();
          if (request.endsWith('\r\n\r\n')) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        });
        socket.on('end', () => resolve({ request, alpn: socket.alpnProtocol ?? false, cipher: socket.getCipher().standardName }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const socket = tcpConnect((server.address() as AddressInfo).port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    await new Promise<void>((resolve) => socket.on('connect', resolve));

    const client = tlsConnect(socketStream(socket), { serverName: HOST, trustedRoots, now: () => START, rng: new SeededRandom(5), alpn: ['http/1.1'], cipherSuites: [suite] });
    let response = '';
    const ended = new Promise<void>((resolve, reject) => {
      client.on('data', (d) => (response += Buffer.from(d).toString()));
      client.on('end', () => resolve());
      client.on('close', (e) => (e ? reject(e) : resolve()));
    });
    await withTimeout(new Promise<void>((resolve, reject) => {
      client.on('secure', () => resolve());
      client.on('close', (e) => reject(e ?? new Error('closed before the handshake')));
    }), 'handshake');
    expect(client.handshake).toMatchObject({ cipherSuite: suiteName, alpnProtocol: 'http/1.1' });
    client.write(Buffer.from('GET / HTTP/1.1\r\nhost: ec2\r\n\r\n'));
    await withTimeout(ended, 'response');
    client.end();
    const seen = await withTimeout(served, 'server side');
    expect(response).toBe('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    expect(seen).toEqual({ request: 'GET / HTTP/1.1\r\nhost: ec2\r\n\r\n', alpn: 'http/1.1', cipher: suiteName });
    expect([...client.keyLog()].sort()).toEqual([...nodeKeyLog].sort());
  });

  it('a node:tls client completes a handshake with our server and verifies its chain', async () => {
    // node:tls checks validity against the wall clock, so this chain is made for the moment the test runs.
    const now = Date.now();
    const rootName = { country: 'US', organization: 'Amazon', commonName: 'Emulated Interop Root' };
    const rootKey = keyFor('interop-root');
    const validity = { notBefore: new Date(now - 3600_000), notAfter: new Date(now + 86400_000) };
    const root = makeCertificate({ serialNumber: serialFor('interop-root'), subject: rootName, subjectKey: rootKey, issuer: rootName, issuerKey: rootKey, ...validity, ca: {} });
    const leaf = makeCertificate({ serialNumber: serialFor('interop-leaf'), subject: { commonName: '*.amazonaws.com' }, subjectKey: keyFor('interop-leaf'), issuer: rootName, issuerKey: rootKey, ...validity, dnsNames: ['*.amazonaws.com', HOST] });

    const accepted: Array<ReturnType<typeof tlsAccept>> = [];
    const tcp = createTcpServer((socket) => {
      const conn = tlsAccept(socketStream(socket), { certificateChain: [leaf, root], privateKey: keyFor('interop-leaf'), rng: new SeededRandom(9), alpn: ['http/1.1'] });
      accepted.push(conn);
      conn.on('data', (d) => {
        if (Buffer.from(d).toString() === 'ping') conn.write(Buffer.from('pong'));
      });
      conn.on('end', () => conn.end());
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => tcp.close());

    const nodeKeyLog: string[] = [];
    const socket = tlsNodeConnect({
      host: '127.0.0.1',
      port: (tcp.address() as AddressInfo).port,
      servername: HOST,
      ca: toPem('CERTIFICATE', root),
      ALPNProtocols: ['http/1.1'],
      minVersion: 'TLSv1.3',
    });
    cleanups.push(() => socket.destroy());
    socket.on('keylog', (line: Buffer) => nodeKeyLog.push(line.toString().trim()));
    await withTimeout(new Promise<void>((resolve, reject) => {
      socket.on('secureConnect', resolve);
      socket.on('error', reject);
    }), 'handshake');
    expect(socket.authorized).toBe(true);
    expect(socket.getProtocol()).toBe('TLSv1.3');
    expect(socket.alpnProtocol).toBe('http/1.1');
    const cipher = socket.getCipher().standardName;
    expect(new X509Certificate(socket.getPeerX509Certificate()!.raw).subject).toBe('CN=*.amazonaws.com');
    const reply = await withTimeout(new Promise<string>((resolve, reject) => {
      socket.once('data', (d: Buffer) => resolve(d.toString()));
      socket.on('error', reject);
      socket.write('ping');
    }), 'reply');
    expect(reply).toBe('pong');
    await withTimeout(new Promise<void>((resolve) => {
      socket.on('end', resolve);
      socket.end();
    }), 'close');
    expect(accepted).toHaveLength(1);
    expect(accepted[0].handshake).toMatchObject({ serverName: HOST, alpnProtocol: 'http/1.1', cipherSuite: cipher });
    expect([...accepted[0].keyLog()].sort()).toEqual([...nodeKeyLog].sort());
  });
});

describe('HelloRetryRequest with node:tls', () => {
  it('asks a client that led with a P-256 share for x25519, and completes the handshake', async () => {
    const now = Date.now();
    const rootName = { commonName: 'Emulated Retry Root' };
    const rootKey = keyFor('retry-root');
    const validity = { notBefore: new Date(now - 3600_000), notAfter: new Date(now + 86400_000) };
    const root = makeCertificate({ serialNumber: serialFor('retry-root'), subject: rootName, subjectKey: rootKey, issuer: rootName, issuerKey: rootKey, ...validity, ca: {} });
    const leaf = makeCertificate({ serialNumber: serialFor('retry-leaf'), subject: { commonName: HOST }, subjectKey: keyFor('retry-leaf'), issuer: rootName, issuerKey: rootKey, ...validity, dnsNames: [HOST] });
    const kinds: string[] = [];
    const tcp = createTcpServer((socket) => {
      const conn = tlsAccept(socketStream(socket), { certificateChain: [leaf], privateKey: keyFor('retry-leaf'), rng: new SeededRandom(12), log: (kind) => kinds.push(kind) });
      conn.on('data', () => conn.write(Buffer.from('retried')));
      conn.on('end', () => conn.end());
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => tcp.close());
    const socket = tlsNodeConnect({ host: '127.0.0.1', port: (tcp.address() as AddressInfo).port, servername: HOST, ca: toPem('CERTIFICATE', root), minVersion: 'TLSv1.3', ecdhCurve: 'P-256:X25519' });
    cleanups.push(() => socket.destroy());
    await withTimeout(new Promise<void>((resolve, reject) => {
      socket.on('secureConnect', resolve);
      socket.on('error', reject);
    }), 'handshake');
    expect(socket.authorized).toBe(true);
    expect(socket.getEphemeralKeyInfo()).toMatchObject({ name: 'X25519' });
    const reply = await withTimeout(new Promise<string>((resolve) => {
      socket.once('data', (d: Buffer) => resolve(d.toString()));
      socket.write('again');
    }), 'reply');
    expect(reply).toBe('retried');
    expect(kinds.filter((k) => k === 'hello-retry')).toHaveLength(1);
    socket.end();
  });
});
