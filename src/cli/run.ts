/**
 * `wirepath run SCENARIO` and `wirepath scenarios`: run a journey, write its
 * pcapng (and the NSS key log when asked), and print the laptop's output and
 * the story of the run (which ends with its measured summary), only the
 * summary with --quiet, or the event log as JSON lines with --json.
 */
import { writeFileSync } from 'node:fs';
import { collect } from '../../codecs/capture-record.js';
import { type FrameRecorder, recordFrames } from '../narrate/frames.js';
import { narrate } from '../narrate/index.js';
import { type TableSnapshot, snapshotTables } from '../narrate/tables.js';
import { SCENARIOS, findScenario } from '../scenarios/index.js';
import { formatSummary } from '../scenarios/journey-summary.js';

export interface RunArguments {
  readonly scenario: string;
  readonly seed: number;
  readonly pcap: string;
  readonly keylog: string | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly captureAll: boolean;
}

export const RUN_USAGE = 'wirepath run SCENARIO [--seed N] [--pcap FILE] [--keylog FILE] [--json] [--quiet] [--capture-all]';

/** Reads the arguments after `run`; returns a message for anything it cannot take. */
export function parseRunArguments(args: readonly string[]): RunArguments | string {
  let scenario: string | undefined;
  let seed = 1;
  let pcap: string | undefined;
  let keylog: string | undefined;
  let json = false;
  let quiet = false;
  let captureAll = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => (i + 1 < args.length ? args[++i] : undefined);
    if (arg === '--seed') {
      const text = value();
      seed = Number(text);
      if (text === undefined || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return '--seed takes a whole number from 0 to 4294967295';
    } else if (arg === '--pcap') {
      pcap = value();
      if (pcap === undefined) return '--pcap takes a file name';
    } else if (arg === '--keylog') {
      keylog = value();
      if (keylog === undefined) return '--keylog takes a file name';
    } else if (arg === '--json') json = true;
    else if (arg === '--quiet') quiet = true;
    else if (arg === '--capture-all') captureAll = true;
    else if (arg.startsWith('--')) return `unknown option ${arg}`;
    else if (scenario === undefined) scenario = arg;
    else return `unexpected argument ${arg}`;
  }
  if (scenario === undefined) return `run needs a scenario (${SCENARIOS.map((s) => s.name).join(', ')})`;
  if (!findScenario(scenario)) return `no scenario named ${scenario}; try \`wirepath scenarios\``;
  return { scenario, seed, pcap: pcap ?? `${scenario}.pcapng`, keylog, json, quiet, captureAll };
}

/** Runs a scenario and writes its files; `print` gets the text a line at a time. */
export function runScenario(args: RunArguments, print: (text: string) => void): void {
  const scenario = findScenario(args.scenario)!;
  const capture = collect();
  const story = !args.json && !args.quiet;
  let frames: FrameRecorder | undefined;
  let before: TableSnapshot | undefined;
  let after: TableSnapshot | undefined;
  const run = scenario.run({
    seed: args.seed,
    capture: capture.sink,
    captureAll: args.captureAll,
    onBuilt: (network) => {
      if (!story) return;
      frames = recordFrames(network);
      before = snapshotTables(network, network.sim.now);
    },
    onAnswered: (network) => {
      if (story) after = snapshotTables(network, network.sim.now);
    },
  });
  writeFileSync(args.pcap, capture.bytes());
  if (args.keylog !== undefined) writeFileSync(args.keylog, run.keyLog.map((line) => `${line}\n`).join(''));
  if (args.json) {
    for (const event of run.network.sim.log.events) print(JSON.stringify(event, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
    return;
  }
  if (story) {
    print(`$ python describe_instances.py   (seed ${args.seed})`);
    for (const line of run.output) print(line);
    print('');
    for (const line of narrate({ events: run.network.sim.log.events, frames: frames?.frames, before, after })) print(line);
  } else {
    print(formatSummary(run.summary));
  }
  print(`Capture: ${args.pcap} (${run.capture?.packetCount ?? 0} packets; open it with: wireshark ${args.pcap})`);
  if (args.keylog !== undefined) print(`TLS key log: ${args.keylog}`);
}

export function listScenarios(print: (text: string) => void): void {
  for (const s of SCENARIOS) print(`${s.name.padEnd(22)}${s.description}`);
}
