/** The emulated PKI: a DER certificate maker, the CA hierarchy, and its files on disk. */
export { type CertificateSpec, type DistinguishedName, ed25519KeyFromSeed, keyIdentifier, makeCertificate, toPem } from './certificate-maker.js';
export { type EmulatedPki, type IssuedCertificate, INTERMEDIATE_NAME, INTERNAL_API_NAME, PUBLIC_API_NAMES, ROOT_NAME, keyFor, makeEmulatedPki, serialFor } from './emulated-pki.js';
export { type LoadedPki, type ServerIdentity, emulatedPkiDirectory, loadEmulatedPki, loadPkiFiles, writePkiFiles } from './pki-files.js';
