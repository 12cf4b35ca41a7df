/**
 * The emulated PKI: a root standing in for Amazon Root CA 1, an
 * intermediate standing in for Amazon's issuing CA, and two server leaves:
 * the public API endpoint and the internal name the load balancer uses for
 * its backend. All keys are Ed25519, each derived from a fixed label, so
 * making the PKI again gives the very same files.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { type CertificateSpec, type DistinguishedName, ed25519KeyFromSeed, makeCertificate } from './certificate-maker.js';

export interface IssuedCertificate {
  /** The file stem in the fixtures directory. */
  readonly file: string;
  readonly der: Uint8Array;
  readonly privateKey: KeyObject;
  readonly subject: DistinguishedName;
}

export interface EmulatedPki {
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  /** `*.amazonaws.com`, with `ec2.us-east-1.amazonaws.com` in its SAN too. */
  readonly amazonaws: IssuedCertificate;
  /** The load balancer's backend, `ec2-api.internal.us-east-1`. */
  readonly internal: IssuedCertificate;
}

export const ROOT_NAME: DistinguishedName = { country: 'US', organization: 'Amazon', commonName: 'Emulated Amazon Root CA 1' };
export const INTERMEDIATE_NAME: DistinguishedName = { country: 'US', organization: 'Amazon', commonName: 'Emulated Amazon Ed25519 M01' };
export const PUBLIC_API_NAMES = ['*.amazonaws.com', 'ec2.us-east-1.amazonaws.com'] as const;
export const INTERNAL_API_NAME = 'ec2-api.internal.us-east-1';

/** A 32-byte value fixed by its label: key seeds and serial numbers. */
export function labelledBytes(label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`wirepath emulated pki: ${label}`).digest());
}

/** A positive serial number of 16 bytes. */
export function serialFor(label: string): Uint8Array {
  const serial = labelledBytes(`serial ${label}`).subarray(0, 16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  return serial;
}

export function keyFor(label: string): KeyObject {
  return ed25519KeyFromSeed(labelledBytes(`key ${label}`));
}

function issue(file: string, spec: Omit<CertificateSpec, 'serialNumber' | 'subjectKey'>, subjectKey = keyFor(file)): IssuedCertificate {
  return { file, der: makeCertificate({ ...spec, serialNumber: serialFor(file), subjectKey }), privateKey: subjectKey, subject: spec.subject };
}

export function makeEmulatedPki(): EmulatedPki {
  const rootKey = keyFor('root');
  const intermediateKey = keyFor('intermediate');
  const root = issue('root', { subject: ROOT_NAME, issuer: ROOT_NAME, issuerKey: rootKey, notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2040-12-31T23:59:59Z'), ca: {} }, rootKey);
  const intermediate = issue(
    'intermediate',
    { subject: INTERMEDIATE_NAME, issuer: ROOT_NAME, issuerKey: rootKey, notBefore: new Date('2025-06-01T00:00:00Z'), notAfter: new Date('2030-12-31T23:59:59Z'), ca: { pathLength: 0 } },
    intermediateKey,
  );
  const leafValidity = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-12-31T23:59:59Z') };
  const amazonaws = issue('amazonaws', { subject: { commonName: '*.amazonaws.com' }, issuer: INTERMEDIATE_NAME, issuerKey: intermediateKey, ...leafValidity, dnsNames: PUBLIC_API_NAMES });
  const internal = issue('internal', { subject: { commonName: INTERNAL_API_NAME }, issuer: INTERMEDIATE_NAME, issuerKey: intermediateKey, ...leafValidity, dnsNames: [INTERNAL_API_NAME] });
  return { root, intermediate, amazonaws, internal };
}
