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

// Queries and responses are object literals of one shape, for both codecs, as
// the resolver's and the server's are. A response spread from its query has
// part of its properties out of line and another shape than the query, which
// slowed whichever codec met it and said more about the benchmark than about
// either codec.
function message(response: boolean, answers: dns.DnsRecord[]): dns.DnsMessage {
  return {
    id: 0x1f2e,
    flags: { qr: response, opcode: 0, aa: false, tc: false, rd: true, ra: response, z: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: NAME, type: 'A', class: 'IN' }],
    answers,
    authorities: [],
    additionals: [],
  };
}

function peerMessage(response: boolean, answers: dnsPacket.Answer[]): dnsPacket.Packet {
  return {
    id: 0x1f2e,
    type: response ? 'response' : 'query',
    flags: response ? dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE : dnsPacket.RECURSION_DESIRED,
    questions: [{ name: NAME, type: 'A', class: 'IN' }],
    answers,
  };
}

const query = message(false, []);
const response = message(true, [{ name: NAME, type: 'A', class: 'IN', ttl: 60, data: '52.94.133.131' }]);
const peerQuery = peerMessage(false, []);
const peerResponse = peerMessage(true, [{ name: NAME, type: 'A', class: 'IN', ttl: 60, data: '52.94.133.131' }]);

const queryBytes = dns.encode(query);
const responseBytes = dns.encode(response);
const queryBuffer = Buffer.from(queryBytes);
const responseBuffer = Buffer.from(responseBytes);
const out = new Uint8Array(512);
const peerOut = Buffer.alloc(512);

// Each call runs a batch, so that the timer's own cost does not swamp calls of
// well under a microsecond. Every task has its own loop: one loop shared by
// all tasks makes its call site megamorphic, and which task ran first then
// decides how well the others are optimised.
const BATCH = 100;
let sink: unknown;

export const tasks: BenchTask[] = [
  { name: 'dns.decode query', opsPerCall: BATCH, versus: 'dns-packet.decode query', fn: () => { for (let i = 0; i < BATCH; i++) sink = dns.decode(queryBytes); } },
  { name: 'dns-packet.decode query', opsPerCall: BATCH, fn: () => { for (let i = 0; i < BATCH; i++) sink = dnsPacket.decode(queryBuffer); } },
  { name: 'dns.decode response A', opsPerCall: BATCH, versus: 'dns-packet.decode response A', fn: () => { for (let i = 0; i < BATCH; i++) sink = dns.decode(responseBytes); } },
  { name: 'dns-packet.decode response A', opsPerCall: BATCH, fn: () => { for (let i = 0; i < BATCH; i++) sink = dnsPacket.decode(responseBuffer); } },
  { name: 'dns.encode query', opsPerCall: BATCH, versus: 'dns-packet.encode query', fn: () => { for (let i = 0; i < BATCH; i++) sink = dns.encodeInto(out, 0, query); } },
  { name: 'dns-packet.encode query', opsPerCall: BATCH, fn: () => { for (let i = 0; i < BATCH; i++) sink = dnsPacket.encode(peerQuery, peerOut, 0); } },
  { name: 'dns.encode response A', opsPerCall: BATCH, versus: 'dns-packet.encode response A', fn: () => { for (let i = 0; i < BATCH; i++) sink = dns.encodeInto(out, 0, response); } },
  { name: 'dns-packet.encode response A', opsPerCall: BATCH, fn: () => { for (let i = 0; i < BATCH; i++) sink = dnsPacket.encode(peerResponse, peerOut, 0); } },
];

