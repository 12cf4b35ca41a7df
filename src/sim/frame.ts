/**
 * A frame in flight: its bytes, and the id of the datagram it carries. The id
 * is given when a node originates the datagram and kept by every device that
 * forwards it, NAT included, so one datagram can be followed across hops in
 * the capture (epb_packetid).
 */
export interface Frame {
  readonly bytes: Uint8Array;
  readonly packetId: bigint;
}
