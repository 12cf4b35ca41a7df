/**
 * Two or more TCP stacks joined by an in-memory IP layer: every datagram is
 * delivered after a delay through the simulator, and may be lost or held back
 * (reordered) by a generator of its own, so the network's choices do not
 * disturb the stacks' draws from the run's generator.
 */
import { ipv4ToUint32 } from '../../codecs/address.js';
import { SeededRandom } from '../../src/sim/random.js';
import { Simulator } from '../../src/sim/simulator.js';
import type { IcmpErrorInfo, IpLayer, IpPacketInfo, IpSendOptions } from '../../src/stack/ip-layer.js';
import { TcpStack, type TcpStackOptions } from '../../src/stack/tcp/tcp-stack.js';

export interface FakeNetworkOptions {
  readonly delayNs?: number;
  /** Each datagram waits a further uniform [0, jitterNs): datagrams overtake each other. */
  readonly jitterNs?: number;
  readonly lossRate?: number;
  /** Seeds the network's own generator. */
  readonly seed?: number;
}

export interface SentDatagram {
  readonly timeNs: number;
  readonly source: number;
  readonly destination: number;
  readonly bytes: Uint8Array;
  readonly note: string | undefined;
  readonly dropped: boolean;
}

export class FakeIp implements IpLayer {
  readonly handlers = new Map<number, (payload: Uint8Array, info: IpPacketInfo) => void>();
  readonly errorHandlers = new Map<number, (error: IcmpErrorInfo) => void>();

  constructor(
    readonly network: FakeNetwork,
    readonly address: number,
  ) {}

  sourceFor(): number {
    return this.address;
  }

  send(destination: number, protocol: number, payload: Uint8Array, options?: IpSendOptions): void {
    this.network.carry(this.address, destination, protocol, payload, options?.note);
  }

  register(protocol: number, handler: (payload: Uint8Array, info: IpPacketInfo) => void): void {
    this.handlers.set(protocol, handler);
  }

  registerErrorHandler(protocol: number, handler: (error: IcmpErrorInfo) => void): void {
    this.errorHandlers.set(protocol, handler);
  }
}

export class FakeNetwork {
  readonly log: SentDatagram[] = [];
  private readonly hosts = new Map<number, FakeIp>();
  private readonly random: SeededRandom;
  /** Addresses whose datagrams vanish both ways, as if unplugged. */
  readonly unplugged = new Set<number>();
  /** Decides the fate of each datagram when set; overrides lossRate. */
  dropWhen: ((datagram: { source: number; destination: number; bytes: Uint8Array; index: number }) => boolean) | undefined;

  constructor(
    readonly sim: Simulator,
    readonly options: FakeNetworkOptions = {},
  ) {
    this.random = new SeededRandom(options.seed ?? 7);
  }

  host(address: string): FakeIp {
    const ip = new FakeIp(this, ipv4ToUint32(address));
    this.hosts.set(ip.address, ip);
    return ip;
  }

  /** A stack on a new host of this network. */
  stack(address: string, options: TcpStackOptions): TcpStack {
    return new TcpStack(this.sim, this.host(address), options);
  }

  carry(source: number, destination: number, protocol: number, payload: Uint8Array, note: string | undefined): void {
    const bytes = payload.slice();
    const index = this.log.length;
    const lost = this.dropWhen ? this.dropWhen({ source, destination, bytes, index }) : this.random.float() < (this.options.lossRate ?? 0);
    const dropped = lost || this.unplugged.has(source) || this.unplugged.has(destination);
    this.log.push({ timeNs: this.sim.now, source, destination, bytes, note, dropped });
    if (dropped) return;
    const jitter = this.options.jitterNs ? this.random.float() * this.options.jitterNs : 0;
    const delay = (this.options.delayNs ?? 5_000_000) + Math.floor(jitter);
    this.sim.schedule(delay, () => {
      const target = this.hosts.get(destination);
      target?.handlers.get(protocol)?.(bytes.slice(), { source, destination, ttl: 64, protocol, packetId: 0n });
    });
  }

  /** Delivers an ICMP error to `address`'s transport about a datagram it sent. */
  icmpError(address: string, error: IcmpErrorInfo): void {
    this.hosts.get(ipv4ToUint32(address))?.errorHandlers.get(error.quotedProtocol)?.(error);
  }
}

/** Collects everything a stream delivers. */
export function collect(stream: { on(event: 'data', listener: (bytes: Uint8Array) => void): void }): { chunks: Uint8Array[]; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  stream.on('data', (bytes) => chunks.push(bytes));
  return {
    chunks,
    bytes() {
      return Buffer.concat(chunks);
    },
  };
}

/** The laptop and the API server of the seed, as the TCP tests address them. */
export const CLIENT = '192.168.1.100';
export const SERVER = '52.94.133.131';

/** A client and a server stack on a fake network 10 ms across. */
export function stackPair(seed = 1) {
  const sim = new Simulator({ seed });
  const net = new FakeNetwork(sim, { delayNs: 10_000_000 });
  return { sim, net, client: net.stack(CLIENT, { node: 'laptop' }), server: net.stack(SERVER, { node: 'api' }) };
}
