/**
 * `npm run bench -- codecs`: IPv4 decode against ip-packet, the Internet
 * checksum, and dissect() of a whole 74-byte Ethernet/IPv4/TCP SYN with
 * MSS, SACK-permitted, timestamps and window scale.
 */
import { dissect } from '../../codecs/dissect.js';
import { tasks as l3 } from '../codecs/l3.js';
import type { Suite } from '../harness.js';

/** The SYN that opens tcpdump's dns_tcp.pcap. */
const SYN = Uint8Array.from(
  Buffer.from(
    '00112233446600112233445508004500003c9b28400040061376c0a8010bd157f912' +
      '83f3003523fec80c00000000a002faf00c410000020405b40402080a79e2ca9a0000000001030307',
    'hex',
  ),
);
const suite: Suite = {
  name: 'codecs',
  tasks: [...l3, { name: 'dissect 74-byte TCP SYN', fn: () => dissect(SYN) }],
};

export default suite;
