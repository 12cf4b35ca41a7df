/**
 * The API server's and load balancer's decisions, asked directly: SigV4
 * checks with AWS's JSON error shapes, operations, the inventory's filter,
 * the listener rules; and the CLI's arguments.
 */
import { describe, expect, it } from 'vitest';
import type { HttpField, HttpRequest } from '../../codecs/http.js';
import { bytesText, headerValue, textBytes } from '../../src/apps/http-messages.js';
import { parseRunArguments } from '../../src/cli/run.js';
import { Ec2InputError, seedInventory } from '../../src/cloud/ec2-inventory.js';
import { signRequest } from '../../src/cloud/sigv4.js';
import { buildDescribeInstances, EMULATED_CREDENTIALS } from '../../src/scenarios/describe-instances.js';
import { ENDPOINT } from '../../src/scenarios/describe-instances-topology.js';

const { network, api, alb } = buildDescribeInstances({ seed: 5 });
const now = network.sim.date();

function request(target: string | undefined, body = '{}', credentials = EMULATED_CREDENTIALS, date = now): HttpRequest {
  const bytes = textBytes(body);
  const headers: HttpField[] = [['Host', ENDPOINT], ['Content-Type', 'application/x-amz-json-1.1'], ['Content-Length', String(bytes.length)]];
  if (target !== undefined) headers.push(['X-Amz-Target', target]);
  const unsigned: HttpRequest = { method: 'POST', target: '/', version: 'HTTP/1.1', headers, body: bytes };
  return signRequest(unsigned, { ...credentials, region: 'us-east-1', service: 'ec2', date }).request;
}

function answer(r: HttpRequest) {
  const response = api.handle(r, '10.0.1.5:40000');
  return { status: response.status, json: JSON.parse(bytesText(response.body)) as Record<string, unknown>, headers: response.headers };
}

describe('the API server', () => {
  it('answers DescribeInstances with the inventory, a request id and the JSON content type', () => {
    const a = answer(request('AmazonEC2.DescribeInstances'));
    expect(a.status).toBe(200);
    expect(headerValue(a.headers, 'content-type')).toBe('application/x-amz-json-1.1');
    expect(headerValue(a.headers, 'x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(headerValue(a.headers, 'content-length'))).toBe(JSON.stringify(a.json).length);
    expect((a.json.Reservations as unknown[]).length).toBe(1);
  });

  it('filters by InstanceIds, and says InvalidInstanceID.NotFound for an id it lacks', () => {
    expect(answer(request('AmazonEC2.DescribeInstances', '{"InstanceIds":["i-1234567890abcdef0"]}')).status).toBe(200);
    const missing = answer(request('AmazonEC2.DescribeInstances', '{"InstanceIds":["i-00000000000000000"]}'));
    expect(missing).toMatchObject({ status: 400, json: { __type: 'InvalidInstanceID.NotFound' } });
  });

  it('refuses a body changed after signing with 403 SignatureDoesNotMatch', () => {
    const signed = request('AmazonEC2.DescribeInstances');
    const changed = { ...signed, body: textBytes('{ }'), headers: signed.headers.map(([n, v]): HttpField => (n === 'Content-Length' ? [n, '3'] : [n, v])) };
    expect(answer(changed)).toMatchObject({ status: 403, json: { __type: 'SignatureDoesNotMatch' } });
  });

  it('maps the other signature failures to the JSON protocol’s errors', () => {
    const unsigned = request('AmazonEC2.DescribeInstances');
    const noAuth = { ...unsigned, headers: unsigned.headers.filter(([n]) => n !== 'Authorization') };
    expect(answer(noAuth)).toMatchObject({ status: 403, json: { __type: 'MissingAuthenticationTokenException' } });
    const stale = request('AmazonEC2.DescribeInstances', '{}', EMULATED_CREDENTIALS, new Date(now.getTime() - 3_600_000));
    expect(answer(stale)).toMatchObject({ status: 403, json: { __type: 'InvalidSignatureException', message: 'Request has expired.' } });
    const stranger = request('AmazonEC2.DescribeInstances', '{}', { accessKeyId: 'AKIAEXAMPLESTRANGER0', secretAccessKey: 'x' });
    expect(answer(stranger)).toMatchObject({ status: 403, json: { __type: 'UnrecognizedClientException' } });
  });

  it('says UnknownOperationException for another operation or none, and SerializationException for a body that is not JSON', () => {
    expect(answer(request('AmazonEC2.TerminateInstances'))).toMatchObject({ status: 400, json: { __type: 'UnknownOperationException' } });
    expect(answer(request(undefined))).toMatchObject({ status: 400, json: { __type: 'UnknownOperationException', message: 'Missing X-Amz-Target header.' } });
    expect(answer(request('AmazonEC2.DescribeInstances', '{'))).toMatchObject({ status: 400, json: { __type: 'SerializationException' } });
  });
});

describe('the inventory', () => {
  it('launched the seed instance before the virtual clock, and counts it', () => {
    const inventory = seedInventory(now, 3);
    expect(inventory.instanceCount).toBe(1);
    const instance = inventory.describeInstances().Reservations[0].Instances[0];
    expect(instance.LaunchTime).toBe(Math.floor(now.getTime() / 1000) - 3 * 86400);
    expect(() => inventory.describeInstances({ InstanceIds: ['i-1'] })).toThrow(Ec2InputError);
  });
});

describe('the load balancer’s rules', () => {
  const req = (host: string, target?: string): HttpRequest => ({ method: 'POST', target: '/', version: 'HTTP/1.1', headers: [['Host', host], ...(target ? [['X-Amz-Target', target] as const] : [])] });

  it('match on Host and the X-Amz-Target prefix', () => {
    expect(alb.match(req(ENDPOINT, 'AmazonEC2.DescribeInstances'))?.backend.address).toBe('10.0.1.10');
    expect(alb.match(req('EC2.US-EAST-1.AMAZONAWS.COM:443', 'AmazonEC2.DescribeVpcs'))?.name).toBe('ec2-api-json');
    expect(alb.match(req(ENDPOINT, 'DynamoDB_20120810.ListTables'))).toBeUndefined();
    expect(alb.match(req('s3.amazonaws.com', 'AmazonEC2.DescribeInstances'))).toBeUndefined();
  });
});

describe('wirepath run arguments', () => {
  it('default the capture to the scenario’s name and read every option', () => {
    expect(parseRunArguments(['describe-instances'])).toEqual({ scenario: 'describe-instances', seed: 1, pcap: 'describe-instances.pcapng', keylog: undefined, json: false, quiet: false, captureAll: false });
    expect(parseRunArguments(['describe-instances', '--seed', '7', '--pcap', 'x.pcapng', '--keylog', 'k.txt', '--json', '--quiet', '--capture-all'])).toEqual({
      scenario: 'describe-instances',
      seed: 7,
      pcap: 'x.pcapng',
      keylog: 'k.txt',
      json: true,
      quiet: true,
      captureAll: true,
    });
  });

  it('name what is wrong', () => {
    expect(parseRunArguments([])).toMatch(/needs a scenario/);
    expect(parseRunArguments(['nope'])).toMatch(/no scenario named nope/);
    expect(parseRunArguments(['describe-instances', '--seed', 'x'])).toMatch(/--seed/);
    expect(parseRunArguments(['describe-instances', '--pcap'])).toMatch(/--pcap takes a file/);
    expect(parseRunArguments(['describe-instances', '--fast'])).toMatch(/unknown option --fast/);
  });
});
