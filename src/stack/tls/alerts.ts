/**
 * A fatal condition found while speaking TLS, carrying the alert that RFC
 * 8446 §6.2 has the finder send before it closes. The connection turns one
 * of these into the alert record and the close.
 */
import type { AlertDescription } from '../../../codecs/tls/index.js';

export class TlsAlert extends Error {
  constructor(
    readonly description: AlertDescription,
    reason: string,
  ) {
    super(`${description}: ${reason}`);
    this.name = 'TlsAlert';
  }
}

/** The peer sent a fatal alert (or closed with one); the connection is over. */
export class TlsPeerAlert extends Error {
  constructor(readonly description: AlertDescription | number) {
    super(`peer sent alert ${description}`);
    this.name = 'TlsPeerAlert';
  }
}
