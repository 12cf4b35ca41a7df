/**
 * The seed's network as data: the home LAN (laptop on switch port 5, the
 * router on port 8), the home router with NAT, two ISP routers, two
 * backbone routers, an exchange point, the AWS edge and region routers,
 * the load balancer and the EC2 API server inside the region, and a side
 * path from the backbone to Google's edge and its DNS server 8.8.8.8.
 *
 * Delays are one-way propagation; a LAN hop is 50 µs, the home access link
 * 5 ms, the long-haul backbone 10 ms, so the call takes on the order of the
 * seed's 100–200 ms.
 */
import type { InterfaceSpec } from '../nodes/topology.js';
import type { LinkOptions } from '../sim/link.js';
import type { NatRouterOptions } from '../nodes/nat-router.js';
import type { RouterOptions } from '../nodes/router.js';
import type { SwitchOptions } from '../nodes/switch.js';

export const ENDPOINT = 'ec2.us-east-1.amazonaws.com';
export const ENDPOINT_ADDRESS = '52.94.133.131';
export const LAPTOP_ADDRESS = '192.168.1.100';
export const PUBLIC_ADDRESS = '203.0.113.50';
export const DNS_SERVER_ADDRESS = '8.8.8.8';
export const API_SERVER_ADDRESS = '10.0.1.10';

export interface HostData {
  readonly name: string;
  readonly label?: string;
  readonly interfaces: readonly InterfaceSpec[];
  readonly gateway?: string;
}

export interface LinkData extends LinkOptions {
  readonly a: string;
  readonly b: string;
}

export interface DescribeInstancesNetwork {
  readonly laptop: HostData & { readonly dnsServer: string };
  readonly switches: readonly SwitchOptions[];
  readonly homeRouter: NatRouterOptions & { readonly label?: string };
  readonly routers: ReadonlyArray<RouterOptions & { readonly label?: string }>;
  readonly dnsServer: HostData;
  readonly loadBalancer: HostData;
  readonly apiServer: HostData;
  readonly links: readonly LinkData[];
}

const LAN = { delayNs: 50_000, bandwidthBps: 1e9 };
const ACCESS = { delayNs: 5_000_000, bandwidthBps: 100e6 };
const METRO = { delayNs: 2_000_000, bandwidthBps: 10e9 };
const BACKBONE = { delayNs: 10_000_000, bandwidthBps: 100e9 };
const EXCHANGE = { delayNs: 500_000, bandwidthBps: 100e9 };
const REGION = { delayNs: 1_000_000, bandwidthBps: 100e9 };
const DATACENTER = { delayNs: 100_000, bandwidthBps: 25e9 };

/** A router whose interfaces are eth0, eth1, … in the order given, each as [mac, address]; each route as [prefix, via, name]. */
function router(name: string, interfaces: ReadonlyArray<readonly [string, string]>, routes: ReadonlyArray<readonly [string, string, string]>): RouterOptions {
  return {
    name,
    interfaces: interfaces.map(([mac, address], i) => ({ name: `eth${i}`, mac, address })),
    routes: routes.map(([prefix, via, hop]) => ({ prefix, via, name: hop })),
  };
}

export const DESCRIBE_INSTANCES_NETWORK: DescribeInstancesNetwork = {
  laptop: {
    name: 'laptop',
    label: 'your computer',
    interfaces: [{ name: 'eth0', mac: '02:aa:aa:aa:aa:aa', address: '192.168.1.100/24' }],
    gateway: '192.168.1.1',
    dnsServer: DNS_SERVER_ADDRESS,
  },
  switches: [
    { name: 'home-switch', ports: 8 },
    { name: 'ixp', ports: 4 },
    { name: 'vpc-switch', ports: 4 },
  ],
  homeRouter: {
    name: 'home-router',
    label: 'home router',
    outside: 'wan0',
    interfaces: [
      { name: 'lan0', mac: '02:00:5e:11:11:01', address: '192.168.1.1/24' },
      { name: 'wan0', mac: '02:00:5e:11:11:02', address: '203.0.113.50/24' },
    ],
    routes: [{ prefix: '0.0.0.0/0', via: '203.0.113.1', name: 'ISP (default)' }],
  },
  routers: [
    router(
      'isp-router-1',
      [['02:15:00:00:01:00', '203.0.113.1/24'], ['02:15:00:00:01:01', '100.64.0.1/30']],
      [
        ['52.0.0.0/8', '100.64.0.2', 'Internet backbone'],
        ['0.0.0.0/0', '100.64.0.2', 'isp-router-2'],
      ],
    ),
    router(
      'isp-router-2',
      [['02:15:00:00:02:00', '100.64.0.2/30'], ['02:15:00:00:02:01', '100.64.1.1/30']],
      [
        ['203.0.113.0/24', '100.64.0.1', 'Local (ISP access network)'],
        ['52.0.0.0/8', '100.64.1.2', 'AWS peering point'],
        ['0.0.0.0/0', '100.64.1.2', 'Backbone'],
      ],
    ),
    router(
      'backbone-router-1',
      [['02:bb:00:00:01:00', '100.64.1.2/30'], ['02:bb:00:00:01:01', '198.18.0.1/30'], ['02:bb:00:00:01:02', '198.18.1.1/30']],
      [
        ['203.0.113.0/24', '100.64.1.1', 'ISP customers'],
        ['52.0.0.0/8', '198.18.0.2', 'backbone-router-2 (toward AWS)'],
        ['8.8.8.0/24', '198.18.1.2', 'Google edge'],
      ],
    ),
    router(
      'backbone-router-2',
      [['02:bb:00:00:02:00', '198.18.0.2/30'], ['02:bb:00:00:02:01', '198.51.100.10/24']],
      [
        ['52.0.0.0/8', '198.51.100.20', 'AWS (over the IXP)'],
        ['0.0.0.0/0', '198.18.0.1', 'backbone-router-1'],
      ],
    ),
    router(
      'google-edge-router',
      [['02:90:00:00:00:01', '198.18.1.2/30'], ['02:90:00:00:00:02', '8.8.8.1/24']],
      [['0.0.0.0/0', '198.18.1.1', 'backbone-router-1']],
    ),
    router(
      'aws-edge-router',
      [['02:a5:00:00:00:01', '198.51.100.20/24'], ['02:a5:00:00:00:02', '172.16.0.1/30']],
      [
        ['52.94.133.0/24', '172.16.0.2', 'us-east-1 API servers'],
        ['10.0.0.0/8', '172.16.0.2', 'VPC networks'],
        ['0.0.0.0/0', '198.51.100.10', 'Internet (IXP peer backbone-router-2)'],
      ],
    ),
    router(
      'aws-region-router',
      [['02:a5:00:00:01:01', '172.16.0.2/30'], ['02:a5:00:00:01:02', '52.94.133.1/24'], ['02:a5:00:00:01:03', '10.0.1.1/24']],
      [['0.0.0.0/0', '172.16.0.1', 'aws-edge-router']],
    ),
  ],
  dnsServer: {
    name: 'dns-server',
    label: 'Google DNS',
    interfaces: [{ name: 'eth0', mac: '02:90:00:00:08:08', address: '8.8.8.8/24' }],
    gateway: '8.8.8.1',
  },
  loadBalancer: {
    name: 'alb',
    label: 'application load balancer',
    interfaces: [
      { name: 'eth0', mac: '02:a5:00:00:02:01', address: '52.94.133.131/24' },
      { name: 'eth1', mac: '02:a5:00:00:02:02', address: '10.0.1.5/24' },
    ],
    gateway: '52.94.133.1',
  },
  apiServer: {
    name: 'ec2-api-server',
    label: 'EC2 API server',
    interfaces: [{ name: 'eth0', mac: '02:a5:00:00:03:01', address: '10.0.1.10/24' }],
    gateway: '10.0.1.1',
  },
  links: [
    { a: 'laptop:eth0', b: 'home-switch:port5', ...LAN },
    { a: 'home-router:lan0', b: 'home-switch:port8', ...LAN },
    { a: 'home-router:wan0', b: 'isp-router-1:eth0', ...ACCESS },
    { a: 'isp-router-1:eth1', b: 'isp-router-2:eth0', ...METRO },
    { a: 'isp-router-2:eth1', b: 'backbone-router-1:eth0', ...METRO },
    { a: 'backbone-router-1:eth1', b: 'backbone-router-2:eth0', ...BACKBONE },
    { a: 'backbone-router-1:eth2', b: 'google-edge-router:eth0', ...METRO },
    { a: 'google-edge-router:eth1', b: 'dns-server:eth0', ...DATACENTER },
    { a: 'backbone-router-2:eth1', b: 'ixp:port1', ...EXCHANGE },
    { a: 'aws-edge-router:eth0', b: 'ixp:port2', ...EXCHANGE },
    { a: 'aws-edge-router:eth1', b: 'aws-region-router:eth0', ...REGION },
    { a: 'aws-region-router:eth1', b: 'alb:eth0', ...DATACENTER },
    { a: 'aws-region-router:eth2', b: 'vpc-switch:port1', ...DATACENTER },
    { a: 'alb:eth1', b: 'vpc-switch:port2', ...DATACENTER },
    { a: 'ec2-api-server:eth0', b: 'vpc-switch:port3', ...DATACENTER },
  ],
};
