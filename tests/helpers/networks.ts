/** Small networks for the device and stack tests, built with the topology builder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addHome } from '../../src/nodes/sample-networks.js';
import { type HostFactory, Topology } from '../../src/nodes/topology.js';
import { probeHosts } from './probe-host.js';

/** Two hosts on one switch. */
export function switchedLan(seed = 1) {
  return new Topology({ seed, hostFactory: probeHosts })
    .host({ name: 'laptop', label: 'your computer', interfaces: [{ name: 'eth0', mac: 'aa:aa:aa:aa:aa:aa', address: '192.168.1.100/24' }] })
    .host({ name: 'desktop', interfaces: [{ name: 'eth0', mac: '02:bb:bb:bb:bb:bb', address: '192.168.1.101/24' }] })
    .host({ name: 'printer', interfaces: [{ name: 'eth0', mac: 'cc:cc:cc:cc:cc:cc', address: '192.168.1.50/24' }] })
    .switch({ name: 'home-switch', ports: 8 })
    .link('laptop:eth0', 'home-switch:port5')
    .link('desktop:eth0', 'home-switch:port2')
    .link('printer:eth0', 'home-switch:port7')
    .build();
}

/** alpha — r1 — r2 — beta, three subnets. */
export function twoRouters(seed = 1, coreMtu = 1500) {
  return new Topology({ seed, hostFactory: probeHosts })
    .host({ name: 'alpha', interfaces: [{ name: 'eth0', mac: '02:00:00:00:0a:01', address: '10.1.0.10/24' }], gateway: '10.1.0.1' })
    .router({
      name: 'r1',
      interfaces: [
        { name: 'eth0', mac: '02:00:00:00:01:00', address: '10.1.0.1/24' },
        { name: 'eth1', mac: '02:00:00:00:01:01', address: '10.12.0.1/30' },
      ],
      routes: [
        { prefix: '0.0.0.0/0', via: '10.12.0.2', name: 'r2 (default)' },
        { prefix: '10.0.0.0/8', via: '10.12.0.2', name: 'r2' },
        { prefix: '10.2.0.0/24', via: '10.12.0.2', name: 'beta network' },
      ],
    })
    .router({
      name: 'r2',
      interfaces: [
        { name: 'eth0', mac: '02:00:00:00:02:00', address: '10.12.0.2/30' },
        { name: 'eth1', mac: '02:00:00:00:02:01', address: '10.2.0.1/24' },
      ],
      routes: [{ prefix: '10.1.0.0/24', via: '10.12.0.1', name: 'r1' }],
    })
    .host({ name: 'beta', interfaces: [{ name: 'eth0', mac: '02:00:00:00:0b:01', address: '10.2.0.20/24' }], gateway: '10.2.0.1' })
    .link('alpha:eth0', 'r1:eth0', { delayNs: 100_000 })
    .link('r1:eth1', 'r2:eth0', { delayNs: 5_000_000, bandwidthBps: 100e6, mtu: coreMtu })
    .link('r2:eth1', 'beta:eth0', { delayNs: 100_000 })
    .build();
}

export interface HomeNetworkOptions {
  /** Probe hosts by default; a stack test passes the standard Host. */
  readonly hostFactory?: HostFactory;
  /** The MTU of the laptop's link to the switch. */
  readonly laptopMtu?: number;
}

/** The seed's home: laptop — switch — NAT router — ISP router — server. */
export function homeNetwork(seed = 1, { hostFactory = probeHosts, laptopMtu = 1500 }: HomeNetworkOptions = {}) {
  return addHome(new Topology({ seed, hostFactory }), { laptopMac: 'aa:aa:aa:aa:aa:aa', lanDelayNs: 20_000, laptopMtu, accessDelayNs: 8_000_000, ispUplink: '52.94.133.1/24' })
    .host({ name: 'server', interfaces: [{ name: 'eth0', mac: '02:00:00:00:20:00', address: '52.94.133.131/24' }], gateway: '52.94.133.1' })
    .link('isp-1:eth1', 'server:eth0', { delayNs: 2_000_000 })
    .build();
}

export function tempFile(name: string, bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wirepath-nodes-')), name);
  writeFileSync(file, bytes);
  return file;
}
