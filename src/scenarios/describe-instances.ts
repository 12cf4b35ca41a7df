/**
 * The describe_instances journey: the seed's network built from its data,
 * the servers given their certificates, credentials and inventory, and the
 * laptop's script started. The run goes until the script has its answer,
 * then a little longer so the connections close, and reports what it
 * measured.
 *
 * The capture: Wireshark follows a TCP conversation by addresses and ports
 * alone, so a segment captured at several hops would look to it like a
 * retransmission, and it flags a DNS query seen twice the same way. By
 * default ARP and ICMP are captured at every link end, TCP only where each
 * conversation is seen once (on the laptop's LAN link, 192.168.1.100 ↔
 * 52.94.133.131; on the home router's WAN link, the NATed 203.0.113.50 one;
 * on the load balancer's backend link inside AWS), and DNS at the laptop and
 * at the DNS server. `captureAll` records every frame at every end.
 */
import type { X509Certificate } from 'node:crypto';
import type { CaptureSink } from '../../codecs/capture-record.js';
import type { HttpRequest } from '../../codecs/http.js';
import { type Credentials, type Ec2CallResult, Ec2Client } from '../apps/ec2-client.js';
import { seedInventory } from '../cloud/ec2-inventory.js';
import { ApiServer } from '../nodes/api-server.js';
import { DnsServer, type Zone } from '../nodes/dns-server.js';
import { Host } from '../nodes/host.js';
import { LoadBalancer } from '../nodes/load-balancer.js';
import { type Network, Topology } from '../nodes/topology.js';
import type { Capture } from '../sim/capture.js';
import { type LoadedPki, INTERNAL_API_NAME, loadEmulatedPki } from '../stack/pki/index.js';
import { streamTransport } from '../stack/tcp/stream-transport.js';
import { TcpStack } from '../stack/tcp/tcp-stack.js';
import { DESCRIBE_INSTANCES_NETWORK, type DescribeInstancesNetwork, ENDPOINT, ENDPOINT_ADDRESS, LAPTOP_ADDRESS, PUBLIC_ADDRESS } from './describe-instances-topology.js';
import { type JourneySummary, measureJourney, TrafficMeter } from './journey-summary.js';

/** The emulated credentials: the laptop signs with them and the API server knows the secret. */
export const EMULATED_CREDENTIALS: Credentials = { accessKeyId: 'AKIAEXAMPLEWIREPATH1', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

export const DNS_ZONE: Zone = { [ENDPOINT]: [{ type: 'A', ttl: 60, data: ENDPOINT_ADDRESS }] };

export interface DescribeInstancesOptions {
  readonly seed?: number;
  readonly startTime?: Date;
  /** Where the pcapng goes; no capture when absent. */
  readonly capture?: CaptureSink;
  /** Every frame at every link end, TCP included. */
  readonly captureAll?: boolean;
  /** The host name the script calls; default the EC2 endpoint. */
  readonly endpoint?: string;
  /** Records added to the DNS server's zone. */
  readonly extraZone?: Zone;
  /** What the laptop signs with; default the emulated credentials. */
  readonly credentials?: Credentials;
  /** Changes the signed request before it is sent. */
  readonly afterSigning?: (request: HttpRequest) => HttpRequest;
  /** The network's data; default the seed's. */
  readonly network?: DescribeInstancesNetwork;
  readonly pki?: LoadedPki;
  /** Called once the network is built, before anything runs (to tap it or snapshot its tables). */
  readonly onBuilt?: (network: Network) => void;
  /** Called when the script has its answer, before the connections close. */
  readonly onAnswered?: (network: Network) => void;
}

export interface DescribeInstancesRun {
  readonly network: Network;
  readonly result: Ec2CallResult;
  /** What the laptop's script printed. */
  readonly output: readonly string[];
  /** Every NSS key log line of the run's TLS clients. */
  readonly keyLog: readonly string[];
  readonly summary: JourneySummary;
  readonly capture: Capture | undefined;
}

const CAPTURE_COMMENT =
  'wirepath describe-instances. ARP and ICMP are captured at every link end. Wireshark tracks TCP by addresses and ports only, and flags a second copy ' +
  'of a DNS query as a retransmission, so TCP is captured where each conversation is seen once: laptop:eth0 (192.168.1.100 <-> 52.94.133.131), ' +
  'home-router:wan0 (203.0.113.50 <-> 52.94.133.131, after NAT) and alb:eth1 (the load balancer to the EC2 API server inside AWS); and DNS at ' +
  'laptop:eth0 (before NAT) and dns-server:eth0 (after it, five router hops on). ' +
  'Run with --capture-all for every frame at every end. The TLS key log is in a Decryption Secrets Block.';
const CAPTURE_ALL_COMMENT = 'wirepath describe-instances, every frame at every link end (TCP segments appear once per hop). The TLS key log is in a Decryption Secrets Block.';

/** Where each TCP conversation is captured once. */
export const TCP_CAPTURE_ENDS = ['laptop:eth0', 'home-router:wan0', 'alb:eth1'] as const;
/** Where each DNS conversation is captured once: before the NAT, and at the server after it. */
export const UDP_CAPTURE_ENDS = ['laptop:eth0', 'dns-server:eth0'] as const;

/** Builds the network with its servers; nothing runs yet. */
export function buildDescribeInstances(options: DescribeInstancesOptions = {}): { network: Network; laptop: Host; laptopTcp: TcpStack; alb: LoadBalancer; api: ApiServer; pki: LoadedPki } {
  const data = options.network ?? DESCRIBE_INSTANCES_NETWORK;
  const pki = options.pki ?? loadEmulatedPki();
  const t = new Topology({ seed: options.seed ?? 1, startTime: options.startTime });
  t.host({ ...data.laptop });
  for (const s of data.switches) t.switch(s);
  t.natRouter(data.homeRouter);
  for (const r of data.routers) t.router(r);
  addServers(t, data, pki, options.extraZone);
  for (const { a, b, ...link } of data.links) t.link(a, b, link);
  const network = t.build();
  const laptop = network.node<Host>(data.laptop.name);
  const laptopTcp = new TcpStack(network.sim, laptop.ip, { node: laptop.name });
  laptop.attachTcp(streamTransport(laptopTcp));
  return { network, laptop, laptopTcp, alb: network.node<LoadBalancer>(data.loadBalancer.name), api: network.node<ApiServer>(data.apiServer.name), pki };
}

/** The DNS server, the load balancer (one rule: the EC2 JSON API to the backend) and the EC2 API server. */
export function addServers(t: Topology, data: Pick<DescribeInstancesNetwork, 'dnsServer' | 'loadBalancer' | 'apiServer'>, pki: LoadedPki, extraZone: Zone = {}): void {
  const trustedRoots: readonly X509Certificate[] = [pki.root];
  const zone: Zone = { ...DNS_ZONE, ...extraZone };
  t.node(data.dnsServer.name, data.dnsServer.interfaces, (sim) => new DnsServer(sim, { ...data.dnsServer, zone }), data.dnsServer.label);
  const backend = { name: 'ec2-api', address: data.apiServer.interfaces[0].address!.split('/')[0], port: 443, serverName: INTERNAL_API_NAME };
  t.node(
    data.loadBalancer.name,
    data.loadBalancer.interfaces,
    (sim) => new LoadBalancer(sim, { ...data.loadBalancer, identity: pki.amazonaws, trustedRoots, rules: [{ name: 'ec2-api-json', host: ENDPOINT, targetPrefix: 'AmazonEC2.', backend }] }),
    data.loadBalancer.label,
  );
  t.node(
    data.apiServer.name,
    data.apiServer.interfaces,
    (sim) => new ApiServer(sim, { ...data.apiServer, identity: pki.internal, credentials: { [EMULATED_CREDENTIALS.accessKeyId]: EMULATED_CREDENTIALS.secretAccessKey }, inventory: seedInventory(sim.date()) }),
    data.apiServer.label,
  );
}

/**
 * Taps the capture on every end. Unless everything is wanted, TCP passes
 * only at the ends where each conversation is seen once, and UDP (DNS) only
 * at the laptop and at the DNS server: Wireshark reads a second copy of a
 * DNS query as a retransmission, just as it does a TCP segment.
 */
function startCapture(network: Network, sink: CaptureSink, captureAll: boolean): Capture {
  const capture = network.capture(sink, { comment: captureAll ? CAPTURE_ALL_COMMENT : CAPTURE_COMMENT });
  if (captureAll) return capture;
  for (const link of network.links) {
    for (const end of [link.a, link.b]) {
      const tcp = (TCP_CAPTURE_ENDS as readonly string[]).includes(end.label);
      const udp = (UDP_CAPTURE_ENDS as readonly string[]).includes(end.label);
      if (tcp && udp) continue;
      const at = end.taps.indexOf(capture);
      end.taps[at] = {
        frame: (iface, direction, frame, timeNs, note) => {
          const protocol = ipProtocol(frame.bytes);
          if ((protocol === TCP && !tcp) || (protocol === UDP && !udp)) return;
          capture.frame(iface, direction, frame, timeNs, note);
        },
      };
    }
  }
  return capture;
}

const TCP = 6;
const UDP = 17;

/** The IPv4 protocol number of an untagged frame, or -1 for anything else (ARP). */
function ipProtocol(b: Uint8Array): number {
  return b.length > 23 && b[12] === 0x08 && b[13] === 0x00 ? b[23] : -1;
}

/** Runs the whole journey and returns what happened. */
export function runDescribeInstances(options: DescribeInstancesOptions = {}): DescribeInstancesRun {
  const built = buildDescribeInstances(options);
  const { network, laptop, laptopTcp, alb, pki } = built;
  const sim = network.sim;
  const meter = new TrafficMeter(network);
  const capture = options.capture ? startCapture(network, options.capture, options.captureAll ?? false) : undefined;
  options.onBuilt?.(network);
  const keyLog: string[] = [];
  const output: string[] = [];
  alb.holdCapture = capture ? () => capture.hold() : undefined;
  alb.onKeyLog = (line) => keyLog.push(line);
  const client = new Ec2Client({
    host: laptop,
    tcp: laptopTcp,
    region: 'us-east-1',
    credentials: options.credentials ?? EMULATED_CREDENTIALS,
    trustedRoots: [pki.root],
    endpoint: options.endpoint,
    print: (line) => {
      output.push(line);
      sim.log.record(laptop.name, 'app-output', { line });
    },
    holdCapture: capture ? () => capture.hold() : undefined,
    onKeyLog: (line) => keyLog.push(line),
    afterSigning: options.afterSigning,
  });
  let result: Ec2CallResult | undefined;
  client.describeInstances((r) => {
    result = r;
  });
  sim.runUntil(() => result !== undefined, { untilNs: 60e9 });
  const doneAtNs = sim.now;
  options.onAnswered?.(network);
  // Let the connections close (FIN, close_notify) before the capture ends.
  sim.run({ untilNs: sim.now + 2e9 });
  const summary = measureJourney(network, meter, doneAtNs, { laptop: LAPTOP_ADDRESS, endpoint: ENDPOINT_ADDRESS, publicAddress: PUBLIC_ADDRESS });
  sim.log.record(laptop.name, 'journey-summary', { ...summary });
  return { network, result: result!, output, keyLog, summary, capture };
}
