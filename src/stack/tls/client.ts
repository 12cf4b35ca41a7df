/**
 * The TLS 1.3 client (RFC 8446 §2, full handshake with x25519, no PSK): a
 * ClientHello shaped like a browser's, then ServerHello, the server's
 * protected flight checked message by message, and the client Finished.
 */
import type { X509Certificate } from 'node:crypto';
import { verify } from 'node:crypto';
import type { ClientHello, Extension, HandshakeMessage, ServerHello } from '../../../codecs/tls/index.js';
import type { ByteStream } from '../byte-stream.js';
import { TlsAlert } from './alerts.js';
import { certificateVerifyContent, verifyServerChain } from './certificates.js';
import { CIPHER_SUITES, type CipherSuite, cipherSuiteById } from './cipher-suites.js';
import { TlsConnection, type TlsCommonOptions } from './connection.js';
import { KeySchedule, finishedVerifyData } from './key-schedule.js';
import { Transcript } from './transcript.js';
import { GROUP_X25519, type X25519KeyPair, x25519KeyPair, x25519SharedSecret } from './x25519.js';

export interface TlsClientOptions extends TlsCommonOptions {
  /** Sent as server_name and checked against the leaf certificate. */
  readonly serverName: string;
  readonly trustedRoots: readonly X509Certificate[];
  /** The clock certificates are checked against: the emulator's virtual one (sim.date()). */
  readonly now: () => Date;
  /** Offered in this order; all three by default. */
  readonly cipherSuites?: readonly CipherSuite[];
  /** Called with the client random just before the ClientHello goes out, so a capture can hold packets until the key log is known. */
  readonly beforeClientHello?: (clientRandom: Uint8Array) => void;
}

/** The signature schemes offered (RFC 8446 §4.2.3): ed25519 first, then the ones browsers send. */
export const SIGNATURE_SCHEMES = [0x0807, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601] as const;
export const SIGNATURE_ED25519 = 0x0807;
const TLS13 = 0x0304;

type Expecting = 'server_hello' | 'encrypted_extensions' | 'certificate' | 'certificate_verify' | 'finished' | 'done';

export class TlsClientConnection extends TlsConnection {
  private expecting: Expecting = 'server_hello';
  private readonly transcript = new Transcript();
  private readonly clientRandom: Uint8Array;
  private readonly sessionId: Uint8Array;
  private readonly share: X25519KeyPair;
  private readonly offered: readonly CipherSuite[];
  private schedule?: KeySchedule;
  private serverHandshakeSecret?: Uint8Array;
  private clientHandshakeSecret?: Uint8Array;
  private alpnProtocol?: string;
  private serverKey?: X509Certificate['publicKey'];

  constructor(
    lower: ByteStream,
    private readonly clientOptions: TlsClientOptions,
  ) {
    super(lower, clientOptions);
    this.clientRandom = clientOptions.rng.bytes(32);
    this.sessionId = clientOptions.rng.bytes(32);
    this.share = x25519KeyPair(clientOptions.rng.bytes(32));
    this.offered = clientOptions.cipherSuites ?? CIPHER_SUITES;
  }

  /** Sends the ClientHello; tlsConnect calls it. */
  start(): void {
    const o = this.clientOptions;
    const extensions: Extension[] = [
      { type: 'server_name', serverNames: [{ nameType: 0, hostName: o.serverName }] },
      { type: 'supported_groups', namedGroupList: [GROUP_X25519] },
      { type: 'signature_algorithms', supportedSignatureAlgorithms: [...SIGNATURE_SCHEMES] },
      ...(o.alpn?.length ? [{ type: 'application_layer_protocol_negotiation' as const, protocolNameList: o.alpn }] : []),
      { type: 'key_share', clientShares: [{ group: GROUP_X25519, keyExchange: this.share.publicKey }] },
      { type: 'psk_key_exchange_modes', keModes: [1] },
      { type: 'supported_versions', versions: [TLS13] },
    ];
    const hello: ClientHello = {
      type: 'client_hello',
      legacyVersion: 0x0303,
      random: this.clientRandom,
      legacySessionId: this.sessionId,
      cipherSuites: this.offered.map((s) => s.id),
      legacyCompressionMethods: [0],
      extensions,
    };
    o.beforeClientHello?.(this.clientRandom);
    // Like browsers, the first record says TLS 1.0 for the sake of old middleboxes (RFC 8446 §5.1).
    for (const raw of this.sendHandshake([hello], 0x0301)) this.transcript.add(raw);
  }

  protected handleHandshake(message: HandshakeMessage, raw: Uint8Array): void {
    if (message.type === 'new_session_ticket' && this.expecting === 'done') {
      this.log('session-ticket-ignored', { reason: 'this client does not resume sessions' });
      return;
    }
    const type = message.type === 'hello_retry_request' ? 'server_hello' : message.type;
    if (type !== this.expecting) throw new TlsAlert('unexpected_message', `${String(message.type)} while expecting ${this.expecting}`);
    switch (message.type) {
      case 'server_hello':
        return this.serverHello(message, raw);
      case 'hello_retry_request':
        // Only x25519 is offered, so a retry could only ask for a group this client lacks.
        throw new TlsAlert('illegal_parameter', 'HelloRetryRequest for a group that was not offered');
      case 'encrypted_extensions':
        return this.encryptedExtensions(message.extensions, raw);
      case 'certificate':
        return this.certificate(message.certificateList.map((e) => e.certData), message.certificateRequestContext, raw);
      case 'certificate_verify':
        return this.certificateVerify(message.algorithm, message.signature, raw);
      case 'finished':
        return this.finished(message.verifyData, raw);
    }
    throw new TlsAlert('unexpected_message', `${String(message.type)}`);
  }

  private serverHello(hello: ServerHello, raw: Uint8Array): void {
    const version = hello.extensions.find((e) => e.type === 'supported_versions');
    if (!version || !('selectedVersion' in version) || version.selectedVersion !== TLS13) throw new TlsAlert('protocol_version', 'the server did not select TLS 1.3');
    const suite = cipherSuiteById(hello.cipherSuite);
    if (!suite || !this.offered.includes(suite)) throw new TlsAlert('illegal_parameter', `cipher suite 0x${hello.cipherSuite.toString(16)} was not offered`);
    if (Buffer.compare(hello.legacySessionIdEcho, this.sessionId) !== 0) throw new TlsAlert('illegal_parameter', 'legacy_session_id_echo differs from the session id sent');
    const keyShare = hello.extensions.find((e) => e.type === 'key_share');
    if (!keyShare || !('serverShare' in keyShare) || keyShare.serverShare.group !== GROUP_X25519) throw new TlsAlert('illegal_parameter', 'the server share is not x25519');
    let shared: Uint8Array;
    try {
      shared = x25519SharedSecret(this.share.privateKey, keyShare.serverShare.keyExchange);
    } catch {
      throw new TlsAlert('illegal_parameter', 'the server x25519 share is malformed');
    }
    this.suite = suite;
    this.log('server-hello-accepted', { cipherSuite: suite.name, group: 'x25519', version: 'TLSv1.3' });
    this.transcript.add(raw);
    this.schedule = new KeySchedule(suite.hash);
    const secrets = this.schedule.handshake(shared, this.transcript.hash(suite.hash));
    this.clientHandshakeSecret = secrets.client;
    this.serverHandshakeSecret = secrets.server;
    this.keyLogged('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, secrets.client);
    this.keyLogged('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, secrets.server);
    this.setReadSecret(secrets.server, 'server handshake traffic');
    this.setWriteSecret(secrets.client, 'client handshake traffic');
    this.expecting = 'encrypted_extensions';
  }

  private encryptedExtensions(extensions: readonly Extension[], raw: Uint8Array): void {
    const alpn = extensions.find((e) => e.type === 'application_layer_protocol_negotiation');
    if (alpn && 'protocolNameList' in alpn) {
      const chosen = alpn.protocolNameList[0];
      if (alpn.protocolNameList.length !== 1 || !this.clientOptions.alpn?.includes(chosen)) throw new TlsAlert('illegal_parameter', `ALPN ${alpn.protocolNameList.join(',')} was not offered`);
      this.alpnProtocol = chosen;
    }
    this.transcript.add(raw);
    this.expecting = 'certificate';
  }

  private certificate(chain: Uint8Array[], context: Uint8Array | undefined, raw: Uint8Array): void {
    if (context && context.length > 0) throw new TlsAlert('illegal_parameter', 'certificate_request_context must be empty for a server');
    const o = this.clientOptions;
    const verified = verifyServerChain(chain, { serverName: o.serverName, trustedRoots: o.trustedRoots, now: o.now() });
    this.log('certificate-verified', {
      subjects: verified.certificates.map((c) => c.subject.replace(/\n/g, ', ')),
      issuers: verified.certificates.map((c) => c.issuer.replace(/\n/g, ', ')),
      anchor: verified.anchor.subject.replace(/\n/g, ', '),
      checks: verified.checks,
    });
    this.serverKey = verified.leafKey;
    this.transcript.add(raw);
    this.expecting = 'certificate_verify';
  }

  private certificateVerify(algorithm: number, signature: Uint8Array, raw: Uint8Array): void {
    if (algorithm !== SIGNATURE_ED25519 || this.serverKey!.asymmetricKeyType !== 'ed25519') {
      throw new TlsAlert('illegal_parameter', `signature scheme 0x${algorithm.toString(16)} does not match an ed25519 certificate`);
    }
    const content = certificateVerifyContent('server', this.transcript.hash(this.suite!.hash));
    const ok = verify(null, content, this.serverKey!, signature);
    this.log('certificate-verify-checked', { algorithm: 'ed25519', ok });
    if (!ok) throw new TlsAlert('decrypt_error', 'the CertificateVerify signature does not verify');
    this.transcript.add(raw);
    this.expecting = 'finished';
  }

  private finished(verifyData: Uint8Array, raw: Uint8Array): void {
    const hash = this.suite!.hash;
    this.checkPeerFinished('server', verifyData, this.serverHandshakeSecret!, this.transcript.hash(hash));
    this.transcript.add(raw);
    const app = this.schedule!.application(this.transcript.hash(hash));
    this.keyLogged('CLIENT_TRAFFIC_SECRET_0', this.clientRandom, app.client);
    this.keyLogged('SERVER_TRAFFIC_SECRET_0', this.clientRandom, app.server);
    this.keyLogged('EXPORTER_SECRET', this.clientRandom, app.exporter);
    const clientFinished = finishedVerifyData(hash, this.clientHandshakeSecret!, this.transcript.hash(hash));
    for (const sent of this.sendHandshake([{ type: 'finished', verifyData: clientFinished }])) this.transcript.add(sent);
    this.setWriteSecret(app.client, 'client application traffic');
    this.setReadSecret(app.server, 'server application traffic');
    this.expecting = 'done';
    this.completeHandshake({ version: 'TLSv1.3', cipherSuite: this.suite!.name, alpnProtocol: this.alpnProtocol, serverName: this.clientOptions.serverName });
  }
}

/** Starts a TLS 1.3 handshake as the client on `stream`; the result emits 'secure' when it completes. */
export function tlsConnect(stream: ByteStream, options: TlsClientOptions): TlsClientConnection {
  const connection = new TlsClientConnection(stream, options);
  connection.start();
  return connection;
}
