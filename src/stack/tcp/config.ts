/**
 * The stack's tunables and the choices behind their defaults.
 *
 * - MSS 1460: an Ethernet MTU of 1500 less 40 bytes of IPv4 and TCP headers.
 * - Receive buffer 256 KiB with window scale 7, so the advertised window can
 *   exceed 64 KiB the way a modern client's does.
 * - Nagle off (noDelay true): the traffic here is request and response
 *   (TLS records, one HTTP request), where Nagle only adds a round trip.
 * - Delayed ACK: every second full segment, or after 40 ms (Linux's floor).
 * - MSL 30 s, so TIME-WAIT lasts 60 s, as on Linux.
 * - Retries: 6 for a SYN (Linux's tcp_syn_retries), 8 for data.
 * - A full listen backlog drops the SYN, as Linux does: the client retries
 *   and may get in once the application accepts.
 */
export interface TcpConfig {
  readonly mss: number;
  readonly receiveBuffer: number;
  readonly windowScale: number;
  readonly sack: boolean;
  readonly timestamps: boolean;
  readonly noDelay: boolean;
  readonly delayedAckNs: number;
  readonly mslNs: number;
  readonly maxSynRetries: number;
  readonly maxRetries: number;
}

export const DEFAULT_TCP_CONFIG: TcpConfig = {
  mss: 1460,
  receiveBuffer: 256 * 1024,
  windowScale: 7,
  sack: true,
  timestamps: true,
  noDelay: true,
  delayedAckNs: 40_000_000,
  mslNs: 30_000_000_000,
  maxSynRetries: 6,
  maxRetries: 8,
};

export const DEFAULT_BACKLOG = 128;
export const EPHEMERAL_PORT_FIRST = 32768;
export const EPHEMERAL_PORT_LAST = 60999;
