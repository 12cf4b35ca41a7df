/**
 * Many laptops making the call at once: each behind its own home router
 * (the same 192.168.1.0/24 inside every home, as in real homes), each home
 * on its own /30 to the first ISP router, and the rest of the seed's
 * network shared, toward the same endpoint. It measures how the emulator's
 * cost grows with the number of callers.
 *
 * The crowd's home routers route 52.0.0.0/8 and 8.8.8.0/24 to the ISP
 * instead of a default route: the FIB's first-level table has an entry
 * for every /24, and a default route fills all sixteen million of them,
 * which for a thousand routers is more memory than the run itself needs.
 */
import { type Ec2CallResult, Ec2Client } from '../apps/ec2-client.js';
import { Host } from '../nodes/host.js';
import type { NatRouterOptions } from '../nodes/nat-router.js';
import type { RouterOptions } from '../nodes/router.js';
import { type Network, Topology } from '../nodes/topology.js';
import { loadEmulatedPki } from '../stack/pki/index.js';
import { streamTransport } from '../stack/tcp/stream-transport.js';
import { TcpStack } from '../stack/tcp/tcp-stack.js';
import { addServers, EMULATED_CREDENTIALS } from './describe-instances.js';
import { DESCRIBE_INSTANCES_NETWORK, DNS_SERVER_ADDRESS } from './describe-instances-topology.js';

export interface CrowdRun {
  readonly network: Network;
  readonly results: readonly Ec2CallResult[];
  /** Virtual time until the last caller had its answer. */
  readonly virtualTimeNs: number;
}

const HOMES_PREFIX = '100.72.0.0/16';
const MAX_HOMES = 16_384;

const hex = (n: number) => n.toString(16).padStart(2, '0');
/** The i-th /30 of 100.72.0.0/16, as "100.72.x.y". */
const homeLink = (i: number, host: 1 | 2) => `100.72.${(i >> 6) & 0xff}.${((i & 63) << 2) + host}`;

export function buildCrowd(laptops: number, seed = 1): { network: Network; hosts: Array<{ laptop: Host; tcp: TcpStack }> } {
  if (!Number.isInteger(laptops) || laptops < 1 || laptops > MAX_HOMES) throw new RangeError(`a crowd is 1 to ${MAX_HOMES} laptops, not ${laptops}`);
  const data = DESCRIBE_INSTANCES_NETWORK;
  const pki = loadEmulatedPki();
  const t = new Topology({ seed });
  const ispUplinks: RouterOptions['interfaces'][number][] = [];
  for (let i = 0; i < laptops; i++) {
    const id = `${hex(i >> 8)}:${hex(i & 0xff)}`;
    t.host({ name: `laptop-${i}`, interfaces: [{ name: 'eth0', mac: `02:c0:${id}:00:01`, address: '192.168.1.100/24' }], gateway: '192.168.1.1', dnsServer: DNS_SERVER_ADDRESS });
    const home: NatRouterOptions = {
      name: `home-router-${i}`,
      outside: 'wan0',
      // A home's few connections fit a small table; the default sizes a router for a whole ISP's.
      natCapacity: 4096,
      interfaces: [
        { name: 'lan0', mac: `02:c0:${id}:00:02`, address: '192.168.1.1/24' },
        { name: 'wan0', mac: `02:c0:${id}:00:03`, address: `${homeLink(i, 2)}/30` },
      ],
      routes: [
        { prefix: '52.0.0.0/8', via: homeLink(i, 1), name: 'ISP' },
        { prefix: '8.8.8.0/24', via: homeLink(i, 1), name: 'ISP' },
      ],
    };
    t.natRouter(home);
    ispUplinks.push({ name: `home${i}`, mac: `02:15:01:${id}:00`, address: `${homeLink(i, 1)}/30` });
  }
  for (const r of data.routers) {
    if (r.name === 'isp-router-1') {
      t.router({ ...r, interfaces: [...ispUplinks, r.interfaces[1]] });
      continue;
    }
    const back = r.name === 'isp-router-2' ? '100.64.0.1' : r.name === 'backbone-router-1' ? '100.64.1.1' : undefined;
    t.router(back ? { ...r, routes: [{ prefix: HOMES_PREFIX, via: back, name: 'ISP homes' }, ...(r.routes ?? [])] } : r);
  }
  for (const s of data.switches) if (s.name !== 'home-switch') t.switch(s);
  addServers(t, data, pki);
  for (let i = 0; i < laptops; i++) {
    t.link(`laptop-${i}:eth0`, `home-router-${i}:lan0`, { delayNs: 100_000 });
    t.link(`home-router-${i}:wan0`, `isp-router-1:home${i}`, { delayNs: 5_000_000, bandwidthBps: 100e6 });
  }
  // The seed's own home (laptop, switch, router) is what the crowd replaces.
  for (const { a, b, ...link } of data.links) if (!/^(laptop|home-router):/.test(a)) t.link(a, b, link);
  const network = t.build();
  const hosts = Array.from({ length: laptops }, (_, i) => {
    const laptop = network.node<Host>(`laptop-${i}`);
    const tcp = new TcpStack(network.sim, laptop.ip, { node: laptop.name });
    laptop.attachTcp(streamTransport(tcp));
    return { laptop, tcp };
  });
  return { network, hosts };
}

/** Every laptop calls describe_instances at time zero; the run goes until all have an answer. */
export function runCrowd(laptops: number, seed = 1): CrowdRun {
  const { network, hosts } = buildCrowd(laptops, seed);
  const roots = [loadEmulatedPki().root];
  const results: Ec2CallResult[] = [];
  for (const { laptop, tcp } of hosts) {
    new Ec2Client({ host: laptop, tcp, region: 'us-east-1', credentials: EMULATED_CREDENTIALS, trustedRoots: roots, print: () => {} }).describeInstances((r) => results.push(r));
  }
  network.sim.runUntil(() => results.length === laptops, { untilNs: 600e9, maxEvents: 50_000_000 });
  return { network, results, virtualTimeNs: network.sim.now };
}
