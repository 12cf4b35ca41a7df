/**
 * A host's side of ARP (RFC 826), one cache per interface: looks up the next
 * hop for outgoing frames and sends them, or parks them in the cache's
 * bounded queue and asks; asks again every retransmit interval until the
 * cache's retries are spent, then hands the parked frames back as given up;
 * answers requests for our address; learns from replies and from requests
 * aimed at us, and releases parked frames in the order they were sent; and
 * announces the interface with a gratuitous ARP when its link comes up.
 */
import { macToString, uint32ToIpv4 } from '../../codecs/address.js';
import { ArpOpcode } from '../../codecs/arp.js';
import { ArpCache, type ArpCacheOptions, type ArpEntryRow } from '../forward/arp-cache.js';
import { arpReply, arpRequest, gratuitousArp, readArpFrame } from '../forward/arp-frames.js';
import type { BaseNode } from '../nodes/base-node.js';
import type { ScheduledEvent } from '../sim/event-queue.js';
import type { Interface } from '../sim/interface.js';

export type ArpTableRow = ArpEntryRow & { readonly interface: string };

interface ParkedFrame {
  readonly packetId: bigint;
  readonly note: string;
}

/** Writes the destination MAC into each frame and sends it, with its capture note. */
export function sendFrames(iface: Interface, frames: readonly Uint8Array[], destinationMac: Uint8Array, packetId: bigint, notes: readonly string[]): void {
  for (let i = 0; i < frames.length; i++) {
    frames[i].set(destinationMac.subarray(0, 6), 0);
    iface.send({ bytes: frames[i], packetId }, notes[i]);
  }
}

export class ArpResolver {
  private readonly caches = new Map<Interface, ArpCache>();
  /** Addresses with a request out (by interface): requests sent, and the timer for the next. */
  private readonly resolving = new Map<string, { sent: number; timer: ScheduledEvent }>();
  private readonly parked = new WeakMap<Uint8Array, ParkedFrame>();

  constructor(
    private readonly node: BaseNode,
    private readonly options: ArpCacheOptions,
    /** A frame that waited in vain, with its datagram's packet id. */
    private readonly givenUp: (frame: Uint8Array, packetId: bigint | undefined) => void,
  ) {}

  private get sim() {
    return this.node.sim;
  }

  /** The cache of an interface, made on first use. */
  cache(iface: Interface): ArpCache {
    let cache = this.caches.get(iface);
    if (!cache) {
      cache = new ArpCache(this.options);
      this.caches.set(iface, cache);
    }
    return cache;
  }

  table(interfaces: readonly Interface[]): ArpTableRow[] {
    const rows: ArpTableRow[] = [];
    for (const iface of interfaces) for (const row of this.cache(iface).entries(this.sim.now)) rows.push({ ...row, interface: iface.name });
    return rows;
  }

  /** Sends the frames of one datagram to `nextHop`: now when its MAC is known, else once ARP finds it. */
  send(iface: Interface, nextHop: number, frames: readonly Uint8Array[], packetId: bigint, notes: readonly string[]): void {
    const cache = this.cache(iface);
    const mac = cache.lookup(nextHop, this.sim.now);
    this.sim.log.record(this.node.name, 'arp-lookup', mac ? { ip: uint32ToIpv4(nextHop), hit: true, mac: macToString(mac, 0) } : { ip: uint32ToIpv4(nextHop), hit: false });
    if (mac) {
      // A stale entry is still used, and confirmed with one request.
      if (cache.needsRequest(nextHop, this.sim.now)) this.sendRequest(iface, nextHop);
      return sendFrames(iface, frames, mac, packetId, notes);
    }
    for (let i = 0; i < frames.length; i++) {
      if (cache.enqueue(nextHop, frames[i], this.sim.now) === 'queue-full') this.node.drop('arp-queue-full', { ip: uint32ToIpv4(nextHop), packetId });
      else this.parked.set(frames[i], { packetId, note: notes[i] });
    }
    this.startResolving(iface, nextHop);
  }

  receive(iface: Interface, bytes: Uint8Array): void {
    const arp = readArpFrame(bytes);
    if (!arp) return this.node.drop('malformed', { interface: iface.label, protocol: 'arp' });
    const own = iface.ipv4;
    if (!own) return;
    const now = this.sim.now;
    const cache = this.cache(iface);
    const forUs = arp.targetIp === own.value;
    // RFC 826: update a sender we already know; add it only when the packet is for us.
    let learnt = arp.senderIp !== 0 && arp.senderIp !== own.value && cache.merge(arp.senderIp, arp.senderMac, now);
    if (!learnt && forUs && arp.senderIp !== 0) {
      cache.learn(arp.senderIp, arp.senderMac, now);
      learnt = true;
    }
    if (learnt) this.learnt(iface, cache, arp.senderIp, arp.senderMac.slice(), arp.opcode);
    if (forUs && arp.opcode === ArpOpcode.request && arp.senderIp !== arp.targetIp) {
      this.sim.log.record(this.node.name, 'arp-reply', { interface: iface.label, ip: own.address, mac: iface.mac, to: uint32ToIpv4(arp.senderIp) });
      iface.send({ bytes: arpReply(iface.macBytes, own.value, arp.senderMac, arp.senderIp), packetId: this.sim.nextPacketId() }, `${this.node.name}: ARP ${own.address} is-at ${iface.mac}`);
    }
  }

  announce(iface: Interface): void {
    if (!iface.ipv4 || !iface.link?.up) return;
    this.sim.log.record(this.node.name, 'arp-gratuitous', { interface: iface.label, ip: iface.ipv4.address, mac: iface.mac });
    iface.send({ bytes: gratuitousArp(iface.macBytes, iface.ipv4.value), packetId: this.sim.nextPacketId() }, `${this.node.name}: gratuitous ARP ${iface.ipv4.address} is-at ${iface.mac}`);
  }

  private learnt(iface: Interface, cache: ArpCache, ip: number, mac: Uint8Array, opcode: number): void {
    this.sim.log.record(this.node.name, 'arp-learn', { interface: iface.label, ip: uint32ToIpv4(ip), mac: macToString(mac, 0), opcode: opcode === ArpOpcode.reply ? 'reply' : 'request' });
    const key = resolvingKey(iface, ip);
    this.sim.cancel(this.resolving.get(key)?.timer);
    this.resolving.delete(key);
    for (const frame of cache.takePending(ip)) {
      const parked = this.parked.get(frame);
      frame.set(mac, 0);
      iface.send({ bytes: frame, packetId: parked?.packetId ?? this.sim.nextPacketId() }, parked?.note);
    }
  }

  private startResolving(iface: Interface, ip: number): void {
    const key = resolvingKey(iface, ip);
    if (this.resolving.has(key)) return;
    const cache = this.cache(iface);
    if (!cache.needsRequest(ip, this.sim.now)) return;
    this.sendRequest(iface, ip);
    this.resolving.set(key, { sent: 1, timer: this.sim.schedule(cache.retransmitNs, () => this.retry(iface, ip)) });
  }

  /** Asks again until the cache's retries are spent, then gives up on what waited. */
  private retry(iface: Interface, ip: number): void {
    const key = resolvingKey(iface, ip);
    const pending = this.resolving.get(key);
    if (pending === undefined) return;
    const cache = this.cache(iface);
    if (pending.sent < cache.maxRetries && cache.needsRequest(ip, this.sim.now)) {
      this.sendRequest(iface, ip);
      this.resolving.set(key, { sent: pending.sent + 1, timer: this.sim.schedule(cache.retransmitNs, () => this.retry(iface, ip)) });
      return;
    }
    this.resolving.delete(key);
    const failed = cache.expire(this.sim.now);
    this.sim.log.record(this.node.name, 'arp-failed', { interface: iface.label, ip: uint32ToIpv4(ip), requests: pending.sent, framesDropped: failed.length });
    for (const frame of failed) this.givenUp(frame, this.parked.get(frame)?.packetId);
  }

  private sendRequest(iface: Interface, ip: number): void {
    const own = iface.ipv4!;
    this.sim.log.record(this.node.name, 'arp-request', { interface: iface.label, ip: uint32ToIpv4(ip) });
    iface.send({ bytes: arpRequest(iface.macBytes, own.value, ip), packetId: this.sim.nextPacketId() }, `${this.node.name}: ARP who-has ${uint32ToIpv4(ip)} tell ${own.address}`);
  }
}

function resolvingKey(iface: Interface, ip: number): string {
  return `${iface.label}/${ip >>> 0}`;
}
