/**
 * A node's network interface: a name, a MAC, an optional IPv4 address with
 * its prefix, and the link end it is plugged into. Taps on an interface see
 * every frame it sends and receives.
 */
import { Address4 } from 'ip-address';
import { ipv4ToUint32, macToBytes } from '../../codecs/address.js';
import type { Frame } from './frame.js';
import type { Link } from './link.js';

export interface NetworkNode {
  readonly name: string;
  readonly interfaces: readonly Interface[];
  /** A frame arrived on `iface`. The bytes are the node's own copy: it may edit them in place. */
  receive(iface: Interface, frame: Frame): void;
  /** The link of `iface` came up (gratuitous ARP goes here). */
  linkUp?(iface: Interface): void;
}

export interface Ipv4Assignment {
  readonly address: string;
  readonly prefixLength: number;
  /** The address as an unsigned 32-bit number. */
  readonly value: number;
  /** The network's mask and address as unsigned 32-bit numbers. */
  readonly mask: number;
  readonly network: number;
}

export type TapDirection = 'inbound' | 'outbound';

export interface FrameTap {
  frame(iface: Interface, direction: TapDirection, frame: Frame, timeNs: number, note: string | undefined): void;
}

/** Parses "192.168.1.100/24" with ip-address, the project's address parser. */
export function parseAssignment(cidr: string): Ipv4Assignment {
  if (!Address4.isValid(cidr) || !cidr.includes('/')) throw new TypeError(`not an IPv4 address with a prefix length: ${JSON.stringify(cidr)}`);
  const parsed = new Address4(cidr);
  const prefixLength = parsed.subnetMask;
  const value = ipv4ToUint32(parsed.addressMinusSuffix);
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return { address: parsed.addressMinusSuffix, prefixLength, value, mask, network: (value & mask) >>> 0 };
}

export class Interface {
  readonly macBytes: Uint8Array;
  readonly taps: FrameTap[] = [];
  link: Link | undefined;
  ipv4: Ipv4Assignment | undefined;

  constructor(
    readonly node: NetworkNode,
    readonly name: string,
    readonly mac: string,
    address?: string,
  ) {
    this.macBytes = macToBytes(mac);
    this.ipv4 = address === undefined ? undefined : parseAssignment(address);
  }

  /** "node:interface", the name captures give this link end. */
  get label(): string {
    return `${this.node.name}:${this.name}`;
  }

  /** Is `address` (unsigned 32-bit) on this interface's subnet? */
  onSubnet(address: number): boolean {
    return this.ipv4 !== undefined && ((address & this.ipv4.mask) >>> 0) === this.ipv4.network;
  }

  /** Sends a frame out on this interface's link; `note` explains it in the capture. */
  send(frame: Frame, note?: string): void {
    if (this.link === undefined) throw new Error(`${this.label} is not connected to a link`);
    this.link.transmit(this, frame, note);
  }
}
