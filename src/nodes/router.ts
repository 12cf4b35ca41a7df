/**
 * An IPv4 router in the emulator: the batched forwarding pipeline of
 * src/forward/router.ts given one frame per arrival, with its own routing
 * table (connected routes from its interfaces, static routes on top), an ARP
 * cache that asks for next hops and answers for its own addresses, ICMP echo
 * replies from its own addresses, and the pipeline's ICMP Time Exceeded and
 * Unreachable errors sent back toward the source.
 *
 * Each forwarded packet is logged as a 'route' event with the FIB's own
 * explanation (the prefix that won and those it beat), and its capture note
 * says what was done to it. A datagram keeps its packet id across the
 * router, also when it waited for ARP; what the router originates (ARP,
 * ICMP) gets a fresh one.
 */
import { ipv4ToUint32, macToString, readUint32, uint32ToIpv4 } from '../../codecs/address.js';
import { ArpOpcode } from '../../codecs/arp.js';
import * as ethernet from '../../codecs/ethernet.js';
import { ETHERNET_HEADER_LENGTH, EtherType } from '../../codecs/ethernet.js';
import * as icmp from '../../codecs/icmp.js';
import { DestinationUnreachableCode, IcmpType } from '../../codecs/icmp.js';
import * as ipv4 from '../../codecs/ipv4.js';
import { IpProtocol, Ipv4Offsets } from '../../codecs/ipv4.js';
import { ArpCache, type ArpCacheOptions } from '../forward/arp-cache.js';
import { readArpFrame, replyFor } from '../forward/arp-frames.js';
import { buildArpRequest } from '../forward/arp-request.js';
import { DROP_REASONS } from '../forward/drop-counters.js';
import { formatPrefix, parsePrefix } from '../forward/fib.js';
import type { Nat } from '../forward/nat.js';
import { type RateLimit, TokenBucket } from '../forward/rate-limiter.js';
import { mayAnswerWithError } from '../forward/icmp-errors.js';
import { Egress, Router as Pipeline, type RouterCounters as PipelineCounters } from '../forward/router.js';
import type { Frame } from '../sim/frame.js';
import { Interface, type NetworkNode } from '../sim/interface.js';
import type { Simulator } from '../sim/simulator.js';
import { fragment } from '../stack/fragmentation.js';

export interface RouterInterfaceSpec {
  readonly name: string;
  readonly mac: string;
  /** "192.168.1.1/24" */
  readonly address: string;
}

/** A static route: out of `interface` straight to the destination, or `via` a gateway on a connected subnet. */
export interface RouteSpec {
  readonly prefix: string;
  readonly via?: string;
  readonly interface?: string;
  /** What the narration calls the next hop ("AWS peering point"). */
  readonly name?: string;
}

export interface RouterOptions {
  readonly name: string;
  readonly interfaces: readonly RouterInterfaceSpec[];
  readonly routes?: readonly RouteSpec[];
  readonly arp?: ArpCacheOptions;
  /** ICMP errors at most; default 10 per second, burst 10. */
  readonly icmpRateLimit?: RateLimit;
  /** TTL of the packets the router originates; default 255. */
  readonly ttl?: number;
}

export interface RoutingTableRow {
  readonly prefix: string;
  /** The gateway's address, or null for a connected network. */
  readonly via: string | null;
  readonly interface: string;
  readonly name: string;
  readonly connected: boolean;
}

export interface RouterNodeCounters extends PipelineCounters {
  readonly echoReplies: number;
  readonly arpRequestsSent: number;
  readonly arpRepliesSent: number;
  /** Packets that waited for ARP and were then sent (the pipeline's `queued` counts them waiting). */
  readonly releasedAfterArp: number;
  /** Packets too long for the next link with Don't Fragment set (answered with ICMP when the rate allows). */
  readonly fragmentationNeeded: number;
  readonly fragmentsMade: number;
}

/** The NAT a NatRouter hands the pipeline; plain routers have none. */
export interface NatAttachment {
  readonly nat: Nat;
  readonly outsideInterface: string;
}

const IP = ETHERNET_HEADER_LENGTH;
/** RFC 791: every link carries 68 bytes unfragmented. */
const MIN_LINK_MTU = 68;

export class Router implements NetworkNode {
  readonly name: string;
  readonly interfaces: readonly Interface[];
  readonly arp: ArpCache;
  readonly pipeline: Pipeline;
  protected readonly simulator: Simulator;
  private readonly staticRoutes: RoutingTableRow[] = [];
  private readonly ttl: number;
  /** Frames parked with ARP, to keep their packet ids for when they are released. */
  private readonly parkedIds = new WeakMap<Uint8Array, bigint>();
  private current: Frame | undefined;
  private arpTimer = false;
  private ipId = 0;
  private echoReplies = 0;
  private arpRequestsSent = 0;
  private arpRepliesSent = 0;
  private releasedAfterArp = 0;
  private fragmentationNeeded = 0;
  private fragmentsMade = 0;
  private readonly icmpBucket: TokenBucket;
  private readonly dropsBefore = new Float64Array(DROP_REASONS.length);

  constructor(sim: Simulator, options: RouterOptions, nat?: NatAttachment) {
    this.simulator = sim;
    this.name = options.name;
    this.ttl = options.ttl ?? 255;
    this.icmpBucket = new TokenBucket(options.icmpRateLimit ?? { perSecond: 10, burst: 10 });
    const seen = new Set<string>();
    this.interfaces = options.interfaces.map((spec) => {
      if (seen.has(spec.name)) throw new Error(`router ${options.name}: two interfaces named ${spec.name}`);
      seen.add(spec.name);
      return new Interface(this, spec.name, spec.mac, spec.address);
    });
    const arp = new ArpCache(options.arp);
    this.arp = arp;
    const parkedIds = this.parkedIds;
    const self = this;
    this.pipeline = new Pipeline({
      interfaces: this.interfaces.map((i) => ({ name: i.name, mac: i.mac, address: i.ipv4!.address, prefixLength: i.ipv4!.prefixLength })),
      arp: {
        lookup: (ip, now) => arp.lookup(ip, now),
        enqueue(ip, frame, now) {
          // The frame is the one being routed, unless it is an ICMP error the router made about it.
          const current = self.current;
          if (current && readUint32(frame, IP + Ipv4Offsets.source) === readUint32(current.bytes, IP + Ipv4Offsets.source)) parkedIds.set(frame, current.packetId);
          const verdict = arp.enqueue(ip, frame, now);
          if (verdict === 'queued') self.startArpTimer();
          return verdict;
        },
        needsRequest: (ip, now) => arp.needsRequest(ip, now),
        takePending: (ip) => arp.takePending(ip),
      },
      nat,
      icmpRateLimit: options.icmpRateLimit,
      deliverLocal: (frame, ingress) => this.local(frame, this.interfaces[ingress]),
      transmit: (frame, egress) => this.originate(frame, this.interfaces[egress]),
    });
    for (const route of options.routes ?? []) this.addRoute(route);
  }

  /** Adds a static route; the gateway must sit on one of the router's subnets. */
  addRoute(route: RouteSpec): void {
    const parsed = parsePrefix(route.prefix);
    const prefix = formatPrefix(parsed.network, parsed.length);
    let iface: Interface | undefined;
    if (route.interface !== undefined) {
      iface = this.interfaces.find((i) => i.name === route.interface);
      if (!iface) throw new Error(`router ${this.name}: route ${route.prefix} names unknown interface ${route.interface}`);
    }
    if (route.via !== undefined) {
      const gateway = ipv4ToUint32(route.via);
      const onLink = this.interfaces.filter((i) => i.onSubnet(gateway));
      if (onLink.length === 0) throw new Error(`router ${this.name}: route ${route.prefix} via ${route.via}: the gateway is on none of its subnets`);
      if (iface && !iface.onSubnet(gateway)) throw new Error(`router ${this.name}: route ${route.prefix} via ${route.via}: the gateway is not on ${iface.name}'s subnet`);
      iface ??= onLink[0];
    }
    if (!iface) throw new Error(`router ${this.name}: route ${route.prefix} needs a gateway (via) or an interface`);
    const name = route.name ?? route.via ?? iface.name;
    this.pipeline.addRoute(route.prefix, route.via ?? null, iface.name, name);
    const row: RoutingTableRow = { prefix, via: route.via ?? null, interface: iface.name, name, connected: false };
    const existing = this.staticRoutes.findIndex((r) => r.prefix === row.prefix);
    if (existing >= 0) this.staticRoutes[existing] = row;
    else this.staticRoutes.push(row);
  }

  iface(name: string): Interface {
    const iface = this.interfaces.find((i) => i.name === name);
    if (!iface) throw new Error(`router ${this.name} has no interface ${name}`);
    return iface;
  }

  receive(iface: Interface, frame: Frame): void {
    if (this.handledAsTooBig(iface, frame)) return;
    this.forwardFrame(iface, frame);
  }

  private forwardFrame(iface: Interface, frame: Frame): void {
    const ingress = this.interfaces.indexOf(iface);
    const bytes = frame.bytes;
    const now = this.simulator.now;
    this.dropsBefore.set(this.pipeline.drops.slots);
    this.current = frame;
    const verdict = this.pipeline.forward(bytes, ingress, now);
    this.current = undefined;
    if (verdict >= 0) {
      const note = `${this.name}: ${this.pipeline.describeLast()}`;
      this.logRoute(frame, iface, this.interfaces[verdict].name, 'forwarded');
      this.afterForward(frame);
      this.interfaces[verdict].send(frame, note);
    } else if (verdict === Egress.queued) {
      this.logRoute(frame, iface, undefined, 'waiting for ARP');
      this.afterForward(frame);
    } else if (verdict === Egress.dropped) {
      this.logDrop(frame, iface);
    }
  }

  /**
   * A packet longer than the egress link's MTU is split into fragments, or,
   * with Don't Fragment set, dropped with an ICMP "fragmentation needed"
   * that carries the MTU (RFC 1191), so the sender can find the path MTU.
   * Packets for the router itself and those the pipeline will refuse anyway
   * (not for our MAC, TTL running out, bad header) are left to it.
   */
  private handledAsTooBig(iface: Interface, frame: Frame): boolean {
    const b = frame.bytes;
    if (b.length < IP + 20 || ((b[12] << 8) | b[13]) !== EtherType.ipv4) return false;
    for (let k = 0; k < 6; k++) if (b[k] !== iface.macBytes[k]) return false;
    const totalLength = (b[IP + Ipv4Offsets.totalLength] << 8) | b[IP + Ipv4Offsets.totalLength + 1];
    if (totalLength <= MIN_LINK_MTU || b[IP + Ipv4Offsets.ttl] <= 1 || IP + totalLength > b.length || !ipv4.headerChecksumValid(b, IP)) return false;
    const destination = readUint32(b, IP + Ipv4Offsets.destination);
    if (this.interfaces.some((i) => i.ipv4!.value === destination)) return false;
    const hop = this.pipeline.fib.lookup(destination);
    if (hop < 0) return false;
    const out = this.interfaces[this.pipeline.adjacencies.iface[hop]];
    const mtu = out.link?.mtu;
    if (mtu === undefined || totalLength <= mtu) return false;
    const packet = b.subarray(IP, IP + totalLength);
    const source = uint32ToIpv4(readUint32(b, IP + Ipv4Offsets.source));
    if (b[IP + Ipv4Offsets.flagsFragment] & 0x40) {
      this.fragmentationNeeded++;
      this.simulator.log.record(this.name, 'drop', { packetId: frame.packetId, ingress: iface.name, reason: 'fragmentation-needed', mtu, length: totalLength, egress: out.name });
      if (!mayAnswerWithError(b, IP, (b[IP] & 0x0f) << 2, totalLength) || !this.icmpBucket.take(this.simulator.now)) return true;
      const error = icmp.encode(icmp.destinationUnreachable(packet, DestinationUnreachableCode.fragmentationNeeded, mtu));
      this.sendIp(iface.ipv4!.address, source, IpProtocol.icmp, error, `ICMP fragmentation needed (MTU ${mtu} on ${out.name}) to ${source}`, iface);
      return true;
    }
    const pieces = fragment(packet, mtu);
    this.fragmentsMade += pieces.length;
    this.simulator.log.record(this.name, 'fragment', { packetId: frame.packetId, length: totalLength, mtu, egress: out.name, fragments: pieces.length });
    for (const piece of pieces) {
      const bytes = new Uint8Array(IP + piece.length);
      bytes.set(b.subarray(0, IP));
      bytes.set(piece, IP);
      this.forwardFrame(iface, { bytes, packetId: frame.packetId });
    }
    return true;
  }

  /** Hook for the NAT router: runs after a packet was routed. */
  protected afterForward(_frame: Frame): void {}

  /** The routing table as data: connected networks first, then the static routes, longest prefix first. */
  routes(): RoutingTableRow[] {
    const connected: RoutingTableRow[] = this.interfaces.map((i) => ({
      prefix: `${uint32ToIpv4(i.ipv4!.network)}/${i.ipv4!.prefixLength}`,
      via: null,
      interface: i.name,
      name: `Local (${i.name})`,
      connected: true,
    }));
    const byLength = (a: RoutingTableRow, b: RoutingTableRow) => parsePrefix(b.prefix).length - parsePrefix(a.prefix).length;
    return [...connected.sort(byLength), ...[...this.staticRoutes].sort(byLength)];
  }

  /** The routing table as the seed article prints it: "Network | Next Hop". */
  formatRoutes(): string {
    const rows = this.routes();
    const lines = [`${'Network'.padEnd(20)}|  Next Hop`, `${'-'.repeat(20)}|${'-'.repeat(18)}`];
    for (const r of rows) lines.push(`${r.prefix.padEnd(20)}|  ${r.connected ? r.name : `${r.name}${r.via && r.name !== r.via ? ` (${r.via})` : ''}`}`);
    return lines.join('\n');
  }

  arpTable(nowNs = this.simulator.now) {
    return this.arp.entries(nowNs);
  }

  formatArp(nowNs = this.simulator.now): string {
    return this.arp.format(nowNs);
  }

  counters(): RouterNodeCounters {
    return { ...this.pipeline.counters(), echoReplies: this.echoReplies, arpRequestsSent: this.arpRequestsSent, arpRepliesSent: this.arpRepliesSent, releasedAfterArp: this.releasedAfterArp, fragmentationNeeded: this.fragmentationNeeded, fragmentsMade: this.fragmentsMade };
  }

  /** The 'route' event: the FIB's explanation for the destination, the next hop, TTL and MAC rewrite. */
  private logRoute(frame: Frame, ingress: Interface, egress: string | undefined, outcome: string): void {
    const b = frame.bytes;
    const destination = readUint32(b, IP + Ipv4Offsets.destination);
    const matches = this.pipeline.fib.explain(destination);
    const winner = matches[0];
    const adjacencies = this.pipeline.adjacencies;
    const gateway = adjacencies.gateway[winner.nextHop];
    const ttlAfter = b[IP + Ipv4Offsets.ttl];
    this.simulator.log.record(this.name, 'route', {
      packetId: frame.packetId,
      source: uint32ToIpv4(readUint32(b, IP + Ipv4Offsets.source)),
      destination: uint32ToIpv4(destination),
      prefix: winner.prefix,
      beat: matches.slice(1).map((m) => m.prefix),
      nextHop: gateway === 0 ? uint32ToIpv4(destination) : uint32ToIpv4(gateway),
      // Routes through one gateway share an adjacency; the name is the winning route's own.
      nextHopName: this.staticRoutes.find((r) => r.prefix === winner.prefix)?.name ?? adjacencies.names[winner.nextHop],
      connected: gateway === 0,
      ingress: ingress.name,
      egress: egress ?? this.pipeline.interfaceNames[adjacencies.iface[winner.nextHop]],
      ttlBefore: ttlAfter + 1,
      ttlAfter,
      macSource: macToString(b, 6),
      macDestination: outcome === 'forwarded' ? macToString(b, 0) : null,
      outcome,
      note: this.pipeline.describeLast(),
    });
  }

  private logDrop(frame: Frame, ingress: Interface): void {
    const slots = this.pipeline.drops.slots;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === this.dropsBefore[i]) continue;
      this.simulator.log.record(this.name, 'drop', { packetId: frame.packetId, ingress: ingress.name, reason: DROP_REASONS[i], note: this.pipeline.describeLast() });
      return;
    }
  }

  /** ARP for the router, and IPv4 to one of its addresses. */
  private local(bytes: Uint8Array, iface: Interface): void {
    const etherType = (bytes[12] << 8) | bytes[13];
    if (etherType === EtherType.arp) return this.handleArp(bytes, iface);
    if (etherType !== EtherType.ipv4) return;
    const headerLength = (bytes[IP] & 0x0f) << 2;
    if (bytes[IP + Ipv4Offsets.protocol] !== IpProtocol.icmp || bytes[IP + headerLength] !== IcmpType.echoRequest) return;
    this.answerEcho(bytes, iface);
  }

  private handleArp(bytes: Uint8Array, iface: Interface): void {
    const arp = readArpFrame(bytes);
    if (!arp) return;
    const now = this.simulator.now;
    const own = iface.ipv4!.value;
    const forUs = arp.targetIp === own;
    const known = this.arp.merge(arp.senderIp, arp.senderMac, now);
    if (forUs && !known) this.arp.learn(arp.senderIp, arp.senderMac, now);
    this.simulator.log.record(this.name, 'arp', {
      interface: iface.name,
      opcode: arp.opcode === ArpOpcode.request ? 'request' : 'reply',
      senderIp: uint32ToIpv4(arp.senderIp),
      senderMac: macToString(arp.senderMac, 0),
      targetIp: uint32ToIpv4(arp.targetIp),
      learnt: forUs || known,
    });
    const reply = replyFor(bytes, [{ ip: own, mac: iface.macBytes }]);
    if (reply) {
      this.arpRepliesSent++;
      iface.send({ bytes: reply, packetId: this.simulator.nextPacketId() }, `${this.name}: ARP ${iface.ipv4!.address} is at ${iface.mac}`);
    }
    if (forUs || known) this.pipeline.arpResolved(arp.senderIp, arp.senderMac.slice(), now);
  }

  private answerEcho(request: Uint8Array, iface: Interface): void {
    let decodedIp;
    let decodedIcmp;
    try {
      decodedIp = ipv4.decode(request, IP);
      decodedIcmp = icmp.decode(request, IP + decodedIp.headerLength, decodedIp.payloadLength);
    } catch {
      return;
    }
    if (!decodedIcmp.header.checksumValid) return;
    const echo = icmp.echo(IcmpType.echoReply, decodedIcmp.header.identifier ?? 0, decodedIcmp.header.sequenceNumber ?? 0);
    const body = icmp.encode(echo, decodedIcmp.payload);
    this.echoReplies++;
    // Reply from the address that was pinged, back toward whoever asked.
    this.sendIp(decodedIp.header.destination, decodedIp.header.source, IpProtocol.icmp, body, `ICMP echo reply to ${decodedIp.header.source} (id ${echo.identifier}, seq ${echo.sequenceNumber})`, iface);
  }

  /** Sends a datagram the router itself originates, routed by its own FIB. */
  private sendIp(source: string, destination: string, protocol: number, payload: Uint8Array, what: string, fallback: Interface): void {
    this.ipId = (this.ipId + 1) & 0xffff;
    const packet = ipv4.encode(
      { version: 4, ihl: 5, dscp: 0, ecn: 0, totalLength: 0, identification: this.ipId, reservedFlag: false, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: this.ttl, protocol, checksum: 0, checksumValid: true, source, destination, options: new Uint8Array(0) },
      payload,
    );
    const target = ipv4ToUint32(destination);
    const hop = this.pipeline.fib.lookup(target);
    const adjacencies = this.pipeline.adjacencies;
    const out = hop >= 0 ? this.interfaces[adjacencies.iface[hop]] : fallback;
    const gateway = hop >= 0 ? adjacencies.gateway[hop] : 0;
    const nextHop = gateway !== 0 ? gateway : target;
    const frame = ethernet.encode({ destination: '00:00:00:00:00:00', source: out.mac, etherType: EtherType.ipv4 }, packet);
    const packetId = this.simulator.nextPacketId();
    const now = this.simulator.now;
    const mac = this.arp.lookup(nextHop, now);
    if (mac) {
      frame.set(mac, 0);
      out.send({ bytes: frame, packetId }, `${this.name}: ${what}`);
      return;
    }
    this.parkedIds.set(frame, packetId);
    if (this.arp.enqueue(nextHop, frame, now) === 'queued') this.startArpTimer();
    if (this.arp.needsRequest(nextHop, now)) this.originate(buildArpRequest(out.macBytes, 0, out.ipv4!.value, nextHop), out);
  }

  /** What the pipeline sends on its own: ICMP errors, ARP requests, and frames ARP released. */
  private originate(bytes: Uint8Array, out: Interface): void {
    const parked = this.parkedIds.get(bytes);
    if (parked !== undefined) {
      this.parkedIds.delete(bytes);
      const to = uint32ToIpv4(readUint32(bytes, IP + Ipv4Offsets.destination));
      this.releasedAfterArp++;
      this.simulator.log.record(this.name, 'arp-release', { packetId: parked, destination: to, macDestination: macToString(bytes, 0), egress: out.name });
      out.send({ bytes, packetId: parked }, `${this.name}: ARP resolved ${macToString(bytes, 0)}, sending held packet to ${to} out ${out.name}`);
      return;
    }
    out.send({ bytes, packetId: this.simulator.nextPacketId() }, `${this.name}: ${describeOriginated(bytes)}`);
    if (((bytes[12] << 8) | bytes[13]) === EtherType.arp) this.arpRequestsSent++;
  }

  /** Asks again for addresses still unresolved, and gives up on those out of retries. */
  private startArpTimer(): void {
    if (this.arpTimer) return;
    this.arpTimer = true;
    this.simulator.schedule(this.arp.retransmitNs, () => {
      this.arpTimer = false;
      const now = this.simulator.now;
      const failed = this.arp.expire(now);
      if (failed.length > 0) {
        this.pipeline.drops.count('arp-failed', failed.length);
        for (const frame of failed) {
          this.simulator.log.record(this.name, 'drop', { packetId: this.parkedIds.get(frame), reason: 'arp-failed' });
          this.parkedIds.delete(frame);
        }
      }
      const waiting = this.arp.entries(now).filter((e) => e.state === 'incomplete');
      for (const entry of waiting) {
        const target = ipv4ToUint32(entry.ip);
        const out = this.interfaces.find((i) => i.onSubnet(target));
        if (out && this.arp.needsRequest(target, now)) this.originate(buildArpRequest(out.macBytes, 0, out.ipv4!.value, target), out);
      }
      if (waiting.length > 0) this.startArpTimer();
    });
  }
}

function describeOriginated(bytes: Uint8Array): string {
  const etherType = (bytes[12] << 8) | bytes[13];
  if (etherType === EtherType.arp) {
    const arp = readArpFrame(bytes);
    return arp ? `ARP who-has ${uint32ToIpv4(arp.targetIp)} tell ${uint32ToIpv4(arp.senderIp)}` : 'ARP';
  }
  const headerLength = (bytes[IP] & 0x0f) << 2;
  const destination = uint32ToIpv4(readUint32(bytes, IP + Ipv4Offsets.destination));
  const type = bytes[IP + headerLength];
  const code = bytes[IP + headerLength + 1];
  const quoted = IP + headerLength + 8;
  const about = bytes.length >= quoted + 20 ? ` about ${uint32ToIpv4(readUint32(bytes, quoted + Ipv4Offsets.source))} → ${uint32ToIpv4(readUint32(bytes, quoted + Ipv4Offsets.destination))}` : '';
  if (type === IcmpType.timeExceeded) return `ICMP time exceeded (TTL expired in transit) to ${destination}${about}`;
  if (type === IcmpType.destinationUnreachable) return `ICMP destination unreachable (code ${code}) to ${destination}${about}`;
  return `ICMP type ${type} to ${destination}`;
}
