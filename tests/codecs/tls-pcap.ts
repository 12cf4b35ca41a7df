/**
 * The TCP payloads of a capture fixture, for the TLS tests: each one with its
 * frame number and ports, found through the transport segments and the TCP
 * codec.
 */
import { concatBytes } from '../../codecs/bytes.js';
import * as tcp from '../../codecs/tcp.js';
import { segmentsOf } from './transport-segments.js';

const TCP = 6;

export interface TcpPayload {
  readonly frame: number;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly payload: Uint8Array;
}

export function tcpPayloads(relative: string): TcpPayload[] {
  return segmentsOf(relative, TCP).map((s) => {
    const { header, payload } = tcp.decode(s.bytes, s.offset, s.length);
    return { frame: s.frame, sourcePort: header.sourcePort, destinationPort: header.destinationPort, payload };
  });
}

/** The bytes one side sent, in order (the capture has no loss or reordering). */
export function streamFrom(payloads: readonly TcpPayload[], sourcePort: number): Uint8Array {
  return concatBytes(payloads.filter((p) => p.sourcePort === sourcePort && p.payload.length > 0).map((p) => p.payload));
}
