/**
 * The whole describe_instances journey: the wall time of one full run (the
 * network built, DNS, TCP, both TLS handshakes, SigV4, the load balancer
 * and the API server), and crowds of laptops, each behind its own home
 * router, calling the same endpoint at once: wall time and the memory the
 * run added (rss and V8 heap), so the growth with the number of callers
 * shows. Each figure is the median of three runs (the crowd of a thousand
 * takes a minute or more a run on two cores).
 */
import { runCrowd } from '../../src/scenarios/crowd.js';
import { buildDescribeInstances, runDescribeInstances } from '../../src/scenarios/describe-instances.js';
import type { BenchTask, ExtraRow, Suite } from '../harness.js';

const RUNS = 3;
const CROWDS = [1, 10, 100, 1000];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function journeyRows(): ExtraRow[] {
  const walls: number[] = [];
  const builds: number[] = [];
  const rates: number[] = [];
  let virtualMs = 0;
  for (let i = 0; i < RUNS; i++) {
    const built = performance.now();
    buildDescribeInstances({ seed: i + 1 });
    builds.push(performance.now() - built);
    const start = performance.now();
    const run = runDescribeInstances({ seed: i + 1 });
    const wall = performance.now() - start;
    if (!run.result.ok) throw new Error(`journey ${i + 1} failed: ${run.result.error}`);
    walls.push(wall);
    rates.push(run.network.sim.eventCount / (wall / 1000));
    virtualMs = run.summary.virtualTimeNs / 1e6;
  }
  return [
    { task: 'describe_instances journey (build + run, TLS included): wall time', value: median(walls), unit: 'ms' },
    { task: 'describe_instances journey: building the network alone', value: median(builds), unit: 'ms' },
    { task: 'describe_instances journey: virtual time', value: virtualMs, unit: 'ms' },
    { task: 'describe_instances journey: engine events per wall s (build included)', value: median(rates), unit: 'events/s' },
  ];
}

function crowdRows(): ExtraRow[] {
  const rows: ExtraRow[] = [];
  for (const laptops of CROWDS) {
    const walls: number[] = [];
    const rss: number[] = [];
    const heap: number[] = [];
    let virtualMs = 0;
    let answered = 0;
    for (let i = 0; i < RUNS; i++) {
      gc();
      const before = process.memoryUsage();
      const start = performance.now();
      const run = runCrowd(laptops, i + 1);
      walls.push(performance.now() - start);
      const after = process.memoryUsage();
      rss.push((after.rss - before.rss) / 2 ** 20);
      heap.push((after.heapUsed - before.heapUsed) / 2 ** 20);
      virtualMs = run.virtualTimeNs / 1e6;
      answered = run.results.filter((r) => r.ok).length;
    }
    const label = `${laptops} laptop${laptops === 1 ? '' : 's'} at once`;
    rows.push(
      { task: `${label}: wall time`, value: median(walls), unit: 'ms' },
      { task: `${label}: wall time per laptop`, value: median(walls) / laptops, unit: 'ms' },
      { task: `${label}: virtual time until the last answer`, value: virtualMs, unit: 'ms' },
      { task: `${label}: callers answered (last run)`, value: answered, unit: 'callers' },
      { task: `${label}: rss added`, value: median(rss), unit: 'MiB' },
      { task: `${label}: heap added`, value: median(heap), unit: 'MiB' },
    );
  }
  return rows;
}

export const tasks: BenchTask[] = [];

const suite: Suite = { name: 'journey', tasks, extra: () => [...journeyRows(), ...crowdRows()] };
export default suite;
