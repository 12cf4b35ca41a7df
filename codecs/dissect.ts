/**
 * dissect() walks a whole frame from its link header down as far as the
 * codecs reach: Ethernet and its VLAN tags, ARP or IPv4, then ICMP, UDP or
 * TCP, then DNS on port 53, TLS on 443 and HTTP on 80. It never throws: it
 * returns the layers it decoded, then an `error` layer saying why it stopped,
 * or a `raw` layer for bytes no codec claims. assemble() writes layers back;
 * with both options false, a dissected frame comes back byte for byte.
 */
import * as arp from './arp.js';
import { concatBytes } from './bytes.js';
import { pseudoHeaderSum } from './checksum.js';
import type { EncodeOptions, PseudoHeader } from './codec.js';
import { DecodeError } from './decode-error.js';
import * as dns from './dns.js';
import * as ethernet from './ethernet.js';
import * as http from './http.js';
import * as icmp from './icmp.js';
import * as ipv4 from './ipv4.js';
import type { ErrorHeader, Layer, RawHeader } from './layer.js';
import { type LinuxSllHeader, type LoopbackHeader, decodeLinuxSll, decodeLoopback, encodeLinuxSll, encodeLoopback } from './link-headers.js';
import { LinkType } from './link-type.js';
import * as tcp from './tcp.js';
import { type TlsRecord, decodeRecords, encodeRecords } from './tls/record.js';
import * as udp from './udp.js';
import * as vlan from './vlan.js';

export interface TlsLayerHeader {
  readonly records: readonly TlsRecord[];
}

export type DissectedLayer =
  | Layer<'ethernet', ethernet.EthernetHeader>
  | Layer<'vlan', vlan.VlanHeader>
  | Layer<'loopback', LoopbackHeader>
  | Layer<'sll', LinuxSllHeader>
  | Layer<'arp', arp.ArpHeader>
  | Layer<'ipv4', ipv4.Ipv4Header>
  | Layer<'icmp', icmp.IcmpHeader>
  | Layer<'udp', udp.UdpHeader>
  | Layer<'tcp', tcp.TcpHeader>
  | Layer<'dns', dns.DnsLayerHeader>
  | Layer<'tls', TlsLayerHeader>
  | Layer<'http', http.HttpMessage>
  | Layer<'raw', RawHeader>
  | Layer<'error', ErrorHeader>;

export interface DissectOptions {
  /** The LINKTYPE_ of the frame (link-type.ts); Ethernet when absent. */
  readonly linkType?: number;
}

const AF_INET = 2;

/** Well-known ports whose payload has a codec. */
const PORT_DNS = 53;
const PORT_HTTP = 80;
const PORT_HTTPS = 443;

class Walker {
  readonly layers: DissectedLayer[] = [];
  constructor(readonly frame: Uint8Array) {}

  push(layer: DissectedLayer): void {
    this.layers.push(layer);
  }

  raw(offset: number, end: number, reason?: string): void {
    if (end > offset) this.push({ name: 'raw', offset, length: end - offset, header: reason ? { bytes: this.frame.subarray(offset, end), reason } : { bytes: this.frame.subarray(offset, end) } });
  }
}

export function dissect(frame: Uint8Array, options: DissectOptions = {}): DissectedLayer[] {
  const w = new Walker(frame);
  // Where the layer being decoded starts and where its enclosing region ends, for the error layer.
  const at = { offset: 0, end: frame.length };
  try {
    link(w, options.linkType ?? LinkType.ethernet, at);
  } catch (e) {
    const error = e instanceof DecodeError ? e : new DecodeError('dissect', at.offset, `internal error: ${(e as Error)?.message ?? String(e)}`);
    w.push({ name: 'error', offset: at.offset, length: at.end - at.offset, header: { error, bytes: frame.subarray(at.offset, at.end) } });
    // Bytes past the packet that failed are still the frame's padding.
    if (at.end < frame.length) {
      const first = w.layers[0];
      if (first.name === 'ethernet') w.layers[0] = { ...first, header: { ...first.header, padding: frame.subarray(at.end) } };
      else w.raw(at.end, frame.length, 'bytes past the packet');
    }
  }
  return w.layers;
}

function link(w: Walker, linkType: number, at: { offset: number; end: number }): void {
  const frame = w.frame;
  switch (linkType) {
    case LinkType.ethernet: {
      const eth = ethernet.decode(frame, 0);
      const index = w.layers.length;
      w.push({ name: 'ethernet', offset: 0, length: frame.length, header: eth.header });
      let type = eth.header.etherType;
      let offset = eth.payloadOffset;
      while (type === ethernet.EtherType.vlan || type === ethernet.EtherType.qinq) {
        at.offset = offset;
        const tag = vlan.decode(frame, offset, type);
        w.push({ name: 'vlan', offset, length: frame.length - offset, header: tag.header });
        type = tag.header.etherType;
        offset = tag.payloadOffset;
      }
      const end = network(w, type, offset, at);
      // What follows the packet is padding: it belongs to the Ethernet frame, not to the packet.
      if (end < frame.length) w.layers[index] = { name: 'ethernet', offset: 0, length: frame.length, header: { ...eth.header, padding: frame.subarray(end) } };
      return;
    }
    case LinkType.null:
    case LinkType.loop: {
      const lo = decodeLoopback(frame, 0);
      w.push({ name: 'loopback', offset: 0, length: frame.length, header: lo.header });
      at.offset = lo.payloadOffset;
      if (lo.header.family === AF_INET) return trailing(w, network(w, ethernet.EtherType.ipv4, lo.payloadOffset, at), 'bytes past the IPv4 total length');
      return w.raw(lo.payloadOffset, frame.length, `address family ${lo.header.family}`);
    }
    case LinkType.linuxSll: {
      const sll = decodeLinuxSll(frame, 0);
      w.push({ name: 'sll', offset: 0, length: frame.length, header: sll.header });
      at.offset = sll.payloadOffset;
      return trailing(w, network(w, sll.header.protocol, sll.payloadOffset, at), 'bytes past the packet');
    }
    case LinkType.raw:
    case LinkType.ipv4:
      if (linkType === LinkType.raw && frame.length > 0 && frame[0] >> 4 !== 4) return w.raw(0, frame.length, `IP version ${frame[0] >> 4}`);
      return trailing(w, network(w, ethernet.EtherType.ipv4, 0, at), 'bytes past the IPv4 total length');
    default:
      return w.raw(0, frame.length, `link type ${linkType}`);
  }
}

function trailing(w: Walker, end: number, reason: string): void {
  w.raw(end, w.frame.length, reason);
}

/** Decodes what an EtherType carries; returns where it ends (the rest is padding). */
function network(w: Walker, etherType: number, offset: number, at: { offset: number; end: number }): number {
  const frame = w.frame;
  at.offset = offset;
  at.end = frame.length;
  if (etherType === ethernet.EtherType.arp) {
    const a = arp.decode(frame, offset);
    w.push({ name: 'arp', offset, length: a.headerLength, header: a.header });
    return offset + a.headerLength;
  }
  if (etherType !== ethernet.EtherType.ipv4) {
    w.raw(offset, frame.length, `EtherType 0x${etherType.toString(16).padStart(4, '0')}`);
    return frame.length;
  }
  const ip = ipv4.decode(frame, offset);
  const end = offset + ip.header.totalLength;
  w.push({ name: 'ipv4', offset, length: ip.header.totalLength, header: ip.header });
  at.offset = ip.payloadOffset;
  at.end = end;
  if (ip.header.moreFragments || ip.header.fragmentOffset > 0) {
    w.raw(ip.payloadOffset, end, `IPv4 fragment at offset ${ip.header.fragmentOffset}${ip.header.moreFragments ? ', more to come' : ''}`);
    return end;
  }
  transport(w, ip.header, offset, ip.payloadOffset, ip.payloadLength, at);
  return end;
}

function transport(w: Walker, ip: ipv4.Ipv4Header, ipOffset: number, offset: number, length: number, at: { offset: number; end: number }): void {
  const frame = w.frame;
  // The checksums' pseudo-header, summed straight from the IPv4 header's bytes.
  const pseudo = pseudoHeaderSum(frame, ipOffset + 12, ipOffset + 16, 0, 0);
  switch (ip.protocol) {
    case ipv4.IpProtocol.icmp: {
      const m = icmp.decode(frame, offset, length);
      w.push({ name: 'icmp', offset, length, header: m.header });
      // Error types hold their quote in the header; echo data and the like follow as raw bytes.
      if (m.header.original === undefined) w.raw(m.payloadOffset, m.payloadOffset + m.payloadLength);
      return;
    }
    case ipv4.IpProtocol.udp: {
      const u = udp.decode(frame, offset, length, pseudo);
      w.push({ name: 'udp', offset, length: u.header.length, header: u.header });
      at.offset = u.payloadOffset;
      at.end = u.payloadOffset + u.payloadLength;
      if (u.header.sourcePort === PORT_DNS || u.header.destinationPort === PORT_DNS) {
        const d = dns.decode(frame, u.payloadOffset, u.payloadLength);
        w.push({ name: 'dns', offset: u.payloadOffset, length: u.payloadLength, header: d.header });
      } else {
        w.raw(u.payloadOffset, u.payloadOffset + u.payloadLength);
      }
      // Bytes inside the IP payload past the UDP length.
      w.raw(u.payloadOffset + u.payloadLength, offset + length, 'bytes past the UDP length');
      return;
    }
    case ipv4.IpProtocol.tcp: {
      const t = tcp.decode(frame, offset, length, pseudo);
      w.push({ name: 'tcp', offset, length, header: t.header });
      at.offset = t.payloadOffset;
      if (t.payloadLength > 0) application(w, t.header, t.payloadOffset, t.payloadOffset + t.payloadLength, at);
      return;
    }
    default:
      w.raw(offset, offset + length, `IP protocol ${ip.protocol}`);
  }
}

function application(w: Walker, seg: tcp.TcpHeader, offset: number, end: number, at: { offset: number; end: number }): void {
  const frame = w.frame;
  const ports = (p: number) => seg.sourcePort === p || seg.destinationPort === p;
  if (ports(PORT_DNS)) {
    let o = offset;
    while (o < end) {
      at.offset = o;
      if (end - o < 2) return w.raw(o, end, `DNS length prefix cut after ${end - o} byte`);
      const messageLength = (frame[o] << 8) | frame[o + 1];
      if (end - o - 2 < messageLength) return w.raw(o, end, `DNS message over TCP: ${end - o - 2} of ${messageLength} bytes here, ${messageLength - (end - o - 2)} still to come`);
      const d = dns.decode(frame, o + 2, messageLength);
      w.push({ name: 'dns', offset: o, length: messageLength + 2, header: { ...d.header, tcpLength: messageLength } });
      o += 2 + messageLength;
    }
    return;
  }
  if (ports(PORT_HTTPS)) {
    // A TLS 1.2 Finished travels encrypted in a handshake record; if what it holds
    // does not read as messages, keep the records and leave the messages out.
    let r;
    try {
      r = decodeRecords(frame, offset, end - offset);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      r = decodeRecords(frame, offset, end - offset, { messages: false });
    }
    if (r.records.length > 0) w.push({ name: 'tls', offset, length: r.used, header: { records: r.records } });
    if (r.partial) w.raw(r.partial.offset, end, `part of a TLS record: ${r.partial.present} bytes here, ${r.partial.missing} still to come`);
    return;
  }
  if (ports(PORT_HTTP)) {
    let o = offset;
    while (o < end) {
      at.offset = o;
      let m: http.DecodedHttp;
      try {
        m = http.decode(frame, o, end - o, { requestMethod: undefined });
      } catch (e) {
        if (e instanceof DecodeError && e.reason === 'truncated message') return w.raw(o, end, `part of an HTTP message: ${e.have} bytes here, ${e.need} needed`);
        throw e;
      }
      w.push({ name: 'http', offset: o, length: m.length, header: m.header });
      o += m.length;
    }
    return;
  }
  w.raw(offset, end);
}

function pseudoFor(layers: readonly DissectedLayer[], index: number): PseudoHeader | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.name === 'ipv4') return { source: l.header.source, destination: l.header.destination };
  }
  return undefined;
}

/**
 * Writes layers back to bytes, from the innermost out: each header wraps
 * everything after it. With `{ computeChecksums: false, fixLengths: false }`
 * every length and checksum is written as the headers hold it.
 */
export function assemble(layers: readonly DissectedLayer[], options?: EncodeOptions): Uint8Array {
  let inner: Uint8Array = new Uint8Array(0);
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    switch (layer.name) {
      case 'raw':
      case 'error':
        inner = concatBytes([layer.header.bytes, inner]);
        break;
      case 'http':
        inner = concatBytes([http.encode(layer.header, options), inner]);
        break;
      case 'tls':
        inner = concatBytes([encodeRecords(layer.header.records, options), inner]);
        break;
      case 'dns': {
        const message = dns.encode(layer.header, { ...options, compress: 'as-found' });
        if (layer.header.tcpLength === undefined) {
          inner = concatBytes([message, inner]);
        } else {
          const prefix = options?.fixLengths === false ? layer.header.tcpLength : message.length;
          inner = concatBytes([Uint8Array.of(prefix >> 8, prefix & 0xff), message, inner]);
        }
        break;
      }
      case 'icmp':
        inner = icmp.encode(layer.header, inner.length === 0 && layer.header.original ? layer.header.original : inner, options);
        break;
      case 'udp':
        inner = udp.encode(layer.header, inner, { ...options, pseudoHeader: pseudoFor(layers, i) });
        break;
      case 'tcp':
        inner = tcp.encode(layer.header, inner, { ...options, pseudoHeader: pseudoFor(layers, i) });
        break;
      case 'ipv4':
        inner = ipv4.encode(layer.header, inner, options);
        break;
      case 'arp':
        inner = concatBytes([arp.encode(layer.header, new Uint8Array(0), options), inner]);
        break;
      case 'vlan':
        inner = vlan.encode(layer.header, inner, options);
        break;
      case 'ethernet':
        inner = ethernet.encode(layer.header, inner, options);
        break;
      case 'loopback':
        inner = encodeLoopback(layer.header, inner, options);
        break;
      case 'sll':
        inner = encodeLinuxSll(layer.header, inner, options);
        break;
    }
  }
  return inner;
}
