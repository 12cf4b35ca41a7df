/**
 * Where a route sends a packet: out of an interface, to a gateway or (for a
 * connected route, gateway 0) straight to the destination. The FIB's next
 * hop numbers index this table; the router keeps the resolved MAC of each
 * gateway here for the length of a batch, so the ARP cache is asked once per
 * adjacency per batch rather than once per frame.
 */
export class AdjacencyTable {
  gateway = new Uint32Array(16);
  iface = new Int32Array(16);
  /**
   * The first 12 bytes of a frame sent to each adjacency, as three big-endian
   * words: the MAC it resolved to, then its interface's own MAC. The
   * router's batch path rewrites both addresses with three stores.
   */
  ethernet = new Int32Array(16 * 3);
  /**
   * The batch in which `ethernet` was last resolved; stale when it differs
   * from the router's. Batch numbers are doubles, so that one never comes
   * round again (Router.batch).
   */
  resolvedIn = new Float64Array(16).fill(-1);
  /** The batch in which ARP last did not know the gateway: it is not asked again in that batch. */
  missedIn = new Float64Array(16).fill(-1);
  readonly names: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The adjacency for (gateway, interface), added when new. */
  intern(gateway: number, iface: number, name: string): number {
    for (let i = 0; i < this.count; i++) if (this.gateway[i] === gateway && this.iface[i] === iface) return i;
    if (this.count === this.gateway.length) this.grow();
    const i = this.count++;
    this.gateway[i] = gateway;
    this.iface[i] = iface;
    this.names.push(name);
    return i;
  }

  /** Adjacency i resolved to `mac`; `own` is its interface's MAC. */
  setMac(i: number, mac: Uint8Array, own: Uint8Array, ownAt: number): void {
    const e = this.ethernet;
    e[i * 3] = (mac[0] << 24) | (mac[1] << 16) | (mac[2] << 8) | mac[3];
    e[i * 3 + 1] = (mac[4] << 24) | (mac[5] << 16) | (own[ownAt] << 8) | own[ownAt + 1];
    e[i * 3 + 2] = (own[ownAt + 2] << 24) | (own[ownAt + 3] << 16) | (own[ownAt + 4] << 8) | own[ownAt + 5];
  }

  /** Writes the MAC adjacency i resolved to into b[at, at + 6). */
  writeMac(i: number, b: Uint8Array, at: number): void {
    const high = this.ethernet[i * 3];
    const low = this.ethernet[i * 3 + 1];
    b[at] = high >>> 24;
    b[at + 1] = (high >>> 16) & 0xff;
    b[at + 2] = (high >>> 8) & 0xff;
    b[at + 3] = high & 0xff;
    b[at + 4] = low >>> 24;
    b[at + 5] = (low >>> 16) & 0xff;
  }

  private grow(): void {
    const n = this.gateway.length * 2;
    const gateway = new Uint32Array(n);
    gateway.set(this.gateway);
    const iface = new Int32Array(n);
    iface.set(this.iface);
    const ethernet = new Int32Array(n * 3);
    ethernet.set(this.ethernet);
    const resolvedIn = new Float64Array(n).fill(-1);
    resolvedIn.set(this.resolvedIn);
    const missedIn = new Float64Array(n).fill(-1);
    missedIn.set(this.missedIn);
    this.gateway = gateway;
    this.iface = iface;
    this.ethernet = ethernet;
    this.resolvedIn = resolvedIn;
    this.missedIn = missedIn;
  }
}
