/** Small topologies for the stack tests: hosts wired with links, and the frames each link end sent. */
import type { Frame } from '../../src/sim/frame.js';
import type { Interface } from '../../src/sim/interface.js';
import { Link, type LinkOptions } from '../../src/sim/link.js';
import { Simulator } from '../../src/sim/simulator.js';
import { DnsServer, type Zone } from '../../src/nodes/dns-server.js';
import { Host } from '../../src/nodes/host.js';

export interface SentFrame {
  readonly from: string;
  readonly bytes: Uint8Array;
  readonly packetId: bigint;
  readonly note: string | undefined;
}

/** Records every frame that goes out of `ifaces`, as the link's transmit sees it. */
export function recordSent(...ifaces: Interface[]): SentFrame[] {
  const sent: SentFrame[] = [];
  for (const iface of ifaces) {
    iface.taps.push({
      frame: (i, direction, frame: Frame, _time, note) => {
        if (direction === 'outbound') sent.push({ from: i.label, bytes: frame.bytes.slice(), packetId: frame.packetId, note });
      },
    });
  }
  return sent;
}

export function twoHosts(seed = 7, link: LinkOptions = {}) {
  const sim = new Simulator({ seed });
  const a = new Host(sim, { name: 'alice', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:0a', address: '10.0.0.1/24' }] });
  const b = new Host(sim, { name: 'bob', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:0b', address: '10.0.0.2/24' }] });
  const wire = new Link(sim, a.interfaces[0], b.interfaces[0], { delayNs: 1_000_000, ...link });
  return { sim, a, b, wire };
}

export const SEED_ZONE: Zone = {
  'ec2.us-east-1.amazonaws.com': [{ type: 'A', ttl: 60, data: '52.94.133.131' }],
  'www.example.com': [{ type: 'CNAME', ttl: 300, data: 'example.com' }],
  'example.com': [{ type: 'A', ttl: 120, data: '93.184.216.34' }],
  // Forty addresses: an answer too long for 512 bytes of UDP.
  'big.example.com': Array.from({ length: 40 }, (_, i) => ({ type: 'A', ttl: 30, data: `198.51.100.${i + 1}` })),
};

/** A laptop and the seed's 8.8.8.8 on one link (the server on the laptop's subnet, so no router is needed). */
export function laptopAndDns(seed = 11, link: LinkOptions = {}) {
  const sim = new Simulator({ seed });
  const laptop = new Host(sim, {
    name: 'laptop',
    interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', address: '8.8.8.100/24' }],
    dnsServer: '8.8.8.8',
  });
  const server = new DnsServer(sim, { name: 'dns', interfaces: [{ name: 'eth0', mac: '02:00:00:00:08:08', address: '8.8.8.8/24' }], zone: SEED_ZONE });
  const wire = new Link(sim, laptop.interfaces[0], server.interfaces[0], { delayNs: 5_000_000, ...link });
  return { sim, laptop, server, wire };
}
