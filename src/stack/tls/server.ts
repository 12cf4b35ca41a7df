/**
 * The TLS 1.3 server (RFC 8446 §2, full handshake with x25519, no PSK):
 * a HelloRetryRequest when the client can do x25519 but sent another share,
 * then ServerHello, EncryptedExtensions, Certificate, CertificateVerify
 * (Ed25519) and Finished in one protected flight; it checks the client
 * Finished and sends one NewSessionTicket.
 */
import { type KeyObject, X509Certificate, sign } from 'node:crypto';
import { type ClientHello, type Extension, type HandshakeMessage, encodeHandshake } from '../../../codecs/tls/index.js';
import type { ByteStream } from '../byte-stream.js';
import { TlsAlert } from './alerts.js';
import { certificateVerifyContent } from './certificates.js';
import { SIGNATURE_ED25519 } from './client.js';
import { CIPHER_SUITES, type CipherSuite } from './cipher-suites.js';
import { TlsConnection, type TlsCommonOptions } from './connection.js';
import { KeySchedule, finishedVerifyData } from './key-schedule.js';
import { Transcript } from './transcript.js';
import { GROUP_X25519, x25519KeyPair, x25519SharedSecret } from './x25519.js';

export interface TlsServerOptions extends TlsCommonOptions {
  /** DER certificates, leaf first. */
  readonly certificateChain: readonly Uint8Array[];
  /** The leaf's Ed25519 private key. */
  readonly privateKey: KeyObject;
  /** In the server's order of preference; all three by default. */
  readonly cipherSuites?: readonly CipherSuite[];
}

const TLS13 = 0x0304;
/** A week, the longest RFC 8446 §4.6.1 allows. */
const TICKET_LIFETIME_SECONDS = 604800;

type Expecting = 'client_hello' | 'finished' | 'done';

export class TlsServerConnection extends TlsConnection {
  private expecting: Expecting = 'client_hello';
  private readonly transcript = new Transcript();
  private clientRandom?: Uint8Array;
  private schedule?: KeySchedule;
  private clientHandshakeSecret?: Uint8Array;
  private clientApplicationSecret?: Uint8Array;
  private alpnProtocol?: string;
  private serverName?: string;
  /** The suite of the HelloRetryRequest, once one was sent. */
  private retriedWith?: CipherSuite;

  constructor(
    lower: ByteStream,
    private readonly serverOptions: TlsServerOptions,
  ) {
    super(lower, serverOptions);
    if (serverOptions.privateKey.asymmetricKeyType !== 'ed25519') throw new Error('tls: the server key must be Ed25519');
  }

  protected handleHandshake(message: HandshakeMessage, raw: Uint8Array): void {
    if (message.type !== this.expecting) throw new TlsAlert('unexpected_message', `${String(message.type)} while expecting ${this.expecting}`);
    if (message.type === 'client_hello') return this.clientHello(message, raw);
    if (message.type === 'finished') return this.finished(message.verifyData, raw);
  }

  private chooseSuite(hello: ClientHello): CipherSuite {
    const suite = (this.serverOptions.cipherSuites ?? CIPHER_SUITES).find((s) => hello.cipherSuites.includes(s.id));
    if (!suite) throw new TlsAlert('handshake_failure', 'no cipher suite in common');
    return suite;
  }

  private chooseAlpn(extensions: readonly Extension[]): string | undefined {
    const offered = extensions.find((e) => e.type === 'application_layer_protocol_negotiation');
    if (!offered || !('protocolNameList' in offered) || !this.serverOptions.alpn?.length) return undefined;
    const chosen = this.serverOptions.alpn.find((p) => offered.protocolNameList.includes(p));
    if (!chosen) throw new TlsAlert('no_application_protocol', `none of ${offered.protocolNameList.join(',')} is served`);
    return chosen;
  }

  private clientHello(hello: ClientHello, raw: Uint8Array): void {
    const versions = hello.extensions.find((e) => e.type === 'supported_versions');
    if (!versions || !('versions' in versions) || !versions.versions.includes(TLS13)) throw new TlsAlert('protocol_version', 'the client does not offer TLS 1.3');
    const suite = this.chooseSuite(hello);
    const shares = hello.extensions.find((e) => e.type === 'key_share');
    const share = shares && 'clientShares' in shares ? shares.clientShares.find((s) => s.group === GROUP_X25519) : undefined;
    const schemes = hello.extensions.find((e) => e.type === 'signature_algorithms');
    if (!schemes || !('supportedSignatureAlgorithms' in schemes) || !schemes.supportedSignatureAlgorithms.includes(SIGNATURE_ED25519)) {
      throw new TlsAlert('handshake_failure', 'the client does not accept ed25519 signatures');
    }
    if (this.retriedWith && this.retriedWith !== suite) throw new TlsAlert('illegal_parameter', 'the second ClientHello changed the cipher suite');
    if (!share) return this.helloRetryRequest(hello, suite, raw);
    const sni = hello.extensions.find((e) => e.type === 'server_name');
    this.serverName = sni && 'serverNames' in sni ? sni.serverNames?.find((n) => n.nameType === 0)?.hostName : undefined;
    this.alpnProtocol = this.chooseAlpn(hello.extensions);
    this.clientRandom = hello.random.slice();
    this.suite = suite;
    this.transcript.add(raw);

    const rng = this.serverOptions.rng;
    const ours = x25519KeyPair(rng.bytes(32));
    let shared: Uint8Array;
    try {
      shared = x25519SharedSecret(ours.privateKey, share.keyExchange);
    } catch {
      throw new TlsAlert('illegal_parameter', 'the client x25519 share is malformed');
    }
    this.log('client-hello-accepted', { cipherSuite: suite.name, group: 'x25519', serverName: this.serverName, alpn: this.alpnProtocol });
    const serverHello: HandshakeMessage = {
      type: 'server_hello',
      legacyVersion: 0x0303,
      random: rng.bytes(32),
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: suite.id,
      legacyCompressionMethod: 0,
      extensions: [
        { type: 'key_share', serverShare: { group: GROUP_X25519, keyExchange: ours.publicKey } },
        { type: 'supported_versions', selectedVersion: TLS13 },
      ],
    };
    for (const sent of this.sendHandshake([serverHello])) this.transcript.add(sent);

    const hash = suite.hash;
    this.schedule = new KeySchedule(hash);
    const hs = this.schedule.handshake(shared, this.transcript.hash(hash));
    this.clientHandshakeSecret = hs.client;
    this.keyLogged('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, hs.client);
    this.keyLogged('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, hs.server);
    this.setWriteSecret(hs.server, 'server handshake traffic');
    this.setReadSecret(hs.client, 'client handshake traffic');
    this.sendAuthenticatedFlight(hs.server);

    const app = this.schedule.application(this.transcript.hash(hash));
    this.clientApplicationSecret = app.client;
    this.keyLogged('CLIENT_TRAFFIC_SECRET_0', this.clientRandom, app.client);
    this.keyLogged('SERVER_TRAFFIC_SECRET_0', this.clientRandom, app.server);
    this.keyLogged('EXPORTER_SECRET', this.clientRandom, app.exporter);
    this.setWriteSecret(app.server, 'server application traffic');
    this.expecting = 'finished';
  }

  /** EncryptedExtensions, Certificate, CertificateVerify and Finished, under the server handshake key. */
  private sendAuthenticatedFlight(serverHandshakeSecret: Uint8Array): void {
    const hash = this.suite!.hash;
    const encryptedExtensions: HandshakeMessage = {
      type: 'encrypted_extensions',
      extensions: this.alpnProtocol ? [{ type: 'application_layer_protocol_negotiation', protocolNameList: [this.alpnProtocol] }] : [],
    };
    const certificate: HandshakeMessage = {
      type: 'certificate',
      certificateRequestContext: new Uint8Array(0),
      certificateList: this.serverOptions.certificateChain.map((certData) => ({ certData, extensions: [] })),
    };
    // The signature and the Finished MAC each cover the transcript up to themselves, so the flight joins it message by message.
    this.transcript.add(encodeHandshake(encryptedExtensions));
    this.transcript.add(encodeHandshake(certificate));
    const signature = sign(null, certificateVerifyContent('server', this.transcript.hash(hash)), this.serverOptions.privateKey);
    const certificateVerify: HandshakeMessage = { type: 'certificate_verify', algorithm: SIGNATURE_ED25519, signature: new Uint8Array(signature) };
    this.transcript.add(encodeHandshake(certificateVerify));
    const finished: HandshakeMessage = { type: 'finished', verifyData: finishedVerifyData(hash, serverHandshakeSecret, this.transcript.hash(hash)) };
    this.transcript.add(encodeHandshake(finished));
    this.log('certificate-sent', { subjects: this.serverOptions.certificateChain.map((der) => new X509Certificate(der).subject.replace(/\n/g, ', ')), signature: 'ed25519' });
    this.sendHandshake([encryptedExtensions, certificate, certificateVerify, finished]);
  }

  /** RFC 8446 §4.1.4: the client can do x25519 but sent no share for it; ask again for one. */
  private helloRetryRequest(hello: ClientHello, suite: CipherSuite, raw: Uint8Array): void {
    if (this.retriedWith) throw new TlsAlert('illegal_parameter', 'the second ClientHello still has no x25519 share');
    const groups = hello.extensions.find((e) => e.type === 'supported_groups');
    if (!groups || !('namedGroupList' in groups) || !groups.namedGroupList.includes(GROUP_X25519)) throw new TlsAlert('handshake_failure', 'the client does not support x25519');
    this.retriedWith = suite;
    this.transcript.add(raw);
    this.transcript.replaceWithMessageHash(suite.hash);
    this.log('hello-retry', { cipherSuite: suite.name, selectedGroup: 'x25519' });
    const retry: HandshakeMessage = {
      type: 'hello_retry_request',
      legacyVersion: 0x0303,
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: suite.id,
      legacyCompressionMethod: 0,
      extensions: [
        { type: 'supported_versions', selectedVersion: TLS13 },
        { type: 'key_share', selectedGroup: GROUP_X25519 },
      ],
    };
    for (const sent of this.sendHandshake([retry])) this.transcript.add(sent);
    // RFC 8446 D.4: the server's one change_cipher_spec follows its first hello, here the retry.
    this.sendCompatibilityCcs();
  }

  private finished(verifyData: Uint8Array, raw: Uint8Array): void {
    this.checkPeerFinished('client', verifyData, this.clientHandshakeSecret!, this.transcript.hash(this.suite!.hash));
    this.transcript.add(raw);
    this.setReadSecret(this.clientApplicationSecret!, 'client application traffic');
    const rng = this.serverOptions.rng;
    const ageAdd = rng.bytes(4);
    // The ticket is opaque to the client; this server does not resume, so it holds no state behind it.
    this.sendHandshake([
      {
        type: 'new_session_ticket',
        ticketLifetime: TICKET_LIFETIME_SECONDS,
        ticketAgeAdd: ((ageAdd[0] << 24) | (ageAdd[1] << 16) | (ageAdd[2] << 8) | ageAdd[3]) >>> 0,
        ticketNonce: Uint8Array.of(0),
        ticket: rng.bytes(32),
        extensions: [],
      },
    ]);
    this.expecting = 'done';
    this.completeHandshake({ version: 'TLSv1.3', cipherSuite: this.suite!.name, alpnProtocol: this.alpnProtocol, serverName: this.serverName });
  }
}

/** Answers a TLS 1.3 handshake as the server on `stream`; the result emits 'secure' when it completes. */
export function tlsAccept(stream: ByteStream, options: TlsServerOptions): TlsServerConnection {
  return new TlsServerConnection(stream, options);
}
