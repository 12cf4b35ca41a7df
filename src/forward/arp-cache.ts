/**
 * The ARP cache of one interface (RFC 826), with the states a neighbour
 * cache keeps (after RFC 4861 §7.3.2, as Linux does for ARP):
 *
 * - incomplete: a request is out; frames for the address wait in a bounded
 *   queue; the request is sent again every `retransmitNs`, and after
 *   `maxRetries` requests with no answer the entry is given up and its frames
 *   are handed back to be counted as 'arp-failed';
 * - reachable: the MAC was confirmed less than `reachableNs` ago;
 * - stale: still used, but the next use asks for a new request (one probe);
 *   an answer makes it reachable again, and after `staleNs` unconfirmed it is
 *   forgotten.
 *
 * Lookups go through an open-addressing table in typed arrays and return a
 * 6-byte view made once per slot, so a hit allocates nothing.
 */
import { macToString, uint32ToIpv4 } from '../../codecs/address.js';
import { FlowTable } from './flow-table.js';

export interface ArpCacheOptions {
  /** How long a confirmed MAC is reachable; default 30 s. */
  readonly reachableNs?: number;
  /** How long a stale MAC is still used before it is forgotten; default 60 s. */
  readonly staleNs?: number;
  /** Time between requests for an unanswered address; default 1 s. */
  readonly retransmitNs?: number;
  /** Requests sent before giving up; default 3. */
  readonly maxRetries?: number;
  /** Frames queued per unresolved address; default 3. */
  readonly queueLimit?: number;
  /** Entries at most; default 1024. */
  readonly capacity?: number;
}

export type ArpState = 'incomplete' | 'reachable' | 'stale';

export interface ArpEntryRow {
  readonly ip: string;
  /** The MAC, or '(incomplete)' while unresolved. */
  readonly mac: string;
  readonly state: ArpState;
  readonly expiresInNs: number;
}

const FREE = 0;
const INCOMPLETE = 1;
const REACHABLE = 2;
const STALE = 3;
const STATE_NAMES: readonly ArpState[] = ['incomplete', 'incomplete', 'reachable', 'stale'];

const SECOND = 1e9;

export class ArpCache {
  readonly reachableNs: number;
  readonly staleNs: number;
  readonly retransmitNs: number;
  readonly maxRetries: number;
  readonly queueLimit: number;
  readonly capacity: number;

  private readonly index: FlowTable;
  private readonly ip: Uint32Array;
  private readonly state: Uint8Array;
  private readonly macs: Uint8Array;
  /** One 6-byte view per slot, made up front so lookup returns without allocating. */
  private readonly macViews: Uint8Array[];
  /** For reachable: when it turns stale; for stale: when it is forgotten; for incomplete: when the next request (or the giving up) is due. */
  private readonly deadline: Float64Array;
  /** Requests sent for an incomplete entry. */
  private readonly requests: Uint8Array;
  /** A stale entry that was used and wants one new request. */
  private readonly probeWanted: Uint8Array;
  private readonly pending: Uint8Array[][];
  private readonly freeSlots: number[];

  constructor(options: ArpCacheOptions = {}) {
    this.reachableNs = positive('reachableNs', options.reachableNs ?? 30 * SECOND);
    this.staleNs = positive('staleNs', options.staleNs ?? 60 * SECOND);
    this.retransmitNs = positive('retransmitNs', options.retransmitNs ?? SECOND);
    this.maxRetries = positiveInteger('maxRetries', options.maxRetries ?? 3);
    this.queueLimit = positiveInteger('queueLimit', options.queueLimit ?? 3);
    const capacity = positiveInteger('capacity', options.capacity ?? 1024);
    this.capacity = capacity;
    this.index = new FlowTable(capacity);
    this.ip = new Uint32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.macs = new Uint8Array(capacity * 6);
    this.macViews = Array.from({ length: capacity }, (_, i) => this.macs.subarray(i * 6, i * 6 + 6));
    this.deadline = new Float64Array(capacity);
    this.requests = new Uint8Array(capacity);
    this.probeWanted = new Uint8Array(capacity);
    this.pending = Array.from({ length: capacity }, () => []);
    this.freeSlots = Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
  }

  /**
   * The MAC for `ip` when it is reachable or stale, else undefined. A
   * reachable entry past its time turns stale here, and a use of a stale
   * entry makes `needsRequest` ask once to confirm it.
   */
  lookup(ip: number, nowNs: number): Uint8Array | undefined {
    const slot = this.index.get(ip, 0, 0, 0);
    if (slot < 0) return undefined;
    const state = this.age(slot, nowNs);
    if (state === REACHABLE) return this.macViews[slot];
    if (state === STALE) {
      this.probeWanted[slot] = 1;
      return this.macViews[slot];
    }
    return undefined;
  }

  /**
   * Records `mac` for `ip` as reachable: an ARP reply to us, or a request
   * whose target is one of our addresses (RFC 826 adds the sender then).
   * Frames queued for the address stay queued until `takePending`.
   */
  learn(ip: number, mac: Uint8Array, nowNs: number): void {
    let slot = this.index.get(ip, 0, 0, 0);
    if (slot < 0) slot = this.insert(ip, nowNs);
    if (slot < 0) return;
    this.confirm(slot, mac, nowNs);
  }

  /**
   * RFC 826's merge step for any ARP packet seen, addressed to us or not:
   * when the sender is already in the cache, its MAC is updated. Returns
   * whether it was (the caller then adds it with `learn` only if the packet
   * was for us).
   */
  merge(ip: number, mac: Uint8Array, nowNs: number): boolean {
    const slot = this.index.get(ip, 0, 0, 0);
    if (slot < 0) return false;
    this.confirm(slot, mac, nowNs);
    return true;
  }

  /** Queues a frame for an unresolved address, opening an incomplete entry if none exists. */
  enqueue(ip: number, frame: Uint8Array, nowNs: number): 'queued' | 'queue-full' {
    let slot = this.index.get(ip, 0, 0, 0);
    if (slot < 0) slot = this.insert(ip, nowNs);
    if (slot < 0) return 'queue-full';
    const queue = this.pending[slot];
    if (queue.length >= this.queueLimit) return 'queue-full';
    queue.push(frame);
    return 'queued';
  }

  /**
   * Whether a request for `ip` should go out now: on the first miss, when an
   * unanswered request is due again (and retries remain), or once for a
   * stale entry that was used. Saying yes counts the request as sent.
   */
  needsRequest(ip: number, nowNs: number): boolean {
    let slot = this.index.get(ip, 0, 0, 0);
    if (slot < 0) {
      slot = this.insert(ip, nowNs);
      if (slot < 0) return false;
    }
    const state = this.age(slot, nowNs);
    if (state === INCOMPLETE) {
      const sent = this.requests[slot];
      if (sent === 0 || (nowNs >= this.deadline[slot] && sent < this.maxRetries)) {
        this.requests[slot] = sent + 1;
        this.deadline[slot] = nowNs + this.retransmitNs;
        return true;
      }
      return false;
    }
    if (state === STALE && this.probeWanted[slot] === 1) {
      this.probeWanted[slot] = 0;
      return true;
    }
    return false;
  }

  /** The frames queued for `ip`, oldest first, and the queue emptied; call after the MAC is learnt. */
  takePending(ip: number): Uint8Array[] {
    const slot = this.index.get(ip, 0, 0, 0);
    if (slot < 0) return [];
    const frames = this.pending[slot];
    if (frames.length === 0) return [];
    this.pending[slot] = [];
    return frames;
  }

  /**
   * Gives up on addresses whose last request went unanswered for a full
   * retransmit interval after `maxRetries` requests, and forgets stale
   * entries past their time. Returns the frames that were waiting on the
   * given-up addresses, for the caller to count as 'arp-failed'.
   */
  expire(nowNs: number): Uint8Array[] {
    const dropped: Uint8Array[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      const state = this.state[slot];
      if (state === FREE) continue;
      if (state === INCOMPLETE) {
        if (this.requests[slot] >= this.maxRetries && nowNs >= this.deadline[slot]) {
          for (const frame of this.pending[slot]) dropped.push(frame);
          this.remove(slot);
        }
      } else if (this.age(slot, nowNs) === FREE) {
        for (const frame of this.pending[slot]) dropped.push(frame);
        this.remove(slot);
      }
    }
    return dropped;
  }

  entries(nowNs: number): ArpEntryRow[] {
    const rows: Array<ArpEntryRow & { readonly key: number }> = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.state[slot] === FREE) continue;
      const state = this.age(slot, nowNs);
      if (state === FREE) continue;
      rows.push({
        ip: uint32ToIpv4(this.ip[slot]),
        mac: state === INCOMPLETE ? '(incomplete)' : macToString(this.macs, slot * 6),
        state: STATE_NAMES[state],
        expiresInNs: this.deadline[slot] - nowNs,
        key: this.ip[slot],
      });
    }
    rows.sort((a, b) => a.key - b.key);
    return rows.map(({ key: _key, ...row }) => row);
  }

  /** The cache as the seed article prints an ARP table: "IP | MAC", by address. */
  format(nowNs: number): string {
    const rows = this.entries(nowNs);
    const width = Math.max(16, ...rows.map((r) => r.ip.length + 2));
    const lines = [`${'IP'.padEnd(width)}|  MAC`, `${'-'.repeat(width)}|------`];
    if (rows.length === 0) lines.push('(empty)');
    for (const r of rows) lines.push(`${r.ip.padEnd(width)}|  ${r.mac}${r.state === 'stale' ? ' (stale)' : ''}`);
    return lines.join('\n');
  }

  /** Moves an entry along reachable → stale → gone as time passes; returns its state now. */
  private age(slot: number, nowNs: number): number {
    let state = this.state[slot];
    if (state === REACHABLE && nowNs >= this.deadline[slot]) {
      state = STALE;
      this.state[slot] = STALE;
      this.probeWanted[slot] = 0;
      this.deadline[slot] += this.staleNs;
    }
    if (state === STALE && nowNs >= this.deadline[slot]) {
      // Frames queued behind a stale entry are none: only incomplete ones queue.
      this.remove(slot);
      return FREE;
    }
    return state;
  }

  private confirm(slot: number, mac: Uint8Array, nowNs: number): void {
    this.macs.set(mac.subarray(0, 6), slot * 6);
    this.state[slot] = REACHABLE;
    this.deadline[slot] = nowNs + this.reachableNs;
    this.requests[slot] = 0;
    this.probeWanted[slot] = 0;
  }

  /** A new incomplete entry; when the cache is full, the stale entry nearest its end makes room. */
  private insert(ip: number, nowNs: number): number {
    if (this.freeSlots.length === 0) this.evict(nowNs);
    const slot = this.freeSlots.pop();
    if (slot === undefined) return -1;
    this.index.set(ip, 0, 0, 0, slot);
    this.ip[slot] = ip;
    this.state[slot] = INCOMPLETE;
    this.requests[slot] = 0;
    this.probeWanted[slot] = 0;
    this.deadline[slot] = nowNs;
    return slot;
  }

  private evict(nowNs: number): void {
    let victim = -1;
    for (let slot = 0; slot < this.capacity; slot++) {
      const state = this.age(slot, nowNs);
      if (state === FREE) return;
      if (state === STALE && (victim < 0 || this.deadline[slot] < this.deadline[victim])) victim = slot;
    }
    if (victim >= 0) this.remove(victim);
  }

  private remove(slot: number): void {
    this.index.delete(this.ip[slot], 0, 0, 0);
    this.state[slot] = FREE;
    this.pending[slot] = [];
    this.freeSlots.push(slot);
  }
}

function positive(name: string, value: number): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new RangeError(`ArpCache ${name} must be a positive number, not ${value}`);
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`ArpCache ${name} must be a positive integer, not ${value}`);
  return value;
}
