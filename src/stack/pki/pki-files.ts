/**
 * The emulated PKI on disk: `<name>.pem` for each certificate and
 * `<name>.key.pem` for its PKCS#8 private key. The emulator loads these;
 * `make.ts` writes them.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toPem } from './certificate-maker.js';
import type { EmulatedPki, IssuedCertificate } from './emulated-pki.js';

const FILES = ['root', 'intermediate', 'amazonaws', 'internal'] as const;

export function writePkiFiles(directory: string, pki: EmulatedPki): string[] {
  const written: string[] = [];
  for (const file of FILES) {
    const issued: IssuedCertificate = pki[file];
    const certPath = join(directory, `${file}.pem`);
    const keyPath = join(directory, `${file}.key.pem`);
    writeFileSync(certPath, toPem('CERTIFICATE', issued.der));
    writeFileSync(keyPath, toPem('PRIVATE KEY', new Uint8Array(issued.privateKey.export({ format: 'der', type: 'pkcs8' }))));
    written.push(certPath, keyPath);
  }
  return written;
}

export interface ServerIdentity {
  /** DER certificates, leaf first, then the intermediate: what a server sends. */
  readonly certificateChain: readonly Uint8Array[];
  readonly privateKey: KeyObject;
}

export interface LoadedPki {
  readonly root: X509Certificate;
  readonly amazonaws: ServerIdentity;
  readonly internal: ServerIdentity;
}

export function loadPkiFiles(directory: string): LoadedPki {
  const certificate = (file: string) => new X509Certificate(readFileSync(join(directory, `${file}.pem`)));
  const key = (file: string) => createPrivateKey(readFileSync(join(directory, `${file}.key.pem`)));
  const intermediate = new Uint8Array(certificate('intermediate').raw);
  const identity = (file: string): ServerIdentity => ({ certificateChain: [new Uint8Array(certificate(file).raw), intermediate], privateKey: key(file) });
  return { root: certificate('root'), amazonaws: identity('amazonaws'), internal: identity('internal') };
}

/**
 * The fixtures/pki directory of this package, found by walking up from this
 * module, which sits at a different depth when run from source and from
 * the built dist/.
 */
export function emulatedPkiDirectory(): string {
  let at = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(at, 'fixtures', 'pki');
    if (existsSync(join(candidate, 'root.pem'))) return candidate;
    const up = dirname(at);
    if (up === at) throw new Error('pki: no fixtures/pki directory above this module');
    at = up;
  }
}

/** The emulated PKI the package ships: the root to trust and the two server identities. */
export function loadEmulatedPki(): LoadedPki {
  return loadPkiFiles(emulatedPkiDirectory());
}
