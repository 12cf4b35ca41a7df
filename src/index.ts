/**
 * wirepath: the emulator. Devices exchange real frames over links in virtual
 * time; the codecs are at `wirepath/codecs`.
 */
export { Simulator, DEFAULT_START_TIME, type SimulatorOptions, type RunLimits } from './sim/simulator.js';
export { SeededRandom } from './sim/random.js';
export { EventLog, type SimEvent } from './sim/event-log.js';
export { Link, type LinkOptions } from './sim/link.js';
export { Interface, type NetworkNode, parseAssignment } from './sim/interface.js';
export type { Frame } from './sim/frame.js';
export type { ByteStream } from './stack/byte-stream.js';

// The forwarding core on raw bytes, for line-rate use and benchmarks.
export { Fib, parsePrefix, formatPrefix, type FibOptions, type Prefix, type Route } from './forward/fib.js';
export { FrameBatch } from './forward/frame-batch.js';
export { Router, Egress, type RouterOptions, type RouterInterfaceConfig, type RouterCounters } from './forward/router.js';
export { Nat, NatResult, type NatOptions, type NatTableRow, type NatCounters, type NatTimeouts } from './forward/nat.js';
export { ArpCache, type ArpCacheOptions, type ArpEntryRow } from './forward/arp-cache.js';
export { MacTable, type MacTableOptions, type MacTableRow } from './forward/mac-table.js';
export { syntheticTable, loadInto, type SyntheticTable, type SyntheticTableOptions } from './forward/synthetic-table.js';
export { DROP_REASONS, type DropReason } from './forward/drop-counters.js';

// Networks described as data, and the journeys built on them.
export { buildTopology, Topology, TopologyError, Network, type TopologyData } from './nodes/topology.js';
export { SCENARIOS, findScenario, runDescribeInstances, type Scenario, type DescribeInstancesOptions, type DescribeInstancesRun } from './scenarios/index.js';
