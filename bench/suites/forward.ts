/**
 * The forwarding core at line rate: longest-prefix match over a synthetic
 * table with a real table's prefix-length mix (about a million prefixes),
 * and the router pipeline on batches of 256 64-byte Ethernet/IPv4/UDP
 * frames, plain and with source NAT.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ipv4ToUint32, macToBytes, readUint32 } from '../../codecs/address.js';
import { internetChecksum, pseudoHeaderSum } from '../../codecs/checksum.js';
import { writeUint32 } from '../../codecs/transport.js';
import { ArpCache } from '../../src/forward/arp-cache.js';
import { Fib, maskOf } from '../../src/forward/fib.js';
import { FrameBatch } from '../../src/forward/frame-batch.js';
import { Nat, NatResult } from '../../src/forward/nat.js';
import { Router } from '../../src/forward/router.js';
import { loadInto, syntheticTable, type SyntheticTable } from '../../src/forward/synthetic-table.js';
import { SeededRandom } from '../../src/sim/random.js';
import type { BenchTask, ExtraRow, Suite } from '../harness.js';
import { CHECKED_LOOKUPS, forwardPeer } from '../peers/forward-peer.js';
import { ForwardPort } from '../peers/forward-port.js';

const BATCH = 256;
const FRAME = 64;
const HOPS = 8;
const NOW = 1e9;

const random = new SeededRandom(42);
const table = syntheticTable({ seed: 1, nextHops: HOPS });

/** Stored signed, as the router stores the destinations it hands the FIB, so both call it with one array type. */
function randomAddresses(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = random.uint32();
  return out;
}

/** Fixed views over `addresses`, one per batch, made once. */
function batchesOf(addresses: Int32Array): Int32Array[] {
  const out: Int32Array[] = [];
  for (let i = 0; i + BATCH <= addresses.length; i += BATCH) out.push(addresses.subarray(i, i + BATCH));
  return out;
}

// Connected routes take adjacencies 0 and 1; the table's next hops 0..7 become 2..9.
const FIRST_GATEWAY = 2;
const fib = new Fib({ expectedSize: table.count });
fib.load(table.networks, table.lengths, table.nextHops.map((h) => h + FIRST_GATEWAY), table.count);

const interfaces = [
  { name: 'lan', mac: '02:00:00:00:00:01', address: '192.168.1.1', prefixLength: 24 },
  { name: 'wan', mac: '02:00:00:00:00:02', address: '203.0.113.50', prefixLength: 24 },
];

function routerWith(nat?: Nat): Router {
  const arp = new ArpCache();
  const router = new Router({ interfaces, arp, fib, nat: nat && { nat, outsideInterface: 'wan' } });
  for (let h = 0; h < HOPS; h++) {
    const gateway = (0xcb007100 + 1 + h) >>> 0; // 203.0.113.1 + h
    if (router.adjacencies.intern(gateway, 1, `isp-${h + 1}`) !== FIRST_GATEWAY + h) throw new Error('adjacency numbering');
    arp.learn(gateway, macToBytes(`02:00:00:00:01:${(h + 1).toString(16).padStart(2, '0')}`), 0);
  }
  return router;
}

/**
 * A random address off the router's own subnets: one on them would wait for
 * ARP instead of going to a gateway, and the tasks time forwarding.
 */
function remoteAddress(): number {
  for (;;) {
    const address = random.uint32();
    const on24 = address >>> 8;
    if (on24 !== 0xc0a801 && on24 !== 0xcb0071) return address;
  }
}

/** `flows` frames, 64 bytes each, from distinct inside (address, port) pairs to random destinations. */
function udpFrames(flows: number): Uint8Array {
  const buf = new Uint8Array(flows * FRAME);
  const lanMac = macToBytes(interfaces[0].mac);
  for (let f = 0; f < flows; f++) {
    const o = f * FRAME;
    buf.set(lanMac, o);
    buf.set([0x02, 0, 0, 0, 0x10, 0x01, 0x08, 0x00], o + 6);
    const ip = o + 14;
    buf.set([0x45, 0, 0, 50, (f >>> 8) & 0xff, f & 0xff, 0x40, 0, 255, 17], ip);
    const source = (0xc0a80100 | (2 + (f % 250))) >>> 0; // 192.168.1.2..251
    const destination = remoteAddress();
    writeUint32(buf, ip + 12, source);
    writeUint32(buf, ip + 16, destination);
    const checksum = internetChecksum(buf, ip, ip + 20);
    buf[ip + 10] = checksum >>> 8;
    buf[ip + 11] = checksum & 0xff;
    const udp = ip + 20;
    const port = 1024 + Math.floor(f / 250);
    buf.set([port >>> 8, port & 0xff, 0x01, 0xbb, 0, 30], udp);
    const sum = internetChecksum(buf, udp, udp + 30, pseudoHeaderSum(buf, ip + 12, ip + 16, 17, 30));
    buf[udp + 6] = (sum || 0xffff) >>> 8;
    buf[udp + 7] = (sum || 0xffff) & 0xff;
  }
  return buf;
}

/** The first BATCH frames of `buf`, at 64-byte strides, as one batch. */
function batchOver(buf: Uint8Array): FrameBatch {
  const offsets = Int32Array.from({ length: BATCH }, (_, i) => i * FRAME);
  return new FrameBatch(buf, offsets, new Int32Array(BATCH).fill(FRAME));
}

const randomLookups = randomAddresses(1 << 20);
const randomBatches = batchesOf(randomLookups);
const hotLookups = randomAddresses(1024);
const hotBatches = batchesOf(hotLookups);
const lookupOut = new Int32Array(BATCH);
let next = 0;
/**
 * Lookup tasks run this many batches a call: a batch of 256 hot lookups
 * takes about a microsecond, of which the timer's own cost around a call
 * would otherwise be a tenth or more.
 */
const LOOKUP_BATCHES_PER_CALL = 16;

/**
 * The memory floor: one read per address from a 2^24-entry Int32Array
 * (64 MiB, as large as the FIB's first level) at the address's top 24 bits,
 * four addresses a round as the FIB reads them. No longest-prefix match can
 * beat it; it tells how much of a random lookup is the machine's cache and
 * TLB misses.
 */
const floorTable = Int32Array.from({ length: 1 << 24 }, (_, i) => i); // every page different: identical pages may share memory under a hypervisor
function floorReads(addresses: Int32Array, out: Int32Array): void {
  for (let i = 0; i < BATCH; i += 4) {
    const e0 = floorTable[addresses[i] >>> 8];
    const e1 = floorTable[addresses[i + 1] >>> 8];
    const e2 = floorTable[addresses[i + 2] >>> 8];
    const e3 = floorTable[addresses[i + 3] >>> 8];
    out[i] = e0;
    out[i + 1] = e1;
    out[i + 2] = e2;
    out[i + 3] = e3;
  }
}

/** The peer: one Map per prefix length keyed by the masked address, probed longest first. */
const perLength: Array<Map<number, number>> = Array.from({ length: 33 }, () => new Map());
for (let i = 0; i < table.count; i++) perLength[table.lengths[i]].set(table.networks[i], table.nextHops[i]);
const masks = Array.from({ length: 33 }, (_, l) => maskOf(l));
function mapLookup(address: number): number {
  for (let l = 32; l >= 0; l--) {
    const hop = perLength[l].get((address & masks[l]) >>> 0);
    if (hop !== undefined) return hop;
  }
  return -1;
}

const egress = new Int32Array(BATCH);

/**
 * `flows` frames cut into batches that are copied, one per call and in turn,
 * into a work buffer whose frames the task forwards: NAT rewrites in place,
 * so each call must start from the pristine bytes. The copy is the task's
 * untimed setup.
 */
function pristineBatches(flows: number): { batch: FrameBatch; restore: () => void; first: Uint8Array } {
  const pristine = udpFrames(flows);
  const batches: Uint8Array[] = [];
  for (let at = 0; at + BATCH * FRAME <= pristine.length; at += BATCH * FRAME) batches.push(pristine.subarray(at, at + BATCH * FRAME));
  const work = new Uint8Array(BATCH * FRAME);
  let b = 0;
  return {
    batch: batchOver(work),
    first: batches[0],
    restore: () => {
      work.set(batches[b]);
      b = b + 1 === batches.length ? 0 : b + 1;
    },
  };
}

/**
 * NAT rewrites sources in place, so each call starts from a pristine copy of
 * its batch. Without NAT the same frames and destinations go out the same
 * way: the peer that tells what the NAT adds.
 */
function flowsTask(name: string, flows: number, withNat: boolean, versus?: string): BenchTask & { router: Router; first: Uint8Array } {
  const router = routerWith(withNat ? new Nat({ outsideAddress: '203.0.113.50', capacity: 131072 }) : undefined);
  const { batch, restore, first } = pristineBatches(flows);
  return {
    router,
    first,
    name,
    opsPerCall: BATCH,
    versus,
    beforeEach: restore,
    fn: () => {
      if (router.forwardBatch(batch, 0, NOW, egress) !== BATCH) throw new Error(`${name}: ${JSON.stringify(router.counters())}`);
    },
  };
}

/** Nat.outbound alone on the same frames, without the router around it: what the translation costs by itself. */
function natOutboundTask(name: string, flows: number): BenchTask {
  const nat = new Nat({ outsideAddress: '203.0.113.50', capacity: 131072 });
  const { batch, restore } = pristineBatches(flows);
  const { bytes, offsets } = batch;
  return {
    name,
    opsPerCall: BATCH,
    beforeEach: restore,
    fn: () => {
      for (let i = 0; i < BATCH; i++) if (nat.outbound(bytes, offsets[i] + 14, NOW) !== NatResult.translated) throw new Error(`${name}: ${JSON.stringify(nat.counters())}`);
    },
  };
}

/** Nat.outboundBatch on the same frames: the batch against the packet at a time. */
function natOutboundBatchTask(name: string, flows: number, versus: string): BenchTask {
  const nat = new Nat({ outsideAddress: '203.0.113.50', capacity: 131072 });
  const { batch, restore } = pristineBatches(flows);
  const ipOffsets = batch.offsets.map((o) => o + 14);
  const results = new Int32Array(BATCH);
  return {
    name,
    opsPerCall: BATCH,
    versus,
    beforeEach: restore,
    fn: () => {
      nat.outboundBatch(batch, ipOffsets, 0, BATCH, NOW, results);
      for (let i = 0; i < BATCH; i++) if (results[i] !== NatResult.translated) throw new Error(`${name}: ${JSON.stringify(nat.counters())}`);
    },
  };
}

// Plain forwarding: one batch's worth of flows, so every destination stays in the cache.
const plain = flowsTask('forward lpm+ttl+csum+mac', BATCH, false);

const lanMac = macToBytes(interfaces[0].mac);
/** What the peers need of the plain router's ingress interface and addresses. */
const lanIdentity = {
  macHigh: readUint32(lanMac, 0) | 0,
  macLow: (lanMac[4] << 8) | lanMac[5],
  ownAddresses: Int32Array.from(interfaces, (i) => ipv4ToUint32(i.address) | 0),
};
/** What the plain router makes of its frames, once, for the peers to match before they are timed. */
const plainReference = (() => {
  const forwarded = plain.first.slice();
  const verdicts = new Int32Array(BATCH);
  plain.router.forwardBatch(batchOver(forwarded), 0, NOW, verdicts);
  return { forwarded, verdicts };
})();

/** The C peer's loop in TypeScript, on the plain task's frames, FIB and adjacencies. */
function portTask(): BenchTask {
  const port = new ForwardPort({
    fib,
    adjacencies: plain.router.adjacencies,
    ...lanIdentity,
    natAddress: 0,
  });
  const work = new Uint8Array(plain.first.length);
  const batch = batchOver(work);
  work.set(plain.first);
  port.forward(batch, egress);
  if (!sameBytes(work, plainReference.forwarded) || !sameBytes(egress, plainReference.verdicts)) throw new Error('the TypeScript port of the C loop differs from the router');
  return {
    name: 'forward lpm+ttl+csum+mac (TypeScript port of the C loop)',
    opsPerCall: BATCH,
    versus: 'forward lpm+ttl+csum+mac',
    beforeEach: () => work.set(plain.first),
    fn: () => {
      if (port.forward(batch, egress) !== BATCH) throw new Error('the TypeScript port of the C loop dropped frames');
    },
  };
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

export const tasks: BenchTask[] = [
  {
    name: 'lpm random 1M',
    opsPerCall: BATCH * LOOKUP_BATCHES_PER_CALL,
    versus: 'lpm random 1M (Map per length)',
    fn: () => {
      for (let k = 0; k < LOOKUP_BATCHES_PER_CALL; k++) {
        fib.lookupBatch(randomBatches[next], lookupOut, BATCH);
        next = (next + 1) & (randomBatches.length - 1);
      }
    },
  },
  {
    name: 'random reads of a 64 MiB table (memory floor)',
    opsPerCall: BATCH * LOOKUP_BATCHES_PER_CALL,
    versus: 'lpm random 1M',
    fn: () => {
      for (let k = 0; k < LOOKUP_BATCHES_PER_CALL; k++) {
        floorReads(randomBatches[next], lookupOut);
        next = (next + 1) & (randomBatches.length - 1);
      }
    },
  },
  {
    name: 'lpm random 1M (Map per length)',
    opsPerCall: BATCH,
    fn: () => {
      const batch = randomBatches[next];
      for (let i = 0; i < BATCH; i++) lookupOut[i] = mapLookup(batch[i]);
      next = (next + 1) & (randomBatches.length - 1);
    },
  },
  {
    name: 'lpm hot 1k',
    opsPerCall: BATCH * LOOKUP_BATCHES_PER_CALL,
    fn: () => {
      for (let k = 0; k < LOOKUP_BATCHES_PER_CALL; k++) fib.lookupBatch(hotBatches[k & 3], lookupOut, BATCH);
    },
  },
  plain,
  portTask(),
  flowsTask('forward snat 4k flows', 4096, true, 'forward 4k flows, no NAT'),
  flowsTask('forward 4k flows, no NAT', 4096, false),
  flowsTask('forward snat 64k flows', 64000, true, 'forward 64k flows, no NAT'),
  flowsTask('forward 64k flows, no NAT', 64000, false),
  natOutboundTask('nat outbound 4k flows', 4096),
  natOutboundTask('nat outbound 64k flows', 64000),
  natOutboundBatchTask('nat outboundBatch 4k flows', 4096, 'nat outbound 4k flows'),
  natOutboundBatchTask('nat outboundBatch 64k flows', 64000, 'nat outbound 64k flows'),
];

/**
 * A full collection, so that memory deltas count what the FIB holds and not
 * garbage that happened to be collected, or not yet, around the build.
 */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function buildRows(built: SyntheticTable): ExtraRow[] {
  collectGarbage();
  const before = process.memoryUsage();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const fresh = new Fib({ expectedSize: built.count });
  loadInto(fresh, built);
  const ms = performance.now() - start;
  // Wall time on a shared machine counts other processes' turns too.
  const cpu = process.cpuUsage(cpuStart);
  collectGarbage();
  const after = process.memoryUsage();
  const mib = (after.arrayBuffers - before.arrayBuffers + after.heapUsed - before.heapUsed) / 2 ** 20;
  return [
    { task: `fib build ${built.count} prefixes`, value: ms, unit: 'ms' },
    { task: `fib build ${built.count} prefixes, CPU time`, value: (cpu.user + cpu.system) / 1e3, unit: 'ms' },
    { task: `fib memory ${fresh.size} prefixes (arrayBuffers + heap)`, value: mib, unit: 'MiB' },
    { task: 'fib memory of its typed arrays', value: fresh.byteLength / 2 ** 20, unit: 'MiB' },
  ];
}

/** A home or edge router's table: a default route, private and documentation networks, one /25. */
const SMALL_ROUTES = [
  '0.0.0.0/0',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '192.168.1.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '52.94.0.0/16',
  '52.94.133.128/25',
].map((text, nextHop) => ({ text, nextHop }));
const SMALL_FIBS = 1000;

/** As many small tables as a crowd has home routers, so that the per-table figures rise above the noise. */
function smallRows(): ExtraRow[] {
  const held: Fib[] = [];
  collectGarbage();
  const before = process.memoryUsage();
  const start = performance.now();
  for (let n = 0; n < SMALL_FIBS; n++) {
    const small = new Fib();
    for (const { text, nextHop } of SMALL_ROUTES) small.insert(text, nextHop);
    held.push(small);
  }
  const ms = performance.now() - start;
  collectGarbage();
  const after = process.memoryUsage();
  const bytes = after.arrayBuffers - before.arrayBuffers + after.heapUsed - before.heapUsed;
  return [
    { task: `small fib: build of a ${SMALL_ROUTES.length}-route table (mean of ${held.length})`, value: ms / held.length, unit: 'ms' },
    { task: `small fib: memory of a ${SMALL_ROUTES.length}-route table (arrayBuffers + heap)`, value: bytes / held.length / 2 ** 10, unit: 'KiB' },
    { task: 'small fib: memory of its typed arrays', value: held[0].byteLength / 2 ** 10, unit: 'KiB' },
  ];
}

/** The same lookups and the same forwarding in C, over the plain task's tables, router and frames. */
const outside = forwardPeer(() => {
  const tables = fib.flatTables();
  if (!tables) throw new Error('the 1M-prefix FIB is not flat');
  const hops = new Int32Array(CHECKED_LOOKUPS + hotLookups.length);
  fib.lookupBatch(randomLookups, hops, CHECKED_LOOKUPS);
  fib.lookupBatch(hotLookups, hops.subarray(CHECKED_LOOKUPS), hotLookups.length);
  return {
    hops,
    ...plainReference,
    firstLevel: tables.firstLevel,
    secondLevel: tables.secondLevel,
    randomAddresses: randomLookups,
    hotAddresses: hotLookups,
    ...lanIdentity,
    adjacencies: plain.router.adjacencies,
    frames: plain.first,
  };
});

const suite: Suite = { name: 'forward', tasks, outside, extra: () => [...buildRows(table), ...smallRows()] };
export default suite;
