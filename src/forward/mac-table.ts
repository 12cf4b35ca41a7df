/**
 * A learning switch's MAC table: source addresses learnt per port, aged out
 * after 300 s of virtual time (IEEE 802.1D's default), unknown and group
 * destinations flooded to every port but the one the frame came in on.
 *
 * Keyed by the MAC as a 48-bit number in an open-addressing table of typed
 * arrays (linear probing, backward-shift deletion), so learning and lookup
 * allocate nothing. When the table is full, expired entries are swept; if
 * none are, the new address is not learnt and its frames keep flooding,
 * which is what a full CAM does.
 */
import { macToString } from '../../codecs/address.js';

export interface MacTableOptions {
  /** Virtual nanoseconds an entry lives after it was last seen. */
  readonly agingNs?: number;
  /** Entries at most; rounded up to a power of two. */
  readonly capacity?: number;
}

export interface MacTableRow {
  readonly mac: string;
  readonly port: number;
  readonly expiresInNs: number;
}

const EMPTY_PORT = -1;

function macKey(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 8) | bytes[offset + 1]) * 0x1_0000_0000 + (((bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) | bytes[offset + 5]) >>> 0);
}

function slotOf(key: number): number {
  const low = key >>> 0;
  const high = (key / 0x1_0000_0000) | 0;
  let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0xc2b2ae35) ^ (h >>> 13);
}

function keyToString(key: number): string {
  const bytes = new Uint8Array(6);
  const high = Math.floor(key / 0x1_0000_0000);
  const low = key >>> 0;
  bytes[0] = high >>> 8;
  bytes[1] = high & 0xff;
  bytes[2] = low >>> 24;
  bytes[3] = (low >>> 16) & 0xff;
  bytes[4] = (low >>> 8) & 0xff;
  bytes[5] = low & 0xff;
  return macToString(bytes, 0);
}

export class MacTable {
  readonly agingNs: number;
  readonly capacity: number;
  private readonly keys: Float64Array;
  private readonly ports: Int32Array;
  private readonly lastSeen: Float64Array;
  private readonly mask: number;
  private used = 0;

  constructor(options: MacTableOptions = {}) {
    this.agingNs = options.agingNs ?? 300e9;
    let capacity = 16;
    while (capacity < (options.capacity ?? 4096)) capacity *= 2;
    this.capacity = capacity;
    // Twice the slots of the capacity keeps probe runs short when full.
    this.keys = new Float64Array(capacity * 2);
    this.ports = new Int32Array(capacity * 2).fill(EMPTY_PORT);
    this.lastSeen = new Float64Array(capacity * 2);
    this.mask = capacity * 2 - 1;
  }

  get size(): number {
    return this.used;
  }

  /** Records that `mac` (6 bytes at macOffset) was seen on `port`. Group addresses are never learnt. */
  learn(mac: Uint8Array, macOffset: number, port: number, nowNs: number): void {
    if (mac[macOffset] & 1) return;
    const key = macKey(mac, macOffset);
    let i = this.find(key);
    if (i < 0) {
      if (this.used === this.capacity && this.sweep(nowNs) === 0) return;
      i = this.freeSlot(key);
      this.keys[i] = key;
      this.used++;
    }
    this.ports[i] = port;
    this.lastSeen[i] = nowNs;
  }

  /** The port `mac` was learnt on, or -1 when unknown or aged out. */
  lookup(mac: Uint8Array, macOffset: number, nowNs: number): number {
    const i = this.find(macKey(mac, macOffset));
    if (i < 0) return -1;
    if (nowNs - this.lastSeen[i] >= this.agingNs) {
      this.removeAt(i);
      return -1;
    }
    return this.ports[i];
  }

  /**
   * Learns the frame's source on the ingress port, then fills `out` with the
   * ports it leaves by: the learnt port of its destination, or every port
   * but the ingress for a group or unknown destination. A destination learnt
   * on the ingress port itself gives none: a switch never reflects a frame.
   */
  forwardPorts(frame: Uint8Array, ingressPort: number, portCount: number, nowNs: number, out: Int32Array): number {
    this.learn(frame, 6, ingressPort, nowNs);
    if (!(frame[0] & 1)) {
      const port = this.lookup(frame, 0, nowNs);
      if (port >= 0) {
        if (port === ingressPort) return 0;
        out[0] = port;
        return 1;
      }
    }
    let n = 0;
    for (let p = 0; p < portCount; p++) if (p !== ingressPort) out[n++] = p;
    return n;
  }

  /** Drops every entry learnt on a port (its link went down). */
  flushPort(port: number): void {
    for (let i = 0; i <= this.mask; i++) {
      while (this.ports[i] === port) this.removeAt(i);
    }
  }

  /** Removes aged-out entries; returns how many. */
  sweep(nowNs: number): number {
    let removed = 0;
    for (let i = 0; i <= this.mask; i++) {
      // A backward shift can move an unvisited entry into slot i; look again.
      while (this.ports[i] !== EMPTY_PORT && nowNs - this.lastSeen[i] >= this.agingNs) {
        this.removeAt(i);
        removed++;
      }
    }
    return removed;
  }

  /** The live entries, by port then MAC. */
  entries(nowNs: number): MacTableRow[] {
    const rows: MacTableRow[] = [];
    for (let i = 0; i <= this.mask; i++) {
      if (this.ports[i] === EMPTY_PORT) continue;
      const expiresInNs = this.lastSeen[i] + this.agingNs - nowNs;
      if (expiresInNs > 0) rows.push({ mac: keyToString(this.keys[i]), port: this.ports[i], expiresInNs });
    }
    return rows.sort((a, b) => a.port - b.port || (a.mac < b.mac ? -1 : 1));
  }

  /** The table as a switch's CLI shows it. */
  format(nowNs: number): string {
    const rows = this.entries(nowNs);
    const lines = ['Port  |  MAC', '------|------'];
    if (rows.length === 0) lines.push('(empty)');
    for (const row of rows) lines.push(`${String(row.port).padEnd(6)}|  ${row.mac}`);
    return lines.join('\n');
  }

  private find(key: number): number {
    for (let i = slotOf(key) & this.mask; ; i = (i + 1) & this.mask) {
      if (this.ports[i] === EMPTY_PORT) return -1;
      if (this.keys[i] === key) return i;
    }
  }

  private freeSlot(key: number): number {
    let i = slotOf(key) & this.mask;
    while (this.ports[i] !== EMPTY_PORT) i = (i + 1) & this.mask;
    return i;
  }

  private removeAt(i: number): void {
    const mask = this.mask;
    let hole = i;
    for (let j = (i + 1) & mask; this.ports[j] !== EMPTY_PORT; j = (j + 1) & mask) {
      const home = slotOf(this.keys[j]) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        this.keys[hole] = this.keys[j];
        this.ports[hole] = this.ports[j];
        this.lastSeen[hole] = this.lastSeen[j];
        hole = j;
      }
    }
    this.ports[hole] = EMPTY_PORT;
    this.used--;
  }
}
