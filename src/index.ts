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
