/**
 * The forwarding suite's peer in C (forward-peer.c beside this file's
 * source): compiled with the machine's C compiler when the suite loads, and
 * run before and after the TypeScript tasks of each round, over the very
 * tables and frames they use. Without a compiler the suite runs without it and says so.
 *
 * The input file is int32 words in the machine's byte order: a header (see
 * write() below), then the router's own addresses, the FIB's first and
 * second levels, the random and the hot addresses, the adjacencies'
 * interfaces, gateways and Ethernet words, and last one batch of frames as
 * bytes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutsidePeer } from '../harness.js';
import { ownAddressBits } from './forward-port.js';

const SOURCE = fileURLToPath(new URL('../../../bench/peers/forward-peer.c', import.meta.url));
const COMPILE = ['cc', '-O2'];
const MAGIC = 0x77706670;
/** Far more than a round takes (under a second): a peer that hangs fails the run instead. */
const TIMEOUT_MS = 60_000;

export interface ForwardPeerInput {
  readonly firstLevel: Int32Array;
  readonly secondLevel: Int32Array;
  readonly randomAddresses: Int32Array;
  readonly hotAddresses: Int32Array;
  /** The receiving interface's MAC as its first four bytes and its last two, as the router compares them. */
  readonly macHigh: number;
  readonly macLow: number;
  /** The router's own addresses (int32), which it does not forward. */
  readonly ownAddresses: Int32Array;
  readonly adjacencies: { readonly iface: Int32Array; readonly gateway: Uint32Array; readonly ethernet: Int32Array; readonly size: number };
  /** One batch of 256 pristine 64-byte frames. */
  readonly frames: Uint8Array;
  /**
   * What the peer must match before it reports: the next hops of the first
   * CHECKED_LOOKUPS random addresses and then of every hot one, and the
   * frames as the router forwarded them with its verdicts.
   */
  readonly hops: Int32Array;
  readonly forwarded: Uint8Array;
  readonly verdicts: Int32Array;
}

/** How many of the random addresses' lookups the peer checks, as forward-peer.c has it. */
export const CHECKED_LOOKUPS = 64 * 256;

/** The peer's three tasks, each measured against its TypeScript twin. */
const PEER_TASKS = [
  { name: 'lpm random 1M (C, same tables)', versus: 'lpm random 1M' },
  { name: 'lpm hot 1k (C, same tables)', versus: 'lpm hot 1k' },
  { name: 'forward lpm+ttl+csum+mac (C, same frames)', versus: 'forward lpm+ttl+csum+mac' },
];

/**
 * The peer, or undefined (with a line on stderr) when it cannot be built.
 * `input` is called at the first round, after the plain router has
 * forwarded the check batch and so resolved the gateways whose MACs the
 * peer writes.
 */
export function forwardPeer(input: () => ForwardPeerInput): OutsidePeer | undefined {
  const program = build();
  if (program === undefined) return undefined;
  // The input holds the whole FIB (over 100 MiB): it goes when the run ends, however it ends.
  const inputDir = mkdtempSync(join(tmpdir(), 'wirepath-forward-peer-'));
  const inputFile = join(inputDir, 'input.bin');
  const removeInput = () => rmSync(inputDir, { recursive: true, force: true });
  process.on('exit', removeInput);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      removeInput();
      process.exit(code);
    });
  }
  let written = false;
  return {
    tasks: PEER_TASKS,
    measure(millisPerTask: number): number[] {
      if (!written) {
        write(inputFile, input(), millisPerTask);
        written = true;
      }
      const run = spawnSync(program, [inputFile], { encoding: 'utf8', timeout: TIMEOUT_MS });
      if (run.error || run.status !== 0) throw new Error(`forward C peer: ${run.error?.message ?? run.stderr.trim()}`);
      const rates = JSON.parse(run.stdout) as { lpmRandom: number; lpmHot: number; forward: number };
      return [rates.lpmRandom, rates.lpmHot, rates.forward];
    },
  };
}

/**
 * The compiled peer, beside this module in the build output and named by a
 * hash of its source and compiler command, so that an edit rebuilds it;
 * undefined when there is no compiler or it fails.
 */
function build(): string | undefined {
  const hash = createHash('sha256').update(COMPILE.join(' ')).update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const program = fileURLToPath(new URL(`./forward-peer-${hash}`, import.meta.url));
  if (existsSync(program)) return program;
  // Built under another name and renamed, so that two runs at once never run a half-written program.
  const building = `${program}.${process.pid}`;
  const built = spawnSync(COMPILE[0], [...COMPILE.slice(1), '-o', building, SOURCE], { encoding: 'utf8', timeout: TIMEOUT_MS });
  if (built.error || built.status !== 0) {
    console.error(`forward suite: no C peer (${COMPILE[0]}: ${built.error?.message ?? built.stderr.trim()})`);
    return undefined;
  }
  renameSync(building, program);
  return program;
}

/** The input file, part by part: one copy of the FIB in this process is enough. */
function write(file: string, p: ForwardPeerInput, millisPerTask: number): void {
  const n = p.adjacencies.size;
  // The header, in forward-peer.c's order.
  const header = Int32Array.from([
    MAGIC,
    p.firstLevel.length,
    p.secondLevel.length,
    p.randomAddresses.length,
    p.hotAddresses.length,
    n,
    p.macHigh,
    p.macLow,
    0, // the plain router's NAT address: none
    ownAddressBits(p.ownAddresses),
    p.ownAddresses.length,
    Math.round(millisPerTask),
    fold(p.hops),
    fold(p.verdicts, fold(p.forwarded)),
  ]);
  const parts: ArrayBufferView[] = [
    header,
    p.ownAddresses,
    p.firstLevel,
    p.secondLevel,
    p.randomAddresses,
    p.hotAddresses,
    p.adjacencies.iface.subarray(0, n),
    new Int32Array(p.adjacencies.gateway.buffer, p.adjacencies.gateway.byteOffset, n),
    p.adjacencies.ethernet.subarray(0, n * 3),
    p.frames,
  ];
  const fd = openSync(file, 'w');
  try {
    for (const part of parts) {
      const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    }
  } finally {
    closeSync(fd);
  }
}

/** FNV-1a over the values, from `h`, as forward-peer.c folds its own results. */
function fold(values: ArrayLike<number>, h = 0x811c9dc5 | 0): number {
  for (let i = 0; i < values.length; i++) h = Math.imul(h ^ values[i], 16777619);
  return h;
}
