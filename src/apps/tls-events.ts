/**
 * What a TLS endpoint in the emulator reports: every step the TLS engine
 * logs becomes a 'tls' event on the node's event log, with the connection
 * and the side it was seen from.
 */
import type { Simulator } from '../sim/simulator.js';
import type { TlsLog } from '../stack/tls/index.js';

export function tlsEventLog(sim: Simulator, node: string, role: 'client' | 'server', connection: string): TlsLog {
  return (step, details) => sim.log.record(node, 'tls', { step, role, connection, ...details });
}

/** Holds the capture until a TLS client's key log is known; see Capture.hold. */
export type CaptureHold = () => (keyLog?: string) => void;
