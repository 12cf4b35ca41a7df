/**
 * The emulator itself: how many events the engine runs per second (against
 * a sorted array, the simplest event queue), and how fast a whole run goes:
 * 1 MiB over TCP from a laptop behind a NAT router, across two routers, to a
 * server, in virtual seconds per wall second.
 */
import { Host } from '../../src/nodes/host.js';
import { addHome } from '../../src/nodes/sample-networks.js';
import { type Network, Topology } from '../../src/nodes/topology.js';
import { Simulator } from '../../src/sim/simulator.js';
import { SeededRandom } from '../../src/sim/random.js';
import { streamTransport } from '../../src/stack/tcp/stream-transport.js';
import { TcpStack } from '../../src/stack/tcp/tcp-stack.js';
import type { BenchTask, ExtraRow, Suite } from '../harness.js';

const EVENTS = 10_000;
const delays = new SeededRandom(9).bytes(EVENTS);
let sink = 0;
const bump = () => {
  sink++;
};

/**
 * The peer: the queue one writes first, an array kept sorted by binary
 * insertion, events taken from the front; same delays, same closures.
 */
function sortedArrayRun(): void {
  const times: number[] = [];
  const actions: Array<() => void> = [];
  for (let i = 0; i < EVENTS; i++) {
    const t = delays[i] * 1000;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    times.splice(lo, 0, t);
    actions.splice(lo, 0, bump);
  }
  while (actions.length > 0) {
    times.shift();
    actions.shift()!();
  }
}

const tasks: BenchTask[] = [
  {
    name: 'engine: schedule + run 10k events',
    opsPerCall: EVENTS,
    versus: 'sorted array: insert + run 10k events',
    fn: () => {
      const sim = new Simulator();
      // Random delays so the heap works as it does with many links in flight.
      for (let i = 0; i < EVENTS; i++) sim.schedule(delays[i] * 1000, bump);
      sim.run();
    },
  },
  { name: 'sorted array: insert + run 10k events', opsPerCall: EVENTS, fn: sortedArrayRun },
];

/** laptop — switch — home-router (NAT) — isp-1 — isp-2 — server. */
function path(seed: number): Network {
  return addHome(new Topology({ seed }), {
    laptopMac: 'aa:aa:aa:aa:aa:aa',
    lanDelayNs: 20_000,
    accessDelayNs: 5_000_000,
    ispUplink: '198.51.100.1/30',
    ispRoutes: [{ prefix: '52.0.0.0/8', via: '198.51.100.2', name: 'AWS peering point' }],
  })
    .router({
      name: 'isp-2',
      interfaces: [
        { name: 'eth0', mac: '02:00:00:00:11:00', address: '198.51.100.2/30' },
        { name: 'eth1', mac: '02:00:00:00:11:01', address: '52.94.133.1/24' },
      ],
      routes: [{ prefix: '0.0.0.0/0', via: '198.51.100.1', name: 'backbone' }],
    })
    .host({ name: 'server', interfaces: [{ name: 'eth0', mac: '02:00:00:00:20:00', address: '52.94.133.131/24' }], gateway: '52.94.133.1' })
    .link('isp-1:eth1', 'isp-2:eth0', { delayNs: 10_000_000, bandwidthBps: 1e9 })
    .link('isp-2:eth1', 'server:eth0', { delayNs: 1_000_000 })
    .build();
}

/** One 1 MiB upload; the wall time covers the run only, not building the network. */
function transfer(seed: number): { wallMs: number; virtualS: number; events: number } {
  const net = path(seed);
  const laptop = net.node<Host>('laptop');
  const server = net.node<Host>('server');
  laptop.attachTcp(streamTransport(new TcpStack(net.sim, laptop.ip, { node: 'laptop' })));
  server.attachTcp(streamTransport(new TcpStack(net.sim, server.ip, { node: 'server' })));
  const size = 1 << 20;
  let received = 0;
  server.tcp!.listen(443, (stream) => stream.on('data', (bytes) => (received += bytes.length)));
  const stream = laptop.tcp!.connect('52.94.133.131', 443);
  stream.write(new SeededRandom(seed).bytes(size));
  stream.end();
  const start = performance.now();
  net.sim.runUntil(() => received === size, { untilNs: 600e9 });
  const wallMs = performance.now() - start;
  return { wallMs, virtualS: net.sim.now / 1e9, events: net.sim.eventCount };
}

function transferRows(): ExtraRow[] {
  const runs = [1, 2, 3].map(transfer).sort((a, b) => a.virtualS / a.wallMs - b.virtualS / b.wallMs);
  const median = runs[1];
  return [
    { task: '1 MiB TCP via NAT + 2 routers: virtual s per wall s (median of 3)', value: median.virtualS / (median.wallMs / 1000), unit: 'x' },
    { task: '1 MiB TCP via NAT + 2 routers: wall time', value: median.wallMs, unit: 'ms' },
    { task: '1 MiB TCP via NAT + 2 routers: virtual time', value: median.virtualS * 1000, unit: 'ms' },
    { task: '1 MiB TCP via NAT + 2 routers: engine events per wall s', value: median.events / (median.wallMs / 1000), unit: 'events/s' },
  ];
}

const suite: Suite = { name: 'sim', tasks, extra: transferRows };
export default suite;
