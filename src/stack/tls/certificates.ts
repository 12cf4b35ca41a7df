/**
 * Checks the server's certificate chain the way a client does, with
 * node:crypto's X509Certificate doing the parsing and the signatures:
 * each certificate's validity against the caller's clock (the emulator's
 * virtual one), each link signed by and named by the next, every issuer a
 * CA, the last link issued by a trusted root, and the leaf naming the host.
 *
 * The alert for each failure is the one OpenSSL sends (its
 * ssl_x509err2alert table), since that is what the captures people compare
 * with will show: an expired certificate is certificate_expired, a chain
 * that reaches no trusted root is unknown_ca, and a wrong host name, a
 * broken link or a certificate not yet valid is bad_certificate. RFC 8446
 * §6.2 allows certificate_unknown for the host name too; bad_certificate is
 * the more specific of the two.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { TlsAlert } from './alerts.js';

export interface ChainCheck {
  readonly step: string;
  readonly subject: string;
  readonly ok: boolean;
}

export interface VerifiedChain {
  readonly leaf: X509Certificate;
  readonly leafKey: KeyObject;
  readonly certificates: readonly X509Certificate[];
  readonly anchor: X509Certificate;
  /** What was checked, in order: for the narration. */
  readonly checks: readonly ChainCheck[];
}

export interface ChainPolicy {
  readonly serverName: string;
  readonly trustedRoots: readonly X509Certificate[];
  readonly now: Date;
}

function checkValidity(cert: X509Certificate, now: Date, checks: ChainCheck[]): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  const ok = now >= from && now <= to;
  checks.push({ step: `valid ${from.toISOString()} – ${to.toISOString()} at ${now.toISOString()}`, subject: cert.subject, ok });
  if (now > to) throw new TlsAlert('certificate_expired', `${cert.subject} expired on ${to.toISOString()}`);
  if (now < from) throw new TlsAlert('bad_certificate', `${cert.subject} is not valid before ${from.toISOString()}`);
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

export function verifyServerChain(chainDer: readonly Uint8Array[], policy: ChainPolicy): VerifiedChain {
  if (chainDer.length === 0) throw new TlsAlert('decode_error', 'the server sent no certificate');
  const certificates: X509Certificate[] = [];
  for (const der of chainDer) {
    try {
      certificates.push(new X509Certificate(der));
    } catch {
      throw new TlsAlert('bad_certificate', 'a certificate in the chain does not parse as X.509');
    }
  }
  const checks: ChainCheck[] = [];
  for (const cert of certificates) checkValidity(cert, policy.now, checks);
  for (let i = 0; i + 1 < certificates.length; i++) {
    const [cert, issuer] = [certificates[i], certificates[i + 1]];
    const linked = signedBy(cert, issuer);
    checks.push({ step: `signed by ${issuer.subject.replace(/\n/g, ', ')}`, subject: cert.subject, ok: linked });
    if (!linked) throw new TlsAlert('bad_certificate', `${cert.subject} is not signed by the next certificate, ${issuer.subject}`);
    checks.push({ step: 'issuer is a CA', subject: issuer.subject, ok: issuer.ca });
    if (!issuer.ca) throw new TlsAlert('bad_certificate', `${issuer.subject} issues a certificate but is not a CA`);
  }
  const last = certificates[certificates.length - 1];
  const anchor = policy.trustedRoots.find((root) => root.fingerprint256 === last.fingerprint256 || signedBy(last, root));
  checks.push({ step: 'chain ends at a trusted root', subject: last.subject, ok: anchor !== undefined });
  if (!anchor) throw new TlsAlert('unknown_ca', `no trusted root issued ${last.subject.replace(/\n/g, ', ')}`);
  checkValidity(anchor, policy.now, checks);
  const leaf = certificates[0];
  const matched = leaf.checkHost(policy.serverName, { subject: 'default' });
  checks.push({ step: `names ${policy.serverName}`, subject: leaf.subject, ok: matched !== undefined });
  if (matched === undefined) throw new TlsAlert('bad_certificate', `the certificate does not name ${policy.serverName} (it names ${leaf.subjectAltName ?? leaf.subject})`);
  return { leaf, leafKey: leaf.publicKey, certificates, anchor, checks };
}

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash. */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = Buffer.from(`TLS 1.3, ${side} CertificateVerify`, 'ascii');
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}
