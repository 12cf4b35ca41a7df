/**
 * A small journey for the narration tests: laptop — switch — NAT router —
 * two ISP routers — an API host and a DNS server. The laptop looks the name
 * up, connects, runs TLS 1.3 and sends an HTTP request; the API host answers.
 * The app records what a scenario records for the story: its HTTP messages,
 * its printed line and its TLS steps.
 */
import { type HttpRequest, type HttpResponse, decode as decodeHttp } from '../../codecs/http.js';
import { DnsServer } from '../../src/nodes/dns-server.js';
import { Host, type HostConfig } from '../../src/nodes/host.js';
import { addHome } from '../../src/nodes/sample-networks.js';
import { type HostFactory, Topology } from '../../src/nodes/topology.js';
import { type FrameRecorder, recordFrames } from '../../src/narrate/frames.js';
import { tlsEventLog } from '../../src/apps/tls-events.js';
import { type TableSnapshot, snapshotTables } from '../../src/narrate/tables.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { streamTransport } from '../../src/stack/tcp/stream-transport.js';
import { TcpStack } from '../../src/stack/tcp/tcp-stack.js';
import { tlsConnect } from '../../src/stack/tls/client.js';
import { tlsAccept } from '../../src/stack/tls/server.js';
import { pki, trustedRoots } from '../stack/helpers/tls-pipe.js';

const NAME = 'ec2.us-east-1.amazonaws.com';
const REQUEST = `POST / HTTP/1.1\r\nHost: ${NAME}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonEC2.DescribeInstances\r\nContent-Length: 2\r\n\r\n{}`;
const BODY = '{"Reservations":[{"Instances":[{"InstanceId":"i-1234567890abcdef0"}]}]}';
const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;

const hostFactory: HostFactory = (sim, spec) =>
  spec.name === 'dns' ? new DnsServer(sim, { ...(spec as unknown as HostConfig), zone: { [NAME]: [{ type: 'A', ttl: 60, data: '52.94.133.131' }] } }) : new Host(sim, spec as unknown as HostConfig);

function build(seed: number) {
  return addHome(new Topology({ seed, hostFactory }), {
    laptopMac: 'aa:aa:aa:00:00:01',
    laptopOptions: { dnsServer: '8.8.8.8' },
    lanDelayNs: 100_000,
    accessDelayNs: 5_000_000,
    ispUplink: '10.0.12.1/30',
    ispRoutes: [
      { prefix: '0.0.0.0/0', via: '10.0.12.2', name: 'backbone' },
      { prefix: '52.0.0.0/8', via: '10.0.12.2', name: 'AWS peering point' },
    ],
  })
    .router({
      name: 'isp-2',
      interfaces: [
        { name: 'eth0', mac: '02:00:00:00:20:00', address: '10.0.12.2/30' },
        { name: 'eth1', mac: '02:00:00:00:20:01', address: '52.94.133.1/24' },
        { name: 'eth2', mac: '02:00:00:00:20:02', address: '8.8.8.1/24' },
      ],
      routes: [{ prefix: '203.0.113.0/24', via: '10.0.12.1', name: 'isp-1' }],
    })
    .host({ name: 'api', interfaces: [{ name: 'eth0', mac: '02:00:00:00:30:00', address: '52.94.133.131/24' }], gateway: '52.94.133.1' })
    .host({ name: 'dns', interfaces: [{ name: 'eth0', mac: '02:00:00:00:08:08', address: '8.8.8.8/24' }], gateway: '8.8.8.1' })
    .link('isp-1:eth1', 'isp-2:eth0', { delayNs: 10_000_000 })
    .link('isp-2:eth1', 'api:eth0', { delayNs: 1_000_000 })
    .link('isp-2:eth2', 'dns:eth0', { delayNs: 2_000_000 })
    .build();
}

export interface JourneyRun {
  readonly sim: Simulator;
  readonly recorder: FrameRecorder;
  readonly before: TableSnapshot;
  readonly after: TableSnapshot;
  readonly linkFrames: number;
}

export function runJourney(seed: number): JourneyRun {
  const network = build(seed);
  const sim = network.sim;
  const laptop = network.node<Host>('laptop');
  const api = network.node<Host>('api');
  for (const host of [laptop, api]) host.attachTcp(streamTransport(new TcpStack(sim, host.ip, { node: host.name })));
  const recorder = recordFrames(network);
  let linkFrames = 0;
  for (const link of network.links) for (const end of [link.a, link.b]) end.taps.push({ frame: (_i, direction) => void (direction === 'outbound' && linkFrames++) });
  const before = snapshotTables(network, sim.now);

  api.tcp!.listen(443, (stream) => {
    const tls = tlsAccept(stream, { ...pki.amazonaws, rng: sim.rng, log: tlsEventLog(sim, 'api', 'server', 'front') });
    tls.on('data', () => {
      tls.write(new TextEncoder().encode(RESPONSE));
    });
  });
  let done = false;
  laptop.resolve(NAME, 'A', (result) => {
    if (!result.ok) throw new Error(`lookup failed: ${result.error}`);
    const tls = tlsConnect(laptop.tcp!.connect(result.values[0], 443), { serverName: NAME, trustedRoots, now: () => sim.date(), rng: sim.rng, log: tlsEventLog(sim, 'laptop', 'client', 'front') });
    const request = decodeHttp(new TextEncoder().encode(REQUEST)).header as HttpRequest;
    sim.log.record('laptop', 'http-request', { method: request.method, target: request.target, version: request.version, headers: request.headers });
    tls.write(new TextEncoder().encode(REQUEST));
    tls.on('data', (bytes) => {
      const decoded = decodeHttp(bytes);
      const response = decoded.header as HttpResponse;
      sim.log.record('laptop', 'http-response', { version: response.version, status: response.status, reason: response.reason, headers: response.headers });
      const parsed = JSON.parse(new TextDecoder().decode(decoded.payload)) as { Reservations: unknown[] };
      sim.log.record('laptop', 'app-output', { line: `Found ${parsed.Reservations.length} instances` });
      done = true;
    });
  });
  sim.runUntil(() => done, { untilNs: 10e9 });
  return { sim, recorder, before, after: snapshotTables(network, sim.now), linkFrames };
}
