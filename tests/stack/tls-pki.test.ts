/**
 * The emulated PKI: the DER writer's encodings, certificates that
 * node:crypto and OpenSSL both accept with the fields they were made with,
 * fixtures that are exactly what the make script writes, and the chain
 * checks the client runs on them.
 */
import { X509Certificate } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as der from '../../src/stack/pki/der.js';
import { keyIdentifier, makeCertificate, toPem } from '../../src/stack/pki/certificate-maker.js';
import { INTERMEDIATE_NAME, ROOT_NAME, keyFor, makeEmulatedPki, serialFor } from '../../src/stack/pki/emulated-pki.js';
import { emulatedPkiDirectory, loadEmulatedPki, writePkiFiles } from '../../src/stack/pki/pki-files.js';
import { TlsAlert } from '../../src/stack/tls/alerts.js';
import { verifyServerChain } from '../../src/stack/tls/certificates.js';
import { fixturePath, toHex } from '../helpers/fixtures.js';
import { START, pki, trustedRoots } from './helpers/tls-pipe.js';

const dir = mkdtempSync(join(tmpdir(), 'pki-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const haveOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

describe('DER', () => {
  it('writes short and long lengths', () => {
    expect(toHex(der.octetString(new Uint8Array(5)))).toBe('04050000000000');
    expect(toHex(der.octetString(new Uint8Array(200)).subarray(0, 3))).toBe('0481c8');
    expect(toHex(der.octetString(new Uint8Array(300)).subarray(0, 4))).toBe('0482012c');
  });

  it('writes object identifiers, integers, booleans and bit strings', () => {
    expect(toHex(der.objectIdentifier('1.3.101.112'))).toBe('06032b6570');
    expect(toHex(der.objectIdentifier('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(toHex(der.objectIdentifier('2.5.29.19'))).toBe('0603551d13');
    expect(toHex(der.smallInteger(2))).toBe('020102');
    expect(toHex(der.unsignedInteger(Uint8Array.of(0x80, 1)))).toBe('0203008001');
    expect(toHex(der.unsignedInteger(Uint8Array.of(0, 0, 5)))).toBe('020105');
    expect(toHex(der.boolean(true))).toBe('0101ff');
    expect(toHex(der.bitString(Uint8Array.of(0x86), 1))).toBe('03020186');
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050', () => {
    expect(Buffer.from(der.time(new Date('2026-03-02T09:30:05Z'))).toString('latin1')).toBe('\x17\x0d260302093005Z');
    expect(Buffer.from(der.time(new Date('2049-12-31T23:59:59Z'))).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(Buffer.from(der.time(new Date('2050-01-01T00:00:00Z'))).toString('latin1')).toBe('\x18\x0f20500101000000Z');
  });
});

describe('certificates made here', () => {
  it('read back through X509Certificate with the fields they were made with', () => {
    const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){1,3}$/);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.array(host, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 60 }), fc.boolean(), (serial, names, years, ca) => {
        const notBefore = new Date(Date.UTC(2020 + years, 0, 1));
        const notAfter = new Date(Date.UTC(2021 + years, 5, 30, 12, 0, 0));
        const issuerKey = keyFor('root');
        const subjectKey = keyFor(names[0]);
        const cert = new X509Certificate(
          makeCertificate({ serialNumber: serial, subject: { commonName: names[0], organization: 'Amazon' }, subjectKey, issuer: ROOT_NAME, issuerKey, notBefore, notAfter, ca: ca ? { pathLength: 0 } : undefined, dnsNames: ca ? undefined : names }),
        );
        expect(cert.subject).toBe(`O=Amazon\nCN=${names[0]}`);
        expect(cert.issuer).toBe('C=US\nO=Amazon\nCN=Emulated Amazon Root CA 1');
        expect(new Date(cert.validFrom).getTime()).toBe(notBefore.getTime());
        expect(new Date(cert.validTo).getTime()).toBe(notAfter.getTime());
        expect(cert.ca).toBe(ca);
        expect(BigInt(`0x${cert.serialNumber}`)).toBe(BigInt(`0x${toHex(serial)}`));
        expect(cert.verify(pki.root.publicKey)).toBe(true);
        if (!ca) {
          expect(cert.subjectAltName).toBe(names.map((n) => `DNS:${n}`).join(', '));
          for (const n of names) expect(cert.checkHost(n)).toBe(n);
          expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
        }
      }),
      { numRuns: 60 },
    );
  });

  it.skipIf(!haveOpenssl)('carry key identifiers that link each certificate to its issuer, as openssl reads them', () => {
    const ids = (derBytes: Uint8Array) => {
      const text = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectKeyIdentifier,authorityKeyIdentifier'], { input: toPem('CERTIFICATE', derBytes), encoding: 'utf8' });
      return [...text.matchAll(/([0-9A-F]{2}(?::[0-9A-F]{2}){19})/g)].map((m) => m[1]);
    };
    const colons = (b: Uint8Array) => toHex(b).toUpperCase().match(/../g)!.join(':');
    expect(ids(pki.amazonaws.certificateChain[0])).toEqual([colons(keyIdentifier(keyFor('amazonaws'))), colons(keyIdentifier(keyFor('intermediate')))]);
    expect(ids(pki.amazonaws.certificateChain[1])).toEqual([colons(keyIdentifier(keyFor('intermediate'))), colons(keyIdentifier(keyFor('root')))]);
  });
});

describe('the emulated PKI fixtures', () => {
  it('are exactly what the make script writes', () => {
    writePkiFiles(dir, makeEmulatedPki());
    const made = readdirSync(dir).sort();
    expect(made).toEqual(readdirSync(fixturePath('pki')).filter((f) => f.endsWith('.pem')).sort());
    for (const f of made) expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(fixturePath(`pki/${f}`), 'utf8'));
  });

  it('form a chain: root, intermediate, two leaves with the names and dates the README gives', () => {
    const [leaf, intermediate] = pki.amazonaws.certificateChain.map((d) => new X509Certificate(d));
    expect(pki.root.subject).toBe('C=US\nO=Amazon\nCN=Emulated Amazon Root CA 1');
    expect(pki.root.ca).toBe(true);
    expect(pki.root.checkIssued(pki.root)).toBe(true);
    expect(intermediate.subject).toBe(`C=US\nO=Amazon\nCN=${INTERMEDIATE_NAME.commonName}`);
    expect(intermediate.ca && intermediate.checkIssued(pki.root) && intermediate.verify(pki.root.publicKey)).toBe(true);
    expect(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:*.amazonaws.com, DNS:ec2.us-east-1.amazonaws.com');
    expect(leaf.publicKey.asymmetricKeyType).toBe('ed25519');
    expect([leaf.validFrom, leaf.validTo]).toEqual(['Jan  1 00:00:00 2026 GMT', 'Dec 31 23:59:59 2026 GMT']);
    const internal = new X509Certificate(pki.internal.certificateChain[0]);
    expect(internal.checkHost('ec2-api.internal.us-east-1')).toBe('ec2-api.internal.us-east-1');
    expect(internal.checkIssued(intermediate)).toBe(true);
  });

  it.skipIf(!haveOpenssl)('pass openssl verify at the emulator start date, and fail it a year on', () => {
    const at = String(START.getTime() / 1000);
    const args = (time: string) => ['verify', '-CAfile', fixturePath('pki/root.pem'), '-untrusted', fixturePath('pki/intermediate.pem'), '-attime', time, fixturePath('pki/amazonaws.pem'), fixturePath('pki/internal.pem')];
    expect(execFileSync('openssl', args(at), { encoding: 'utf8' })).toMatch(/amazonaws\.pem: OK\n.*internal\.pem: OK/s);
    expect(spawnSync('openssl', args(String(START.getTime() / 1000 + 366 * 86400))).status).not.toBe(0);
  });
});

describe('the client chain check', () => {
  const policy = { serverName: 'ec2.us-east-1.amazonaws.com', trustedRoots, now: START };
  const alertOf = (chain: readonly Uint8Array[], p = policy): string => {
    try {
      verifyServerChain(chain, p);
      return 'accepted';
    } catch (e) {
      return (e as TlsAlert).description;
    }
  };

  it('accepts the fixture chain and reports each step', () => {
    const result = verifyServerChain(pki.amazonaws.certificateChain, policy);
    expect(result.checks.map((c) => [c.step.split(' ')[0], c.ok])).toEqual([
      ['valid', true],
      ['valid', true],
      ['signed', true],
      ['issuer', true],
      ['chain', true],
      ['valid', true],
      ['names', true],
    ]);
    expect(result.anchor.subject).toBe(pki.root.subject);
  });

  it('rejects each broken chain with its alert', () => {
    const [leaf, intermediate] = pki.amazonaws.certificateChain;
    expect(alertOf([intermediate, leaf])).toBe('bad_certificate');
    expect(alertOf([leaf])).toBe('unknown_ca');
    expect(alertOf([])).toBe('decode_error');
    expect(alertOf([Uint8Array.of(0x30, 0x03, 1, 2, 3), intermediate])).toBe('bad_certificate');
    expect(alertOf(pki.amazonaws.certificateChain, { ...policy, now: new Date('2025-12-01T00:00:00Z') })).toBe('bad_certificate');
    expect(alertOf(pki.amazonaws.certificateChain, { ...policy, now: new Date('2027-01-01T00:00:00Z') })).toBe('certificate_expired');
    expect(alertOf(pki.amazonaws.certificateChain, { ...policy, trustedRoots: [] })).toBe('unknown_ca');
    // A leaf used as an issuer: the signature links, but the issuer is no CA.
    const underLeaf = makeCertificate({ serialNumber: serialFor('under-leaf'), subject: { commonName: 'ec2.us-east-1.amazonaws.com' }, subjectKey: keyFor('under-leaf'), issuer: { commonName: '*.amazonaws.com' }, issuerKey: keyFor('amazonaws'), notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-06-01T00:00:00Z'), dnsNames: ['ec2.us-east-1.amazonaws.com'] });
    expect(alertOf([underLeaf, leaf, intermediate])).toBe('bad_certificate');
  });
});

describe('loading the emulated PKI', () => {
  it('finds fixtures/pki from the module and loads the same identities', () => {
    expect(emulatedPkiDirectory()).toBe(fixturePath('pki').replace(/\/$/, ''));
    const loaded = loadEmulatedPki();
    expect(loaded.root.fingerprint256).toBe(pki.root.fingerprint256);
    expect(loaded.internal.certificateChain.map((c) => toHex(c))).toEqual(pki.internal.certificateChain.map((c) => toHex(c)));
    expect(loaded.amazonaws.privateKey.asymmetricKeyType).toBe('ed25519');
  });
});
