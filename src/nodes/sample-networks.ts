/**
 * The seed's home as the smaller test and benchmark networks build it: the
 * laptop 192.168.1.100 on port 5 of an 8-port switch, the NAT router on
 * port 8, and its WAN side 203.0.113.50 on the access link to the ISP's first
 * router, isp-1 at 203.0.113.1. What lies beyond isp-1:eth1 is the caller's.
 */
import type { RouteSpec } from './router.js';
import type { Topology } from './topology.js';

export interface HomeOptions {
  readonly laptopMac: string;
  /** Host options beyond the address and gateway (dnsServer, ...). */
  readonly laptopOptions?: { readonly [option: string]: unknown };
  /** One-way delay of each of the two LAN links. */
  readonly lanDelayNs: number;
  /** The MTU of the laptop's link to the switch; the link's default if absent. */
  readonly laptopMtu?: number;
  /** One-way delay of the 100 Mbit/s access link. */
  readonly accessDelayNs: number;
  /** isp-1's address on its far side ("52.94.133.1/24"). */
  readonly ispUplink: string;
  readonly ispRoutes?: readonly RouteSpec[];
}

/** Adds laptop, home-switch, home-router (NAT) and isp-1 with their three links. */
export function addHome(topology: Topology, options: HomeOptions): Topology {
  const lan = { delayNs: options.lanDelayNs };
  return topology
    .host({
      name: 'laptop',
      label: 'your computer',
      ...options.laptopOptions,
      interfaces: [{ name: 'eth0', mac: options.laptopMac, address: '192.168.1.100/24' }],
      gateway: '192.168.1.1',
    })
    .switch({ name: 'home-switch', ports: 8 })
    .natRouter({
      name: 'home-router',
      label: 'router',
      outside: 'wan0',
      interfaces: [
        { name: 'lan0', mac: '02:00:00:00:00:01', address: '192.168.1.1/24' },
        { name: 'wan0', mac: '02:00:00:00:00:02', address: '203.0.113.50/24' },
      ],
      routes: [{ prefix: '0.0.0.0/0', via: '203.0.113.1', name: 'ISP' }],
    })
    .router({
      name: 'isp-1',
      interfaces: [
        { name: 'eth0', mac: '02:00:00:00:10:00', address: '203.0.113.1/24' },
        { name: 'eth1', mac: '02:00:00:00:10:01', address: options.ispUplink },
      ],
      routes: options.ispRoutes,
    })
    .link('laptop:eth0', 'home-switch:port5', { ...lan, mtu: options.laptopMtu })
    .link('home-router:lan0', 'home-switch:port8', lan)
    .link('home-router:wan0', 'isp-1:eth0', { delayNs: options.accessDelayNs, bandwidthBps: 100e6 });
}
