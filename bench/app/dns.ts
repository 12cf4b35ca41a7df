/**
 * DNS codec rates against dns-packet, measured in the same run: the
 * stub resolver's query for ec2.us-east-1.amazonaws.com (type A, RD) and
 * its answer (one A record, 52.94.133.131, TTL 60, the name compressed).
 * Encoding writes into a buffer reused from call to call, for both codecs.
 */
import dnsPacket from 'dns-packet';
import * as dns from '../../codecs/dns.js';
import type { BenchTask } from '../harness.js';

const NAME = 'ec2.us-east-1.amazonaws.com';
const flags = { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0 };
const query: dns.DnsMessage = { id: 0x1f2e, flags, questions: [{ name: NAME, type: 'A', class: 'IN' }], answers: [], authorities: [], additionals: [] };
const response: dns.DnsMessage = {
  ...query,
  flags: { ...flags, qr: true, ra: true },
  answers: [{ name: NAME, type: 'A', class: 'IN', ttl: 60, data: '52.94.133.131' }],
};

const peerQuery: dnsPacket.Packet = { id: 0x1f2e, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: NAME, type: 'A', class: 'IN' }] };
const peerResponse: dnsPacket.Packet = {
  ...peerQuery,
  type: 'response',
  flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
  answers: [{ name: NAME, type: 'A', class: 'IN', ttl: 60, data: '52.94.133.131' }],
};

const queryBytes = dns.encode(query);
const responseBytes = dns.encode(response);
const queryBuffer = Buffer.from(queryBytes);
const responseBuffer = Buffer.from(responseBytes);
const out = new Uint8Array(512);
const peerOut = Buffer.alloc(512);

// Each call runs a batch, so that the timer's own cost does not swamp calls of well under a microsecond.
const BATCH = 100;

function task(name: string, once: () => unknown, versus?: string): BenchTask {
  const fn = (): unknown => {
    let last: unknown;
    for (let i = 0; i < BATCH; i++) last = once();
    return last;
  };
  return versus === undefined ? { name, fn, opsPerCall: BATCH } : { name, fn, opsPerCall: BATCH, versus };
}

export const tasks: BenchTask[] = [
  task('dns.decode query', () => dns.decode(queryBytes), 'dns-packet.decode query'),
  task('dns-packet.decode query', () => dnsPacket.decode(queryBuffer)),
  task('dns.decode response A', () => dns.decode(responseBytes), 'dns-packet.decode response A'),
  task('dns-packet.decode response A', () => dnsPacket.decode(responseBuffer)),
  task('dns.encode query', () => dns.encodeInto(out, 0, query), 'dns-packet.encode query'),
  task('dns-packet.encode query', () => dnsPacket.encode(peerQuery, peerOut, 0)),
  task('dns.encode response A', () => dns.encodeInto(out, 0, response), 'dns-packet.encode response A'),
  task('dns-packet.encode response A', () => dnsPacket.encode(peerResponse, peerOut, 0)),
];
