/**
 * A TLS 1.3 connection over a ByteStream, and itself a ByteStream: the
 * record layer (framing, protection, the middlebox change_cipher_spec,
 * alerts, close_notify, KeyUpdate) shared by both sides. The client and the
 * server add their handshake on top through `handleHandshake`.
 *
 * Any fatal condition ends the same way: the alert goes out (protected when
 * write keys exist), the stream below is ended and `close` carries the
 * error.
 */
import { concatBytes } from '../../../codecs/bytes.js';
import { DecodeError } from '../../../codecs/decode-error.js';
import {
  type AlertDescription,
  ContentType,
  type HandshakeMessage,
  HandshakeReassembler,
  TLS_MAX_RECORD_LENGTH,
  TLS_RECORD_HEADER_LENGTH,
  decodeAlert,
  encodeAlert,
  encodeHandshake,
} from '../../../codecs/tls/index.js';
import type { ByteStream, ByteStreamEvents } from '../byte-stream.js';
import { TlsAlert, TlsPeerAlert } from './alerts.js';
import type { CipherSuite } from './cipher-suites.js';
import { finishedVerifyData, nextTrafficSecret } from './key-schedule.js';
import { type KeyLogLabel, keyLogLine } from './keylog.js';
import { MAX_PLAINTEXT, RecordAuthenticationError, RecordProtection } from './record-protection.js';

export type TlsLog = (kind: string, details: Record<string, unknown>) => void;

export interface TlsCommonOptions {
  /** The emulator's one seeded generator: randoms, key shares, session ids and tickets come from it. */
  readonly rng: { bytes(length: number): Uint8Array };
  /** ALPN protocol names, in preference order. */
  readonly alpn?: readonly string[];
  /**
   * Events for the narration, each with the values involved:
   * handshake-sent / handshake-received (message type and its facts),
   * client-hello-accepted, hello-retry, server-hello-accepted (suite, group),
   * certificate-sent, certificate-verified (subjects, issuers, anchor, each
   * check), certificate-verify-checked, finished-checked, secret-derived
   * (key log label), keys-installed (direction, purpose, suite),
   * change-cipher-spec-sent / -received, handshake-complete, alert-sent,
   * alert-received, failure (the alert and why), session-ticket-ignored,
   * truncated.
   */
  readonly log?: TlsLog;
  /** Each NSS key log line as soon as its secret exists. */
  readonly onKeyLog?: (line: string) => void;
}

export interface HandshakeSummary {
  readonly version: 'TLSv1.3';
  readonly cipherSuite: string;
  readonly alpnProtocol?: string;
  readonly serverName?: string;
}

export interface TlsConnectionEvents extends ByteStreamEvents {
  /** The handshake is complete; application data may flow. */
  secure: (summary: HandshakeSummary) => void;
}

type Listeners = { [E in keyof TlsConnectionEvents]: Array<TlsConnectionEvents[E]> };

const LEGACY_VERSION = 0x0303;
const CHANGE_CIPHER_SPEC_RECORD = Uint8Array.of(ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01);

export abstract class TlsConnection implements ByteStream {
  private readonly listeners: Listeners = { data: [], end: [], close: [], secure: [] };
  private inbound: Uint8Array = new Uint8Array(0);
  private readonly reassembler = new HandshakeReassembler();
  private readProtection?: RecordProtection;
  private writeProtection?: RecordProtection;
  private state: 'handshaking' | 'open' | 'closed' = 'handshaking';
  private readonly queuedWrites: Uint8Array[] = [];
  private endWanted = false;
  private sentCloseNotify = false;
  private receivedEnd = false;
  private readonly keyLogLines: string[] = [];
  /** RFC 8446 D.4: one change_cipher_spec goes out just before this side's first protected record. */
  private compatibilityCcsSent = false;
  protected suite?: CipherSuite;
  protected summary?: HandshakeSummary;

  protected constructor(
    protected readonly lower: ByteStream,
    protected readonly options: TlsCommonOptions,
  ) {
    lower.on('data', (bytes) => this.receive(bytes));
    lower.on('end', () => this.lowerEnded());
    lower.on('close', (error) => this.lowerClosed(error));
  }

  on<E extends keyof TlsConnectionEvents>(event: E, listener: TlsConnectionEvents[E]): void {
    this.listeners[event].push(listener);
  }

  private emit<E extends keyof TlsConnectionEvents>(event: E, ...args: Parameters<TlsConnectionEvents[E]>): void {
    for (const l of this.listeners[event]) (l as (...a: Parameters<TlsConnectionEvents[E]>) => void)(...args);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  get secure(): boolean {
    return this.state === 'open';
  }

  get handshake(): HandshakeSummary | undefined {
    return this.summary;
  }

  /** The NSS key log lines so far, in the order the secrets were derived. */
  keyLog(): readonly string[] {
    return this.keyLogLines;
  }

  write(bytes: Uint8Array): void {
    if (this.state === 'closed' || this.endWanted) throw new Error('tls: write after end');
    if (this.state === 'handshaking') {
      this.queuedWrites.push(bytes.slice());
      return;
    }
    for (let at = 0; at < bytes.length; at += MAX_PLAINTEXT) this.sendProtected(ContentType.application_data, bytes.subarray(at, Math.min(bytes.length, at + MAX_PLAINTEXT)));
  }

  /** Sends close_notify (once the handshake is done) and ends the stream below. */
  end(): void {
    if (this.endWanted || this.state === 'closed') return;
    this.endWanted = true;
    if (this.state === 'open') this.sendCloseNotify();
  }

  /** Moves this side to its next application traffic secret (RFC 8446 §4.6.3), asking the peer to do the same when `requestPeer`. */
  updateKeys(requestPeer = false): void {
    if (this.state !== 'open') throw new Error('tls: KeyUpdate before the handshake is complete');
    this.sendHandshake([{ type: 'key_update', requestUpdate: requestPeer ? 1 : 0 }]);
    this.setWriteSecret(nextTrafficSecret(this.suite!.hash, this.writeProtection!.trafficSecret), 'key update');
  }

  protected abstract handleHandshake(message: HandshakeMessage, raw: Uint8Array): void;

  protected log(kind: string, details: Record<string, unknown>): void {
    this.options.log?.(kind, details);
  }

  /**
   * Checks the peer's Finished (RFC 8446 §4.4.4) against the transcript hash
   * taken before it; a mismatch is fatal with decrypt_error.
   */
  protected checkPeerFinished(peer: 'client' | 'server', verifyData: Uint8Array, peerHandshakeSecret: Uint8Array, transcriptHash: Uint8Array): void {
    const expected = finishedVerifyData(this.suite!.hash, peerHandshakeSecret, transcriptHash);
    const ok = expected.length === verifyData.length && Buffer.compare(expected, verifyData) === 0;
    this.log('finished-checked', { side: peer, ok });
    if (!ok) throw new TlsAlert('decrypt_error', `the ${peer} Finished does not match the transcript`);
  }

  protected keyLogged(label: KeyLogLabel, clientRandom: Uint8Array, secret: Uint8Array): void {
    const line = keyLogLine(label, clientRandom, secret);
    this.log('secret-derived', { label });
    this.keyLogLines.push(line);
    this.options.onKeyLog?.(line);
  }

  protected setReadSecret(secret: Uint8Array, purpose: string): void {
    // RFC 8446 §5.1: a handshake message may not straddle a change of keys.
    if (!this.reassembler.idle) throw new TlsAlert('unexpected_message', 'a handshake message spans a change of keys');
    this.readProtection = new RecordProtection(this.suite!, secret);
    this.log('keys-installed', { direction: 'read', purpose, cipherSuite: this.suite!.name });
  }

  protected setWriteSecret(secret: Uint8Array, purpose: string): void {
    this.writeProtection = new RecordProtection(this.suite!, secret);
    this.log('keys-installed', { direction: 'write', purpose, cipherSuite: this.suite!.name });
  }

  /** Writes the messages, protected when write keys exist, and returns each message's bytes for the transcript. */
  protected sendHandshake(messages: readonly HandshakeMessage[], plaintextVersion = LEGACY_VERSION): Uint8Array[] {
    const raws = messages.map((m) => encodeHandshake(m));
    for (const m of messages) this.log('handshake-sent', describe(m));
    const flight = concatBytes(raws);
    for (let at = 0; at < flight.length; at += MAX_PLAINTEXT) {
      const piece = flight.subarray(at, Math.min(flight.length, at + MAX_PLAINTEXT));
      if (this.writeProtection) this.sendProtected(ContentType.handshake, piece);
      else this.lower.write(plainRecord(ContentType.handshake, plaintextVersion, piece));
    }
    return raws;
  }

  /** The handshake is done on this side: flush what the application wrote early. */
  protected completeHandshake(summary: HandshakeSummary): void {
    this.state = 'open';
    this.summary = summary;
    this.log('handshake-complete', { ...summary });
    this.emit('secure', summary);
    for (const bytes of this.queuedWrites.splice(0)) this.write(bytes);
    if (this.endWanted) this.sendCloseNotify();
  }

  protected sendCompatibilityCcs(): void {
    if (this.compatibilityCcsSent) return;
    this.compatibilityCcsSent = true;
    this.lower.write(CHANGE_CIPHER_SPEC_RECORD);
    this.log('change-cipher-spec-sent', { reason: 'middlebox compatibility (RFC 8446 D.4)' });
  }

  private sendProtected(contentType: number, content: Uint8Array): void {
    this.sendCompatibilityCcs();
    this.lower.write(this.writeProtection!.seal(contentType, content));
  }

  private sendAlert(level: 'warning' | 'fatal', description: AlertDescription): void {
    const body = encodeAlert({ level, description });
    if (this.writeProtection) this.sendProtected(ContentType.alert, body);
    else this.lower.write(plainRecord(ContentType.alert, LEGACY_VERSION, body));
    this.log('alert-sent', { level, description, protected: this.writeProtection !== undefined });
  }

  private sendCloseNotify(): void {
    if (this.sentCloseNotify) return;
    this.sentCloseNotify = true;
    this.sendAlert('warning', 'close_notify');
    this.lower.end();
  }

  private fail(alert: TlsAlert): void {
    if (this.state === 'closed') return;
    this.log('failure', { description: alert.description, reason: alert.message });
    // After our close_notify the stream below takes no more writes; the failure is only ours to report.
    if (!this.sentCloseNotify) {
      this.sendAlert('fatal', alert.description);
      this.lower.end();
    }
    this.state = 'closed';
    this.emit('close', alert);
  }

  private receive(bytes: Uint8Array): void {
    if (this.state === 'closed' || this.receivedEnd) return;
    this.inbound = this.inbound.length === 0 ? bytes : concatBytes([this.inbound, bytes]);
    try {
      let at = 0;
      while (this.inbound.length - at >= TLS_RECORD_HEADER_LENGTH && !this.closed && !this.receivedEnd) {
        const length = (this.inbound[at + 3] << 8) | this.inbound[at + 4];
        if (length > TLS_MAX_RECORD_LENGTH) throw new TlsAlert('record_overflow', `record length ${length} exceeds ${TLS_MAX_RECORD_LENGTH}`);
        if (this.inbound.length - at < TLS_RECORD_HEADER_LENGTH + length) break;
        const record = this.inbound.subarray(at, at + TLS_RECORD_HEADER_LENGTH + length);
        at += record.length;
        this.receiveRecord(record);
      }
      this.inbound = this.inbound.slice(at);
    } catch (error) {
      this.fail(asAlert(error));
    }
  }

  private receiveRecord(record: Uint8Array): void {
    const outerType = record[0];
    const body = record.subarray(TLS_RECORD_HEADER_LENGTH);
    if (outerType === ContentType.change_cipher_spec) {
      if (this.state !== 'handshaking' || body.length !== 1 || body[0] !== 1) throw new TlsAlert('unexpected_message', 'change_cipher_spec outside the handshake');
      this.log('change-cipher-spec-received', {});
      return;
    }
    let contentType = outerType;
    let content = body;
    if (outerType === ContentType.application_data && this.readProtection) {
      ({ contentType, content } = this.readProtection.open(record));
      if (content.length > MAX_PLAINTEXT) throw new TlsAlert('record_overflow', 'inner plaintext over 2^14 bytes');
    } else if (this.readProtection && outerType !== ContentType.alert) {
      throw new TlsAlert('unexpected_message', `unprotected record of type ${outerType} after keys were installed`);
    }
    switch (contentType) {
      case ContentType.handshake:
        for (const { message, raw } of this.reassembler.push(content)) {
          if (this.closed) return;
          this.log('handshake-received', describe(message));
          if (message.type === 'key_update' && this.state === 'open') this.receiveKeyUpdate(message.requestUpdate);
          else this.handleHandshake(message, raw);
        }
        return;
      case ContentType.application_data:
        if (this.state !== 'open') throw new TlsAlert('unexpected_message', 'application data before the handshake completed');
        if (content.length > 0) this.emit('data', content.slice());
        return;
      case ContentType.alert:
        return this.receiveAlert(content);
      default:
        throw new TlsAlert('unexpected_message', `record of content type ${contentType}`);
    }
  }

  private receiveKeyUpdate(requestUpdate: number): void {
    this.setReadSecret(nextTrafficSecret(this.suite!.hash, this.readProtection!.trafficSecret), 'key update');
    if (requestUpdate === 1) this.updateKeys(false);
    else if (requestUpdate !== 0) throw new TlsAlert('illegal_parameter', `request_update ${requestUpdate}`);
  }

  private receiveAlert(content: Uint8Array): void {
    if (content.length !== 2) throw new TlsAlert('decode_error', `alert of ${content.length} bytes`);
    const alert = decodeAlert(content).header;
    this.log('alert-received', { level: alert.level, description: alert.description });
    if (alert.description === 'close_notify') {
      this.receivedEnd = true;
      this.emit('end');
      return;
    }
    // RFC 8446 §6.2: every alert other than close_notify and user_canceled ends the connection, whatever its level.
    if (alert.description === 'user_canceled') return;
    this.state = 'closed';
    this.lower.end();
    this.emit('close', new TlsPeerAlert(alert.description));
  }

  private lowerEnded(): void {
    if (this.state === 'closed' || this.receivedEnd) return;
    this.receivedEnd = true;
    this.log('truncated', { reason: 'the stream below ended without close_notify' });
    this.emit('end');
  }

  private lowerClosed(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emit('close', error);
  }
}

function asAlert(error: unknown): TlsAlert {
  if (error instanceof TlsAlert) return error;
  if (error instanceof RecordAuthenticationError) return new TlsAlert('bad_record_mac', error.message);
  if (error instanceof DecodeError) return new TlsAlert('decode_error', error.message);
  return new TlsAlert('internal_error', error instanceof Error ? error.message : String(error));
}

function plainRecord(contentType: number, version: number, fragment: Uint8Array): Uint8Array {
  const out = new Uint8Array(TLS_RECORD_HEADER_LENGTH + fragment.length);
  out[0] = contentType;
  out[1] = version >>> 8;
  out[2] = version & 255;
  out[3] = fragment.length >>> 8;
  out[4] = fragment.length & 255;
  out.set(fragment, TLS_RECORD_HEADER_LENGTH);
  return out;
}

/** The facts of a message worth a line in the narration; bytes are left out. */
function describe(message: HandshakeMessage): Record<string, unknown> {
  switch (message.type) {
    case 'client_hello':
      return { type: message.type, cipherSuites: message.cipherSuites, extensions: message.extensions.map((e) => e.type) };
    case 'server_hello':
      return { type: message.type, cipherSuite: message.cipherSuite, extensions: message.extensions.map((e) => e.type) };
    case 'certificate':
      return { type: message.type, certificates: message.certificateList.length };
    case 'certificate_verify':
      return { type: message.type, algorithm: message.algorithm };
    case 'new_session_ticket':
      return 'ticketLifetime' in message ? { type: message.type, ticketLifetime: message.ticketLifetime } : { type: message.type };
    case 'key_update':
      return { type: message.type, requestUpdate: message.requestUpdate };
    default:
      return { type: message.type };
  }
}
