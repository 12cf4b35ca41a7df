/**
 * Makes X.509 v3 certificates (RFC 5280) signed with Ed25519 (RFC 8410).
 * node:crypto can check a certificate but not make one, so the
 * TBSCertificate is written here in DER and signed with crypto.sign.
 * Ed25519 signatures are deterministic: the same keys and fields give the
 * same certificate bytes.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import * as der from './der.js';

const OID = {
  ed25519: '1.3.101.112',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

export interface DistinguishedName {
  readonly country?: string;
  readonly organization?: string;
  readonly commonName: string;
}

export interface CertificateSpec {
  /** Big-endian; at most 20 bytes (RFC 5280 §4.1.2.2). */
  readonly serialNumber: Uint8Array;
  readonly subject: DistinguishedName;
  readonly subjectKey: KeyObject;
  readonly issuer: DistinguishedName;
  /** The issuer's Ed25519 private key; the subject's own for a self-signed root. */
  readonly issuerKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA certificate (basicConstraints cA, keyCertSign) with this path length limit, or a server leaf when absent. */
  readonly ca?: { readonly pathLength?: number };
  /** dNSName entries of subjectAltName; leaves only. */
  readonly dnsNames?: readonly string[];
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 private key from a 32-byte seed (RFC 8032 §5.1.5), so keys can be remade from the same seed. */
export function ed25519KeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError('ed25519: seed must be 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

function name(dn: DistinguishedName): Uint8Array {
  const rdn = (oid: string, value: Uint8Array) => der.set(der.sequence(der.objectIdentifier(oid), value));
  const parts: Uint8Array[] = [];
  if (dn.country) parts.push(rdn(OID.countryName, der.printableString(dn.country)));
  if (dn.organization) parts.push(rdn(OID.organizationName, der.utf8String(dn.organization)));
  parts.push(rdn(OID.commonName, der.utf8String(dn.commonName)));
  return der.sequence(...parts);
}

function spki(key: KeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. An Ed25519 SPKI ends in its 32 key bytes. */
export function keyIdentifier(key: KeyObject): Uint8Array {
  const info = spki(key);
  return new Uint8Array(createHash('sha1').update(info.subarray(info.length - 32)).digest());
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? der.sequence(der.objectIdentifier(oid), der.boolean(true), der.octetString(value)) : der.sequence(der.objectIdentifier(oid), der.octetString(value));
}

function extensions(spec: CertificateSpec): Uint8Array {
  const list: Uint8Array[] = [];
  if (spec.ca) {
    const pathLength = spec.ca.pathLength === undefined ? [] : [der.smallInteger(spec.ca.pathLength)];
    list.push(extension(OID.basicConstraints, true, der.sequence(der.boolean(true), ...pathLength)));
    // digitalSignature, keyCertSign, cRLSign: bits 0, 5 and 6, so the last bit (7) is unused.
    list.push(extension(OID.keyUsage, true, der.bitString(Uint8Array.of(0x86), 1)));
  } else {
    list.push(extension(OID.basicConstraints, true, der.sequence()));
    // digitalSignature alone: bit 0, seven unused bits.
    list.push(extension(OID.keyUsage, true, der.bitString(Uint8Array.of(0x80), 7)));
    list.push(extension(OID.extKeyUsage, false, der.sequence(der.objectIdentifier(OID.serverAuth))));
  }
  if (spec.dnsNames?.length) {
    list.push(extension(OID.subjectAltName, false, der.sequence(...spec.dnsNames.map((n) => der.implicitPrimitive(2, Buffer.from(n, 'ascii'))))));
  }
  list.push(extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(spec.subjectKey))));
  list.push(extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, keyIdentifier(spec.issuerKey)))));
  return der.explicit(3, der.sequence(...list));
}

/** The certificate's DER bytes. */
export function makeCertificate(spec: CertificateSpec): Uint8Array {
  const algorithm = der.sequence(der.objectIdentifier(OID.ed25519));
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    der.unsignedInteger(spec.serialNumber),
    algorithm,
    name(spec.issuer),
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    name(spec.subject),
    spki(spec.subjectKey),
    extensions(spec),
  );
  const signature = sign(null, tbs, spec.issuerKey);
  return der.sequence(tbs, algorithm, der.bitString(new Uint8Array(signature)));
}

export function toPem(label: 'CERTIFICATE' | 'PRIVATE KEY', derBytes: Uint8Array): string {
  const b64 = Buffer.from(derBytes).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
