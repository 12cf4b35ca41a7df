import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HttpField } from '../../codecs/http.js';
import { type SignableRequest, amzDate, signRequest, signingKey, verifyRequest } from '../../src/cloud/sigv4.js';
import { fixturePath } from '../helpers/fixtures.js';

interface SuiteCase {
  readonly name: string;
  readonly method: string;
  readonly target: string;
  readonly headers: HttpField[];
  readonly body?: string;
  readonly canonicalRequest?: string;
  readonly stringToSign?: string;
  readonly authorization: string;
}

interface Suite {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly service: string;
  readonly date: string;
  readonly cases: SuiteCase[];
}

function loadSuite(name: string): Suite {
  return JSON.parse(readFileSync(fixturePath(`sigv4/${name}`), 'utf8')) as Suite;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function requestOf(c: SuiteCase): SignableRequest {
  return { method: c.method, target: c.target, headers: c.headers, ...(c.body !== undefined && { body: utf8(c.body) }) };
}

for (const file of ['suite-2015.json', 'suite-2011.json']) {
  const suite = loadSuite(file);
  // The 2011 suite signs the Date header; the 2015 one, X-Amz-Date.
  const params = { ...suite, date: new Date(suite.date), dateHeader: file === 'suite-2011.json' ? ('date' as const) : undefined };
  describe(`AWS SigV4 test suite (${file})`, () => {
    it.each(suite.cases.map((c) => [c.name, c] as const))('%s signs exactly as published', (_name, c) => {
      const signed = signRequest(requestOf(c), params);
      if (c.canonicalRequest !== undefined) expect(signed.canonicalRequest).toBe(c.canonicalRequest);
      if (c.stringToSign !== undefined) expect(signed.stringToSign).toBe(c.stringToSign);
      expect(signed.authorization).toBe(c.authorization);
    });

    it.each(suite.cases.map((c) => [c.name, c] as const))('%s, with the published Authorization, verifies', (_name, c) => {
      const published = { ...requestOf(c), headers: [...c.headers, ['Authorization', c.authorization] as const] };
      const result = verifyRequest(published, (id) => (id === suite.accessKeyId ? suite.secretAccessKey : undefined), { now: params.date });
      expect(result).toEqual({ ok: true, accessKeyId: suite.accessKeyId });
    });
  });
}

describe('signing key and dates', () => {
  it('derives the signing key of AWS’s documented IAM example', () => {
    // AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
    expect(signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam').toString('hex')).toBe(
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
    );
  });

  it('writes X-Amz-Date in the basic ISO 8601 form', () => {
    expect(amzDate(new Date('2015-08-30T12:36:00.999Z'))).toBe('20150830T123600Z');
  });
});

describe('the seed’s DescribeInstances call', () => {
  const secrets: Record<string, string> = { AKIAIOSFODNN7EXAMPLE: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const lookup = (id: string) => secrets[id];
  const date = new Date('2026-03-01T10:00:00Z');
  const base: SignableRequest = {
    method: 'POST',
    target: '/',
    headers: [
      ['Host', 'ec2.us-east-1.amazonaws.com'],
      ['Content-Type', 'application/x-amz-json-1.1'],
      ['X-Amz-Target', 'AmazonEC2.DescribeInstances'],
      ['Content-Length', '2'],
    ],
    body: utf8('{}'),
  };
  const params = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secrets.AKIAIOSFODNN7EXAMPLE, region: 'us-east-1', service: 'ec2', date };
  const signed = signRequest(base, params);
  const now = new Date(date.getTime() + 2000);

  function withHeader(req: SignableRequest, name: string, value: string): SignableRequest {
    return { ...req, headers: req.headers.map(([n, v]) => [n, n.toLowerCase() === name.toLowerCase() ? value : v] as const) };
  }

  it('adds X-Amz-Date and Authorization, signing what boto3 signs', () => {
    expect(signed.added.map(([n]) => n)).toEqual(['X-Amz-Date', 'Authorization']);
    expect(signed.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20260301\/us-east-1\/ec2\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(verifyRequest(signed.request, lookup, { now })).toEqual({ ok: true, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
  });

  it('signs and sends a session token', () => {
    const s = signRequest(base, { ...params, sessionToken: 'FQoGZXIvYXdzEXAMPLE' });
    expect(s.added.map(([n]) => n)).toEqual(['X-Amz-Date', 'X-Amz-Security-Token', 'Authorization']);
    expect(s.authorization).toContain('SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,');
    expect(verifyRequest(s.request, lookup, { now }).ok).toBe(true);
    expect(verifyRequest(withHeader(s.request, 'X-Amz-Security-Token', 'other'), lookup, { now })).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('a tampered body does not match', () => {
    const r = verifyRequest({ ...signed.request, body: utf8('{"MaxResults":5}') }, lookup, { now });
    expect(r).toEqual({ ok: false, code: 'SignatureDoesNotMatch', message: expect.stringContaining('does not match the signature you provided') });
  });

  it('a tampered signed header does not match', () => {
    const r = verifyRequest(withHeader(signed.request, 'X-Amz-Target', 'AmazonEC2.TerminateInstances'), lookup, { now });
    expect(r).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('a removed signed header does not match', () => {
    const r = verifyRequest({ ...signed.request, headers: signed.request.headers.filter(([n]) => n !== 'X-Amz-Target') }, lookup, { now });
    expect(r).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('an unsigned header may change', () => {
    expect(verifyRequest({ ...signed.request, headers: [...signed.request.headers, ['User-Agent', 'curl/8']] }, lookup, { now }).ok).toBe(true);
  });

  it('a wrong secret does not match', () => {
    const r = verifyRequest(signed.request, () => 'not-the-secret', { now });
    expect(r).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('an unknown key id is InvalidClientTokenId', () => {
    const s = signRequest(base, { ...params, accessKeyId: 'AKIDUNKNOWN' });
    expect(verifyRequest(s.request, lookup, { now })).toEqual({
      ok: false,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('a stale date is RequestExpired, and the allowed skew is honoured', () => {
    const late = new Date(date.getTime() + 16 * 60 * 1000);
    expect(verifyRequest(signed.request, lookup, { now: late })).toEqual({ ok: false, code: 'RequestExpired', message: 'Request has expired.' });
    expect(verifyRequest(signed.request, lookup, { now: late, maxSkewMs: 20 * 60 * 1000 }).ok).toBe(true);
    const early = new Date(date.getTime() - 16 * 60 * 1000);
    expect(verifyRequest(signed.request, lookup, { now: early })).toMatchObject({ code: 'RequestExpired' });
  });

  it('a request without Authorization is MissingAuthenticationToken', () => {
    expect(verifyRequest(base, lookup, { now })).toEqual({ ok: false, code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' });
  });

  it('an Authorization without its parts is IncompleteSignature', () => {
    const cut = signed.authorization.replace(/, Signature=.*$/, '');
    const r = verifyRequest(withHeader(signed.request, 'Authorization', cut), lookup, { now });
    expect(r).toMatchObject({ ok: false, code: 'IncompleteSignature' });
    expect((r as { message: string }).message).toContain("requires 'Signature' parameter");
    expect(verifyRequest(withHeader(signed.request, 'Authorization', 'Basic dXNlcjpwYXNz'), lookup, { now })).toMatchObject({ code: 'IncompleteSignature' });
  });

  it('a missing X-Amz-Date is IncompleteSignature', () => {
    const r = verifyRequest({ ...signed.request, headers: signed.request.headers.filter(([n]) => n !== 'X-Amz-Date') }, lookup, { now });
    expect(r).toMatchObject({ ok: false, code: 'IncompleteSignature' });
  });

  it('a signature of the wrong length does not match, without throwing', () => {
    const short = signed.authorization.slice(0, -1);
    expect(verifyRequest(withHeader(signed.request, 'Authorization', short), lookup, { now })).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});
