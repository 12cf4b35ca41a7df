// The part of ip-packet's API the benchmarks use: decode over a compact-encoding style state.
declare module 'ip-packet' {
  export interface State {
    buffer: Uint8Array;
    start: number;
    end: number;
  }
  export interface IpPacket {
    version: number;
    ihl: number;
    dscp: number;
    ecn: number;
    length: number;
    identification: number;
    flags: number;
    fragmentOffset: number;
    ttl: number;
    protocol: number;
    sourceIp: string;
    destinationIp: string;
    checksum: number;
    data: Uint8Array;
  }
  export function decode(state: State): IpPacket;
}
