/**
 * A host for device tests: the IPv4 layer over ARP, an ICMP echo responder,
 * and probes (ping with a chosen TTL, a UDP datagram) whose answers it keeps.
 */
import { ipv4ToUint32, uint32ToIpv4 } from '../../codecs/address.js';
import * as icmp from '../../codecs/icmp.js';
import { IcmpType } from '../../codecs/icmp.js';
import { IpProtocol } from '../../codecs/ipv4.js';
import * as udp from '../../codecs/udp.js';
import { BaseNode } from '../../src/nodes/base-node.js';
import type { HostFactory, HostSpec } from '../../src/nodes/topology.js';
import type { Frame } from '../../src/sim/frame.js';
import type { Interface } from '../../src/sim/interface.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { Ipv4Layer } from '../../src/stack/ipv4-layer.js';

export interface ReceivedIcmp {
  readonly from: string;
  readonly ttl: number;
  readonly type: number;
  readonly code: number;
  readonly identifier?: number;
  readonly sequenceNumber?: number;
  readonly packetId: bigint;
  readonly nextHopMtu?: number;
  readonly bytes: number;
}

export interface ReceivedUdp {
  readonly from: string;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly payload: string;
}

export class ProbeHost extends BaseNode {
  readonly ip: Ipv4Layer;
  readonly icmp: ReceivedIcmp[] = [];
  readonly udp: ReceivedUdp[] = [];

  constructor(sim: Simulator, spec: HostSpec) {
    super(sim, spec.name);
    for (const i of spec.interfaces) this.addInterface(i);
    this.ip = new Ipv4Layer(this, { gateway: spec.gateway });
    this.ip.register(IpProtocol.icmp, (payload, info) => {
      const { header, payload: data } = icmp.decode(payload);
      this.icmp.push({ from: uint32ToIpv4(info.source), ttl: info.ttl, type: header.type, code: header.code, identifier: header.identifier, sequenceNumber: header.sequenceNumber, packetId: info.packetId, nextHopMtu: header.nextHopMtu, bytes: data.length });
      if (header.type === IcmpType.echoRequest) {
        const reply = icmp.encode(icmp.echo(IcmpType.echoReply, header.identifier ?? 0, header.sequenceNumber ?? 0), data);
        this.ip.send(info.source, IpProtocol.icmp, reply, { note: `${this.name}: ICMP echo reply to ${uint32ToIpv4(info.source)}` });
      }
    });
    this.ip.register(IpProtocol.udp, (payload, info) => {
      const { header, payload: data } = udp.decode(payload);
      this.udp.push({ from: uint32ToIpv4(info.source), sourcePort: header.sourcePort, destinationPort: header.destinationPort, payload: new TextDecoder().decode(data) });
    });
  }

  receive(iface: Interface, frame: Frame): void {
    this.ip.receive(iface, frame.bytes, frame.packetId);
  }

  ping(destination: string, options: { ttl?: number; sequenceNumber?: number; identifier?: number; size?: number; dontFragment?: boolean } = {}): void {
    const data = options.size === undefined ? new TextEncoder().encode('wirepath ping') : new Uint8Array(options.size).map((_, i) => i & 0xff);
    const request = icmp.encode(icmp.echo(IcmpType.echoRequest, options.identifier ?? 0x77, options.sequenceNumber ?? 1), data);
    this.ip.send(ipv4ToUint32(destination), IpProtocol.icmp, request, { ttl: options.ttl, dontFragment: options.dontFragment, note: `${this.name}: ICMP echo request to ${destination}${options.ttl ? ` TTL ${options.ttl}` : ''}` });
  }

  sendUdp(destination: string, sourcePort: number, destinationPort: number, text: string): void {
    const dst = ipv4ToUint32(destination);
    const source = uint32ToIpv4(this.ip.sourceFor(dst)!);
    const datagram = udp.encode({ sourcePort, destinationPort, length: 0, checksum: 0 }, new TextEncoder().encode(text), { pseudoHeader: { source, destination } });
    this.ip.send(dst, IpProtocol.udp, datagram, { note: `${this.name}: UDP ${source}:${sourcePort} → ${destination}:${destinationPort}` });
  }
}

export const probeHosts: HostFactory = (sim, spec) => new ProbeHost(sim, spec);
