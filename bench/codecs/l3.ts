/**
 * Layer 3 hot paths: IPv4 decode against the ip-packet package, and the
 * Internet checksum in full (RFC 1071) and incrementally (RFC 1624). The
 * checksum tasks run a batch per call, since one call costs more than one
 * checksum, and feed each result into the next so the JIT cannot drop them.
 */
import * as ipPacket from 'ip-packet';
import { internetChecksum, updateChecksum16 } from '../../codecs/checksum.js';
import * as ipv4 from '../../codecs/ipv4.js';
import type { BenchTask } from '../harness.js';

/** The DNS query of the tcpdump project's dns_udp.pcap, frame 1: a 20-byte header and 64 bytes of UDP. */
const PACKET = Uint8Array.from(
  Buffer.from(
    '4500005459cd0000401194aec0a8010bd157f912' +
      'abbe003500407824593401200001000000000001037777770774637064756d70036f72670000010001000029100000000000000c000a000842f5d00996f90b13',
    'hex',
  ),
);

const BATCH = 1000;

/**
 * Packets whose addresses all differ, more of them than ipv4.decode keeps
 * formatted, so that every address is new to it: the worst case, where the
 * single packet above is the emulator's usual one.
 */
const FRESH = Array.from({ length: 4096 }, (_, i) =>
  ipv4.encode(
    { ...ipv4.decode(PACKET).header, source: `10.${i >>> 8}.${i & 255}.1`, destination: `172.16.${i >>> 8}.${i & 255}` },
    PACKET.subarray(20),
  ),
);
let sink = 0;

const header = PACKET.slice(0, 20);

export const tasks: BenchTask[] = [
  { name: 'ipv4.decode', fn: () => ipv4.decode(PACKET), versus: 'ip-packet.decode' },
  { name: 'ip-packet.decode', fn: () => ipPacket.decode({ buffer: PACKET, start: 0, end: PACKET.length }) },
  {
    name: 'ipv4.decode, new addresses',
    opsPerCall: FRESH.length,
    versus: 'ip-packet.decode, new addresses',
    fn: () => {
      for (const packet of FRESH) sink ^= ipv4.decode(packet).header.ttl;
    },
  },
  {
    name: 'ip-packet.decode, new addresses',
    opsPerCall: FRESH.length,
    fn: () => {
      for (const packet of FRESH) sink ^= ipPacket.decode({ buffer: packet, start: 0, end: packet.length }).ttl;
    },
  },
  {
    name: 'rfc1071 20 bytes',
    opsPerCall: BATCH,
    fn: () => {
      let checksum = sink & 0xffff;
      for (let i = 0; i < BATCH; i++) {
        header[10] = checksum >>> 8;
        header[11] = checksum & 0xff;
        checksum = internetChecksum(header, 0, 20);
      }
      sink = checksum;
    },
  },
  {
    name: 'rfc1624 16-bit update',
    opsPerCall: BATCH,
    fn: () => {
      let checksum = sink & 0xffff;
      for (let i = 0; i < BATCH; i++) checksum = updateChecksum16(checksum, i & 0xffff, (checksum + i) & 0xffff);
      sink = checksum;
    },
  },
];
