/**
 * What a host's IPv4 layer offers the transports above it (UDP, TCP, ICMP
 * users). Addresses are unsigned 32-bit numbers here, as on the wire; the
 * transports build their own headers and checksums and hand the IP layer a
 * payload to route, fragment and send.
 */
export interface IpSendOptions {
  readonly ttl?: number;
  readonly dontFragment?: boolean;
  readonly dscp?: number;
  /** The datagram's id across hops in the capture; a fresh one is taken when absent. */
  readonly packetId?: bigint;
  /** What the capture says about this packet as it leaves. */
  readonly note?: string;
}

export interface IpPacketInfo {
  readonly source: number;
  readonly destination: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly packetId: bigint;
}

/** An ICMP error that concerns a packet this host sent (RFC 1122 §3.2.2: deliver it to the transport). */
export interface IcmpErrorInfo {
  readonly type: number;
  readonly code: number;
  readonly nextHopMtu?: number;
  /** Who sent the error (a router on the path, or the destination). */
  readonly reporter: number;
  /** The quoted packet's addresses and protocol, and its first bytes past the IP header. */
  readonly quotedSource: number;
  readonly quotedDestination: number;
  readonly quotedProtocol: number;
  readonly quotedTransport: Uint8Array;
}

export interface IpLayer {
  /** The local address this host would send from toward `destination`, or undefined if it has no route. */
  sourceFor(destination: number): number | undefined;
  send(destination: number, protocol: number, payload: Uint8Array, options?: IpSendOptions): void;
  /** Receives the payload of every datagram of `protocol` addressed to this host, reassembled. */
  register(protocol: number, handler: (payload: Uint8Array, info: IpPacketInfo) => void): void;
  /** Receives ICMP errors about datagrams of `protocol` that this host sent. */
  registerErrorHandler(protocol: number, handler: (error: IcmpErrorInfo) => void): void;
}
