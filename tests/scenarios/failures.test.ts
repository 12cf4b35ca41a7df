/**
 * The journey's failure cases, each on the full network: a tampered
 * signature, an unknown access key, and a host name the certificate does
 * not cover. The first two come back as AWS JSON-protocol errors inside the
 * TLS tunnel; the last stops at the client's alert.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../codecs/http.js';
import { ENDPOINT_ADDRESS } from '../../src/scenarios/describe-instances-topology.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { captureDir, capturedRun } from './journey-files.js';

afterAll(() => rmSync(captureDir, { recursive: true, force: true }));

/** Flips the last hex digit of the signature, leaving the rest of the request as signed. */
function tamperSignature(request: HttpRequest): HttpRequest {
  return {
    ...request,
    headers: request.headers.map(([name, value]) => (name === 'Authorization' ? [name, value.slice(0, -1) + (value.endsWith('0') ? '1' : '0')] : [name, value])),
  };
}

function errorBody(file: string): { __type: string; message: string } {
  const rows = tsharkFields(file, ['http.response.code', 'http.file_data'], ['-Y', 'frame.interface_name == "laptop:eth0" && http.response']);
  expect(rows.length).toBe(1);
  expect(rows[0][0]).toBe('403');
  return JSON.parse(rows[0][1]) as { __type: string; message: string };
}

describe('a tampered signature', () => {
  const run = capturedRun('tampered', { afterSigning: tamperSignature });

  it('gets 403 SignatureDoesNotMatch, and the script prints boto3’s error', () => {
    expect(run.result).toMatchObject({ ok: false, stage: 'http', status: 403, errorType: 'SignatureDoesNotMatch' });
    expect(run.output).toEqual([expect.stringMatching(/^botocore\.exceptions\.ClientError: An error occurred \(SignatureDoesNotMatch\) when calling the DescribeInstances operation: The request signature we calculated does not match/)]);
    expect(run.network.sim.log.ofKind('api-operation')).toEqual([]);
  });

  it.skipIf(skipWithoutTshark)('shows the JSON error in the decrypted capture', () => {
    expect(pcapVerdict(run.file).problems).toEqual([]);
    expect(errorBody(run.file).__type).toBe('SignatureDoesNotMatch');
  });
});

describe('an unknown access key', () => {
  const run = capturedRun('unknown-key', { credentials: { accessKeyId: 'AKIAEXAMPLEUNKNOWN00', secretAccessKey: 'not-a-secret-the-server-knows' } });

  it('gets 403 UnrecognizedClientException', () => {
    expect(run.result).toMatchObject({ ok: false, status: 403, errorType: 'UnrecognizedClientException' });
    expect(run.network.sim.log.ofKind('sigv4-verify')[0]).toMatchObject({ ok: false, code: 'InvalidClientTokenId' });
  });

  it.skipIf(skipWithoutTshark)('shows the JSON error shape in the capture', () => {
    expect(errorBody(run.file)).toEqual({ __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
  });
});

describe('a host name the certificate does not cover', () => {
  const name = 'api.not-amazon.example';
  const run = capturedRun('wrong-host', { endpoint: name, extraZone: { [name]: [{ type: 'A', ttl: 60, data: ENDPOINT_ADDRESS }] } });

  it('fails at TLS: the client refuses the certificate and sends nothing over HTTP', () => {
    expect(run.result).toMatchObject({ ok: false, stage: 'tls' });
    expect(run.output[0]).toMatch(/^botocore\.exceptions\.SSLError: SSL validation failed for https:\/\/api\.not-amazon\.example\//);
    const alert = run.network.sim.log.ofKind('tls').find((e) => e.node === 'laptop' && e.step === 'alert-sent');
    expect(alert).toMatchObject({ level: 'fatal' });
    expect(run.network.sim.log.ofKind('lb-route')).toEqual([]);
  });

  it.skipIf(skipWithoutTshark)('shows the client’s alert in the capture, opened with the key log it carries', () => {
    const alerts = tsharkFields(run.file, ['ip.src', 'tls.alert_message.level', 'tls.alert_message.desc'], ['-Y', 'frame.interface_name == "laptop:eth0" && tls.alert_message']);
    const sent = run.network.sim.log.ofKind('tls').find((e) => e.node === 'laptop' && e.step === 'alert-sent')!;
    const codes: Record<string, string> = { bad_certificate: '42', certificate_unknown: '46', unknown_ca: '48', certificate_expired: '45' };
    expect(alerts[0]).toEqual(['192.168.1.100', '2', codes[String(sent.description)]]);
    const sni = tsharkFields(run.file, ['tls.handshake.extensions_server_name'], ['-Y', 'frame.interface_name == "laptop:eth0" && tls.handshake.type == 1']);
    expect(sni).toEqual([[name]]);
    expect(pcapVerdict(run.file).problems).toEqual([]);
  });
});
