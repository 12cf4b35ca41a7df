/**
 * A host: the four settings every machine on a network needs (address and
 * subnet per interface, a default gateway, a DNS server) and the stack they
 * drive: ARP and IPv4, ICMP (echo answered, ping offered), UDP sockets and a
 * stub resolver. TCP comes from its own module and is attached with
 * `attachTcp`; the stack only needs it for DNS over TCP.
 */
import type { Frame } from '../sim/frame.js';
import type { Interface } from '../sim/interface.js';
import type { Simulator } from '../sim/simulator.js';
import type { ByteStream } from '../stack/byte-stream.js';
import { DnsResolver, type DnsLookupResult, type DnsResolverOptions } from '../stack/dns-resolver.js';
import { IcmpResponder, type PingOptions, type PingResult } from '../stack/icmp-responder.js';
import { Ipv4Layer, type Ipv4LayerOptions } from '../stack/ipv4-layer.js';
import { UdpService } from '../stack/udp.js';
import { BaseNode, type InterfaceConfig } from './base-node.js';

/** What the host needs of a TCP implementation: open a connection, accept them on a port. */
export interface StreamTransport {
  /** A stream that carries bytes once the connection is open; writes before then wait. Fails with `close(error)`. */
  connect(destination: string, port: number): ByteStream;
  listen(port: number, accept: (stream: ByteStream) => void): void;
}

export interface HostConfig extends Omit<Ipv4LayerOptions, 'gateway'> {
  readonly name: string;
  readonly interfaces: readonly InterfaceConfig[];
  readonly gateway?: string;
  readonly dnsServer?: string;
  readonly dns?: DnsResolverOptions;
}

export class Host extends BaseNode {
  readonly ip: Ipv4Layer;
  readonly icmp: IcmpResponder;
  readonly udp: UdpService;
  readonly resolver: DnsResolver | undefined;
  private tcpTransport: StreamTransport | undefined;
  private readonly tcpListeners: Array<(tcp: StreamTransport) => void> = [];

  constructor(sim: Simulator, config: HostConfig) {
    super(sim, config.name);
    for (const iface of config.interfaces) this.addInterface(iface);
    this.ip = new Ipv4Layer(this, config);
    this.icmp = new IcmpResponder(this, this.ip);
    this.udp = new UdpService(this, this.ip);
    this.resolver = config.dnsServer === undefined ? undefined : new DnsResolver(this, this.udp, config.dnsServer, config.dns, () => this.tcpTransport);
  }

  get tcp(): StreamTransport | undefined {
    return this.tcpTransport;
  }

  /** Plugs in TCP; the resolver then falls back to it for truncated answers, and servers start listening. */
  attachTcp(tcp: StreamTransport): void {
    if (this.tcpTransport) throw new Error(`${this.name} already has TCP attached`);
    this.tcpTransport = tcp;
    for (const listener of this.tcpListeners) listener(tcp);
  }

  /** Runs `action` with TCP once it is attached (now, if it already is). */
  whenTcp(action: (tcp: StreamTransport) => void): void {
    if (this.tcpTransport) action(this.tcpTransport);
    else this.tcpListeners.push(action);
  }

  ping(destination: string, options: PingOptions, done: (result: PingResult) => void): void {
    this.icmp.ping(destination, options, done);
  }

  resolve(name: string, type: string, done: (result: DnsLookupResult) => void): void {
    if (!this.resolver) throw new Error(`${this.name} has no DNS server configured`);
    this.resolver.resolve(name, type, done);
  }

  receive(iface: Interface, frame: Frame): void {
    this.ip.receive(iface, frame.bytes, frame.packetId);
  }

  linkUp(iface: Interface): void {
    this.ip.announce(iface);
  }

  arpTable() {
    return this.ip.arpTable();
  }

  formatArpTable(): string {
    return this.interfaces.map((i) => `${i.label}\n${this.ip.arpCache(i).format(this.sim.now)}`).join('\n\n');
  }

  routeTable() {
    return this.ip.routeTable();
  }

  formatRouteTable(): string {
    return this.ip.formatRouteTable();
  }

  dropCounts(): Record<string, number> {
    return this.drops.toObject();
  }
}
