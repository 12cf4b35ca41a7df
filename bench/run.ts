/**
 * `npm run bench -- SUITE [SUITE…] [--json]`: runs the named suites in
 * bench/suites and prints, per task, its rate in operations per second (the
 * median over rounds of each round's median call) and its ratio to the peer
 * it names (the median of the ratios within a round). `--json` prints
 * `[{ task, hz }]` instead, for tools, with `versus` and `ratio` added to a
 * task measured against a peer: the ratio, taken within rounds, is the
 * figure that the machine's changes of speed move least.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import type { ExtraRow, Suite } from './harness.js';

interface Row {
  readonly task: string;
  readonly hz: number;
  readonly versus?: string;
  /** The median over rounds of this task's rate over its peer's in the same round. */
  readonly ratio?: number;
}

const here = fileURLToPath(new URL('./suites/', import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();

/**
 * Every task runs in each of ROUNDS rounds, a fifth of its time at a time,
 * and a ratio is taken within a round: this machine is shared, and a burst
 * of someone else's work that slows one task's only window would otherwise
 * decide its ratio to a peer timed a second later.
 */
const ROUNDS = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function runRound(suite: Suite, round: number): Promise<number[]> {
  const millis = (suite.timeMs ?? 1000) / ROUNDS;
  const bench = new Bench({ time: millis, warmupTime: round === 0 ? 200 : 20 });
  // Odd rounds run the tasks in reverse: a task timed just after its peer
  // in every round would carry whatever that order does to it (the caches
  // the peer left, the machine's drift through the round) into the ratio.
  const order = suite.tasks.map((_, i) => (round % 2 === 0 ? i : suite.tasks.length - 1 - i));
  for (const i of order) {
    const task = suite.tasks[i];
    bench.add(task.name, task.fn, task.beforeEach ? { beforeEach: task.beforeEach } : {});
  }
  // An outside peer runs before and after the suite's own tasks, and its
  // rate for the round is the geometric mean of the two: a change of the
  // machine's speed during the round then weighs on both sides alike.
  const before = suite.outside?.measure(millis);
  await bench.run();
  const rates = suite.tasks.map((task, i) => {
    const result = bench.tasks[order.indexOf(i)].result;
    if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state} ${'error' in result ? String(result.error) : ''}`);
    // The median latency, not the mean: this machine is shared and noisy.
    return ((task.opsPerCall ?? 1) * 1000) / result.latency.p50;
  });
  if (!suite.outside || !before) return rates;
  const after = suite.outside.measure(millis);
  return [...rates, ...after.map((rate, k) => Math.sqrt(rate * before[k]))];
}

async function runSuite(suite: Suite): Promise<{ rows: Row[]; extra: ExtraRow[] }> {
  const rounds: number[][] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await runRound(suite, r));
  const named = [...suite.tasks, ...(suite.outside?.tasks ?? [])];
  const index = new Map(named.map((task, i) => [task.name, i]));
  const rows: Row[] = named.map((task, i) => {
    const peer = task.versus === undefined ? undefined : index.get(task.versus);
    if (task.versus !== undefined && peer === undefined) throw new Error(`${task.name}: no task named ${task.versus}`);
    return {
      task: task.name,
      hz: median(rounds.map((hz) => hz[i])),
      versus: task.versus,
      ratio: peer === undefined ? undefined : median(rounds.map((hz) => hz[i] / hz[peer])),
    };
  });
  return { rows, extra: suite.extra ? await suite.extra() : [] };
}

function format(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const names = args.filter((a) => !a.startsWith('--'));
  if (names.length === 0 || names.some((n) => !available.includes(n))) {
    console.error(`usage: npm run bench -- SUITE [SUITE…] [--json]\nsuites: ${available.join(', ')}`);
    process.exit(2);
  }
  const all: Array<{ task: string; hz: number; versus?: string; ratio?: number } | ExtraRow> = [];
  for (const name of names) {
    const suite = ((await import(`./suites/${name}.js`)) as { default: Suite }).default;
    const { rows, extra } = await runSuite(suite);
    if (json) {
      for (const r of rows) all.push(r.versus === undefined ? { task: r.task, hz: r.hz } : { task: r.task, hz: r.hz, versus: r.versus, ratio: r.ratio });
      all.push(...extra);
      continue;
    }
    console.log(`\n${suite.name}`);
    console.table(
      rows.map((r) => ({
        task: r.task,
        'ops/s (median)': format(r.hz),
        'vs peer': r.versus ? `${r.ratio!.toFixed(2)}× ${r.versus}` : '',
      })),
    );
    if (extra.length) console.table(extra.map((e) => ({ task: e.task, value: Number(e.value.toFixed(3)), unit: e.unit })));
  }
  if (json) console.log(JSON.stringify(all));
}

await main();
