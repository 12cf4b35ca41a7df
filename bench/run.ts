/**
 * `npm run bench -- SUITE [SUITE…] [--json]`: runs the named suites in
 * bench/suites and prints, per task, the median rate in operations per
 * second and its ratio to the peer it names. `--json` prints
 * `[{ task, hz }]` instead, for tools.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import type { ExtraRow, Suite } from './harness.js';

interface Row {
  readonly task: string;
  readonly hz: number;
  readonly versus?: string;
}

const here = fileURLToPath(new URL('./suites/', import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();

async function runSuite(suite: Suite): Promise<{ rows: Row[]; extra: ExtraRow[] }> {
  const bench = new Bench({ time: suite.timeMs ?? 1000, warmupTime: 200 });
  for (const task of suite.tasks) bench.add(task.name, task.fn, task.beforeEach ? { beforeEach: task.beforeEach } : {});
  await bench.run();
  const rows: Row[] = suite.tasks.map((task, i) => {
    const result = bench.tasks[i].result;
    if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state} ${'error' in result ? String(result.error) : ''}`);
    // The median latency, not the mean: this machine is shared and noisy.
    return { task: task.name, hz: ((task.opsPerCall ?? 1) * 1000) / result.latency.p50, versus: task.versus };
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
  const all: Array<{ task: string; hz: number } | ExtraRow> = [];
  for (const name of names) {
    const suite = ((await import(`./suites/${name}.js`)) as { default: Suite }).default;
    const { rows, extra } = await runSuite(suite);
    if (json) {
      for (const r of rows) all.push({ task: r.task, hz: r.hz });
      all.push(...extra);
      continue;
    }
    console.log(`\n${suite.name}`);
    const byName = new Map(rows.map((r) => [r.task, r.hz]));
    console.table(
      rows.map((r) => ({
        task: r.task,
        'ops/s (median)': format(r.hz),
        'vs peer': r.versus ? `${(r.hz / (byName.get(r.versus) ?? NaN)).toFixed(2)}× ${r.versus}` : '',
      })),
    );
    if (extra.length) console.table(extra.map((e) => ({ task: e.task, value: Number(e.value.toFixed(3)), unit: e.unit })));
  }
  if (json) console.log(JSON.stringify(all));
}

await main();
