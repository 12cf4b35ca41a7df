/**
 * The whole describe_instances journey on the emulator, judged by its
 * result and by tshark reading the capture with no key log but the one the
 * capture carries.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINT, ENDPOINT_ADDRESS, LAPTOP_ADDRESS, PUBLIC_ADDRESS } from '../../src/scenarios/describe-instances-topology.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { type CapturedRun, captureDir, capturedRun } from './journey-files.js';

let run: CapturedRun;
beforeAll(() => {
  run = capturedRun('seed-1', { seed: 1 });
});
afterAll(() => rmSync(captureDir, { recursive: true, force: true }));

describe('the journey', () => {
  it('prints what the seed script prints, counted from the parsed JSON', () => {
    expect(run.output).toEqual(['Found 1 instances']);
    expect(run.result.ok).toBe(true);
    if (!run.result.ok) return;
    const body = run.result.body as { Reservations: Array<{ Instances: Array<Record<string, unknown>> }> };
    const instance = body.Reservations[0].Instances[0];
    expect(instance).toMatchObject({ InstanceId: 'i-1234567890abcdef0', InstanceType: 't3.micro', State: { Name: 'running' }, PrivateIpAddress: '10.0.1.50' });
    expect(run.result.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('takes the seed’s order of time and crosses every router each way', () => {
    const s = run.summary;
    expect(s.virtualTimeNs).toBeGreaterThan(100e6);
    expect(s.virtualTimeNs).toBeLessThan(250e6);
    const path = ['home-router', 'isp-router-1', 'isp-router-2', 'backbone-router-1', 'backbone-router-2', 'aws-edge-router', 'aws-region-router'];
    expect(s.hopsOut).toEqual(path);
    expect(s.hopsBack).toEqual([...path].reverse());
    expect(s.packets).toBeGreaterThan(40);
    expect(s.frames).toBeGreaterThan(s.packets);
  });

  it('logs each step of the load balancer and the API server', () => {
    const log = run.network.sim.log;
    expect(log.ofKind('lb-tls-terminated')[0]).toMatchObject({ node: 'alb', client: PUBLIC_ADDRESS, serverName: ENDPOINT });
    expect(log.ofKind('lb-route')[0]).toMatchObject({ rule: 'ec2-api-json', host: ENDPOINT, amzTarget: 'AmazonEC2.DescribeInstances', backend: '10.0.1.10:443' });
    expect(log.ofKind('lb-headers-added')[0].headers).toContain(`X-Forwarded-For: ${PUBLIC_ADDRESS}`);
    expect(log.ofKind('sigv4-verify')[0]).toMatchObject({ node: 'ec2-api-server', ok: true });
    expect(log.ofKind('http-request').find((e) => e.node === 'ec2-api-server')).toMatchObject({ forwardedFor: PUBLIC_ADDRESS });
    expect(log.ofKind('api-operation')[0]).toMatchObject({ operation: 'DescribeInstances', reservations: 1, instances: 1 });
    const verified = log.ofKind('tls').filter((e) => e.step === 'certificate-verified').map((e) => e.node);
    expect(verified).toEqual(['laptop', 'alb']);
  });

  it('gives the same capture for the same seed, and other ports and randoms for another', () => {
    const again = capturedRun('seed-1-again', { seed: 1 });
    expect(Buffer.compare(again.bytes, run.bytes)).toBe(0);
    const other = capturedRun('seed-2', { seed: 2 });
    expect(Buffer.compare(other.bytes, run.bytes)).not.toBe(0);
    const port = (r: CapturedRun) => r.network.sim.log.ofKind('app-connected')[0].local;
    expect(port(other)).not.toBe(port(run));
    const randoms = (r: CapturedRun) => r.network.sim.log.ofKind('tls').filter((e) => e.step === 'handshake-sent' && e.type === 'client_hello');
    expect(randoms(run).length).toBe(2);
    expect(JSON.stringify(randoms(other))).not.toBe(JSON.stringify(randoms(run)));
  });
});

describe.skipIf(skipWithoutTshark)('the capture, read by tshark', () => {
  it('is clean with no key log given', () => {
    const verdict = pcapVerdict(run.file);
    expect(verdict.problems).toEqual([]);
    expect(verdict.fileType).toBe('pcapng');
  });

  it('shows the ARP request and reply for the gateway, and the DNS query and answer', () => {
    const arp = tsharkFields(run.file, ['arp.opcode', 'arp.dst.proto_ipv4'], ['-Y', 'arp && frame.interface_name == "laptop:eth0"']);
    expect(arp).toContainEqual(['1', '192.168.1.1']);
    expect(arp).toContainEqual(['2', LAPTOP_ADDRESS]);
    const dns = tsharkFields(run.file, ['dns.flags.response', 'dns.qry.name', 'dns.a'], ['-Y', 'dns && frame.interface_name == "laptop:eth0"']);
    expect(dns).toEqual([
      ['0', ENDPOINT, ''],
      ['1', ENDPOINT, ENDPOINT_ADDRESS],
    ]);
  });

  it('shows the handshake, the TLS messages decrypted from the DSB, the POST and the 200 with its JSON', () => {
    const at = ['-Y', 'frame.interface_name == "laptop:eth0" && tcp'];
    const rows = tsharkFields(run.file, ['tcp.flags.syn', 'tcp.flags.ack', 'tls.handshake.type', 'http.request.method', 'http.request.line', 'http.response.line', 'http.response.code', 'http.file_data'], at);
    const flags = rows.slice(0, 3).map((r) => [r[0], r[1]]);
    expect(flags).toEqual([
      ['1', '0'],
      ['1', '1'],
      ['0', '1'],
    ]);
    const types = new Set(rows.flatMap((r) => r[2].split(',').filter(Boolean).map(Number)));
    for (const t of [1, 2, 8, 11, 15, 20]) expect(types).toContain(t);
    const post = rows.find((r) => r[3] === 'POST')!;
    expect(post[4]).toContain('X-Amz-Target: AmazonEC2.DescribeInstances');
    expect(post[4]).toContain(`Host: ${ENDPOINT}`);
    expect(post[4]).toContain('Content-Length: 2');
    expect(post[4]).toMatch(/Authorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\w*\/\d{8}\/us-east-1\/ec2\/aws4_request/);
    const ok = rows.find((r) => r[6] === '200')!;
    expect(ok[5]).toContain('Content-Type: application/x-amz-json-1.1');
    const json = JSON.parse(ok[7]) as { Reservations: Array<{ Instances: Array<{ InstanceId: string }> }> };
    expect(json.Reservations.length).toBe(1);
    expect(json.Reservations[0].Instances[0].InstanceId).toBe('i-1234567890abcdef0');
    const inside = tsharkFields(run.file, ['http.request.line'], ['-Y', 'frame.interface_name == "alb:eth1" && http.request']);
    expect(inside.map((r) => r[0]).join()).toContain(`X-Forwarded-For: ${PUBLIC_ADDRESS}`);
  });

  it('shows the NAT: one packet id, 192.168.1.100 on the LAN and 203.0.113.50 past the home router', () => {
    const syns = tsharkFields(run.file, ['frame.packet_id', 'frame.interface_name', 'ip.src', 'ip.ttl'], ['-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 443 && ip.dst == 52.94.133.131']);
    expect(syns.length).toBe(2);
    expect(syns[0][0]).toBe(syns[1][0]);
    expect(syns.map((r) => [r[1], r[2], r[3]])).toEqual([
      ['laptop:eth0', LAPTOP_ADDRESS, '64'],
      ['home-router:wan0', PUBLIC_ADDRESS, '63'],
    ]);
  });

  it('shows the DNS query losing one TTL per router between the laptop and the server', () => {
    const queries = tsharkFields(run.file, ['frame.packet_id', 'frame.interface_name', 'ip.ttl'], ['-Y', 'dns.flags.response == 0']);
    expect(queries.map((r) => r[1])).toEqual(['laptop:eth0', 'dns-server:eth0']);
    expect(queries[0][0]).toBe(queries[1][0]);
    const routers = run.network.sim.log.ofKind('route').filter((e) => String(e.packetId) === queries[0][0]).map((e) => e.node);
    expect(routers).toEqual(['home-router', 'isp-router-1', 'isp-router-2', 'backbone-router-1', 'google-edge-router']);
    expect(Number(queries[0][2]) - Number(queries[1][2])).toBe(routers.length);
  });
});

describe.skipIf(skipWithoutTshark)('--capture-all', () => {
  it('records the DNS query at every hop, TTL one lower after each router', () => {
    const all = capturedRun('all', { seed: 1, captureAll: true });
    const rows = tsharkFields(all.file, ['frame.interface_name', 'ip.ttl', 'ip.src'], ['-Y', 'dns.flags.response == 0 && frame.p2p_dir == 0']);
    const sent = rows.filter((r) => !r[0].startsWith('home-switch'));
    expect(sent.map((r) => r[0])).toEqual(['laptop:eth0', 'home-router:wan0', 'isp-router-1:eth1', 'isp-router-2:eth1', 'backbone-router-1:eth2', 'google-edge-router:eth1']);
    expect(sent.map((r) => Number(r[1]))).toEqual([64, 63, 62, 61, 60, 59]);
    expect(sent.map((r) => r[2])).toEqual([LAPTOP_ADDRESS, ...Array(5).fill(PUBLIC_ADDRESS)]);
    expect(all.output).toEqual(run.output);
  });
});
