/**
 * The forwarding suite's peer in C (forward-peer.c beside this file's
 * source): compiled with the machine's C compiler when the suite loads, and
 * run once a round over the very tables and frames the TypeScript tasks use.
 * Without a compiler the suite runs without it and says so.
 *
 * The input file is int32 words in the machine's byte order: a header (see
 * HEADER below), then the router's own addresses, the FIB's first and second
 * levels, the random and the hot addresses, the adjacencies' interfaces,
 * gateways and Ethernet words, and last one batch of frames as bytes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutsidePeer } from '../harness.js';

const SOURCE = fileURLToPath(new URL('../../../bench/peers/forward-peer.c', import.meta.url));
const MAGIC = 0x77706670;

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
  /** The next hops of randomAddresses' first CHECKED_LOOKUPS, and the frames as the router forwards them: the peer must match both. */
  readonly lookups: Int32Array;
  readonly forwarded: Uint8Array;
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
 * `input` is called at the first round, once the TypeScript tasks have run
 * and the router has resolved its gateways.
 */
export function forwardPeer(input: () => ForwardPeerInput): OutsidePeer | undefined {
  const source = readFileSync(SOURCE);
  const dir = join(tmpdir(), `wirepath-forward-peer-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  const program = join(dir, 'forward-peer');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(program)) {
    // Built under another name and renamed, so that two runs at once never run a half-written program.
    const building = `${program}.${process.pid}`;
    const built = spawnSync('cc', ['-O2', '-o', building, SOURCE], { encoding: 'utf8' });
    if (built.error || built.status !== 0) {
      console.error(`forward suite: no C peer (cc: ${built.error?.message ?? built.stderr.trim()})`);
      return undefined;
    }
    renameSync(building, program);
  }
  // The input holds the whole FIB (over 100 MiB): it goes when the run ends.
  const inputDir = mkdtempSync(join(tmpdir(), 'wirepath-forward-peer-input-'));
  process.on('exit', () => rmSync(inputDir, { recursive: true, force: true }));
  const inputFile = join(inputDir, 'input.bin');
  let written = false;
  return {
    tasks: PEER_TASKS,
    measure(millisPerTask: number): number[] {
      if (!written) {
        writeFileSync(inputFile, encode(input(), millisPerTask));
        written = true;
      }
      const run = spawnSync(program, [inputFile], { encoding: 'utf8' });
      if (run.error || run.status !== 0) throw new Error(`forward C peer: ${run.error?.message ?? run.stderr.trim()}`);
      const rates = JSON.parse(run.stdout) as { lpmRandom: number; lpmHot: number; forward: number };
      return [rates.lpmRandom, rates.lpmHot, rates.forward];
    },
  };
}

function encode(p: ForwardPeerInput, millisPerTask: number): Buffer {
  const n = p.adjacencies.size;
  // The header, in forward-peer.c's order.
  const header = [
    MAGIC,
    p.firstLevel.length,
    p.secondLevel.length,
    p.randomAddresses.length,
    p.hotAddresses.length,
    n,
    p.macHigh,
    p.macLow,
    0, // the plain router's NAT address: none
    ownBits(p.ownAddresses),
    p.ownAddresses.length,
    Math.round(millisPerTask),
    fold(p.lookups),
    fold(p.forwarded),
  ];
  const words = [
    Int32Array.from(header),
    p.ownAddresses,
    p.firstLevel,
    p.secondLevel,
    p.randomAddresses,
    p.hotAddresses,
    p.adjacencies.iface.subarray(0, n),
    new Int32Array(p.adjacencies.gateway.buffer, p.adjacencies.gateway.byteOffset, n),
    p.adjacencies.ethernet.subarray(0, n * 3),
  ];
  return Buffer.concat([...words.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength)), Buffer.from(p.frames)]);
}

/** FNV-1a over the values, as forward-peer.c folds its own results. */
function fold(values: ArrayLike<number>): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < values.length; i++) h = Math.imul(h ^ values[i], 16777619);
  return h;
}

/** Bit (a & 31) of every address a the router takes for itself, the limited broadcast included, as the router keeps them. */
function ownBits(own: Int32Array): number {
  let bits = 1 << 31;
  for (const a of own) bits |= 1 << (a & 31);
  return bits;
}
