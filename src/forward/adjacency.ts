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
  /** The MAC each adjacency resolved to, 6 bytes a slot. */
  mac = new Uint8Array(16 * 6);
  /** The batch in which `mac` was last resolved; stale when it differs from the router's. */
  resolvedIn = new Int32Array(16).fill(-1);
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

  private grow(): void {
    const n = this.gateway.length * 2;
    const gateway = new Uint32Array(n);
    gateway.set(this.gateway);
    const iface = new Int32Array(n);
    iface.set(this.iface);
    const mac = new Uint8Array(n * 6);
    mac.set(this.mac);
    const resolvedIn = new Int32Array(n).fill(-1);
    resolvedIn.set(this.resolvedIn);
    this.gateway = gateway;
    this.iface = iface;
    this.mac = mac;
    this.resolvedIn = resolvedIn;
  }
}
