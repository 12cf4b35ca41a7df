/**
 * What a journey measured, for the summary line: every transmission on
 * every link is counted by a meter tapped on each link end, and the router
 * hops are read from the routers' own 'route' events for the first packet
 * each way between the laptop and the endpoint.
 */
import type { Network } from '../nodes/topology.js';
import type { FrameTap } from '../sim/interface.js';

export class TrafficMeter {
  /** Transmissions onto a link, and their bytes. */
  frames = 0;
  bytes = 0;
  private readonly datagrams = new Set<bigint>();
  readonly perEnd = new Map<string, { sent: number; received: number }>();

  constructor(network: Network) {
    for (const link of network.links) {
      for (const end of [link.a, link.b]) {
        const counts = { sent: 0, received: 0 };
        this.perEnd.set(end.label, counts);
        const tap: FrameTap = {
          frame: (_iface, direction, frame) => {
            if (direction === 'inbound') {
              counts.received++;
              return;
            }
            counts.sent++;
            this.frames++;
            this.bytes += frame.bytes.length;
            this.datagrams.add(frame.packetId);
          },
        };
        end.taps.push(tap);
      }
    }
  }

  /** Distinct packets (one per datagram or ARP message, however many hops it took). */
  get packets(): number {
    return this.datagrams.size;
  }
}

export interface JourneySummary {
  /** Distinct packets sent by any node, each counted once across its hops. */
  readonly packets: number;
  /** Frames put on a link, counting each hop. */
  readonly frames: number;
  readonly wireBytes: number;
  /** Frames the laptop sent and received. */
  readonly laptopFramesSent: number;
  readonly laptopFramesReceived: number;
  /** Routers that forwarded the first packet from the laptop to the endpoint, in order. */
  readonly hopsOut: readonly string[];
  /** Routers that forwarded the first packet back. */
  readonly hopsBack: readonly string[];
  /** Virtual time from the start until the script had its answer. */
  readonly virtualTimeNs: number;
}

export interface JourneyAddresses {
  readonly laptop: string;
  readonly endpoint: string;
  readonly publicAddress: string;
}

export function measureJourney(network: Network, meter: TrafficMeter, doneAtNs: number, addresses: JourneyAddresses): JourneySummary {
  // A packet that waited for ARP at a router is logged there once, as waiting; it still crossed that router.
  const routes = network.sim.log.ofKind('route');
  const path = (first: (e: (typeof routes)[number]) => boolean): string[] => {
    const start = routes.find(first);
    return start === undefined ? [] : routes.filter((e) => e.packetId === start.packetId).map((e) => e.node);
  };
  const laptopEnd = [...meter.perEnd.entries()].find(([label]) => label.startsWith(`${laptopNode(network, addresses.laptop)}:`))?.[1] ?? { sent: 0, received: 0 };
  return {
    packets: meter.packets,
    frames: meter.frames,
    wireBytes: meter.bytes,
    laptopFramesSent: laptopEnd.sent,
    laptopFramesReceived: laptopEnd.received,
    hopsOut: path((e) => (e.source === addresses.laptop || e.source === addresses.publicAddress) && e.destination === addresses.endpoint),
    hopsBack: path((e) => e.source === addresses.endpoint && (e.destination === addresses.publicAddress || e.destination === addresses.laptop)),
    virtualTimeNs: doneAtNs,
  };
}

function laptopNode(network: Network, address: string): string {
  for (const node of network.nodes.values()) if (node.interfaces.some((i) => i.ipv4?.address === address)) return node.name;
  return '';
}

/** The summary as the CLI prints it. */
export function formatSummary(s: JourneySummary): string {
  return [
    `Packets exchanged: ${s.packets} (${s.frames} frames over all links, ${s.wireBytes} bytes on the wire)`,
    `Laptop: ${s.laptopFramesSent} frames sent, ${s.laptopFramesReceived} received`,
    `Router hops out: ${s.hopsOut.length} (${s.hopsOut.join(' → ')})`,
    `Router hops back: ${s.hopsBack.length} (${s.hopsBack.join(' → ')})`,
    `Virtual time: ${(s.virtualTimeNs / 1e6).toFixed(3)} ms`,
  ].join('\n');
}
