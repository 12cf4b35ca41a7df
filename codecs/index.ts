/**
 * wirepath/codecs: wire formats, bytes to headers and back, exactly.
 *
 * Each protocol is a namespace with the same shape — `decode(bytes, offset)`,
 * `encode(header, payload, options)`, `encodeInto(buf, offset, …)`,
 * `encodingLength(header)`, an `XxxOffsets` table for the hot path and a
 * buffer-layout declaration of its fixed header — so that
 * `ipv4.decode(frame, 14)` and `tcp.encode(header, payload)` read alike.
 */
export * as ethernet from './ethernet.js';
export * as vlan from './vlan.js';
export * as arp from './arp.js';
export * as ipv4 from './ipv4.js';
export * as icmp from './icmp.js';
export * as udp from './udp.js';
export * as tcp from './tcp.js';
export * as tcpOptions from './tcp-options.js';
export * as dns from './dns.js';
export * as tls from './tls/index.js';
export * as http from './http.js';
export * as linkHeaders from './link-headers.js';

export { HttpStreamParser } from './http-parser.js';
export { dissect, assemble, type DissectedLayer, type DissectOptions, type TlsLayerHeader } from './dissect.js';
export { show, registerFieldNames } from './show.js';
export { hexdump } from './hexdump.js';
export type { Layer, RawHeader, ErrorHeader } from './layer.js';
export { DecodeError } from './decode-error.js';
export type { Decoded, EncodeOptions, PseudoHeader } from './codec.js';

export * as checksum from './checksum.js';
export * as address from './address.js';

export { readCapture, readCaptureDetails, detectCaptureFormat } from './capture.js';
export type { CaptureRecord, CaptureDetails, CaptureInterface, CaptureSink } from './capture-record.js';
export { collect } from './capture-record.js';
export { PcapWriter } from './pcap.js';
export { PcapngWriter, Direction } from './pcapng-writer.js';
export { LinkType, linkTypeName } from './link-type.js';
