/**
 * A DNS server: a host that answers questions on port 53 from a zone it
 * holds, over UDP and, once TCP is attached, over TCP. It follows CNAMEs
 * within the zone, says NXDOMAIN for names it does not hold (RFC 6604: the
 * code speaks of the last name in the chain), REFUSED for classes and zone
 * transfers it does not serve, NOTIMP for opcodes other than QUERY, and
 * FORMERR for a message that is not one question. A UDP answer longer than
 * 512 bytes, or than the EDNS size the client advertised (RFC 6891 §6.2.5),
 * goes out truncated (TC=1, no records) so the client asks again over TCP.
 */
import { DecodeError } from '../../codecs/decode-error.js';
import * as dns from '../../codecs/dns.js';
import type { DnsRecordData } from '../../codecs/dns-rdata.js';
import type { Simulator } from '../sim/simulator.js';
import type { ByteStream } from '../stack/byte-stream.js';
import { readDnsMessages } from '../stack/dns-tcp.js';
import { Host, type HostConfig } from './host.js';

export interface ZoneRecord {
  readonly type: string;
  readonly ttl: number;
  readonly data: DnsRecordData;
}

/** Records by owner name, e.g. `{ 'ec2.us-east-1.amazonaws.com': [{ type: 'A', ttl: 60, data: '52.94.133.131' }] }`. */
export type Zone = Readonly<Record<string, readonly ZoneRecord[]>>;

export interface DnsServerConfig extends HostConfig {
  readonly zone: Zone;
  /** Set AA on answers (an authoritative server) rather than RA (a recursive service such as 8.8.8.8); default false. */
  readonly authoritative?: boolean;
  /** The largest UDP answer this server sends to an EDNS client; default 1232 (the DNS Flag Day 2020 size). */
  readonly ednsPayloadSize?: number;
}

export const Rcode = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5 } as const;

const CLASSIC_UDP_LIMIT = 512;
const MAX_CNAME_CHAIN = 8;
const REFUSED_TYPES = new Set(['AXFR', 'IXFR']);

export interface AnswerOptions {
  readonly authoritative?: boolean;
  readonly ednsPayloadSize?: number;
}

/** The response to `query` from `zone`: over UDP it may come back truncated. */
export function answerQuery(zone: Zone, query: dns.DnsMessage, transport: 'udp' | 'tcp', options: AnswerOptions = {}): dns.DnsMessage {
  const ednsSize = options.ednsPayloadSize ?? 1232;
  const clientOpt = query.additionals.find(dns.isOptRecord);
  const additionals: dns.DnsResourceRecord[] = clientOpt
    ? [{ name: '', type: 'OPT', udpPayloadSize: ednsSize, extendedRcode: 0, version: 0, do: false, z: 0, options: [] }]
    : [];
  const reply = (rcode: number, answers: dns.DnsRecord[] = []): dns.DnsMessage => ({
    id: query.id,
    flags: { qr: true, opcode: query.flags.opcode, aa: options.authoritative ?? false, tc: false, rd: query.flags.rd, ra: !(options.authoritative ?? false), z: false, ad: false, cd: query.flags.cd, rcode },
    questions: query.questions,
    answers,
    authorities: [],
    additionals,
  });
  if (query.flags.opcode !== 0) return reply(Rcode.notImp);
  if (query.questions.length !== 1) return reply(Rcode.formErr);
  const question = query.questions[0];
  if (question.class !== 'IN') return reply(Rcode.refused);
  if (REFUSED_TYPES.has(String(question.type))) return reply(Rcode.refused);

  const { rcode, answers } = lookUp(zone, question);
  const response = reply(rcode, answers);
  if (transport === 'tcp') return response;
  const limit = clientOpt ? Math.min(Math.max(CLASSIC_UDP_LIMIT, clientOpt.udpPayloadSize), ednsSize) : CLASSIC_UDP_LIMIT;
  if (dns.encodingLength(response) <= limit) return response;
  return { ...response, flags: { ...response.flags, tc: true }, answers: [] };
}

function lookUp(zone: Zone, question: dns.DnsQuestion): { rcode: number; answers: dns.DnsRecord[] } {
  const answers: dns.DnsRecord[] = [];
  const type = String(question.type);
  let name = question.name;
  for (let step = 0; step <= MAX_CNAME_CHAIN; step++) {
    const records = zone[canonical(name)] ?? findCaseless(zone, name);
    if (!records) return { rcode: Rcode.nxDomain, answers };
    const matching = records.filter((r) => r.type === type);
    if (matching.length > 0) {
      for (const r of matching) answers.push({ name, type: r.type, class: 'IN', ttl: r.ttl, data: r.data });
      return { rcode: Rcode.noError, answers };
    }
    const cname = records.find((r) => r.type === 'CNAME');
    if (!cname || typeof cname.data !== 'string') return { rcode: Rcode.noError, answers };
    answers.push({ name, type: 'CNAME', class: 'IN', ttl: cname.ttl, data: cname.data });
    name = cname.data;
  }
  // A chain this long is a loop or a misconfiguration.
  return { rcode: Rcode.servFail, answers: [] };
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function findCaseless(zone: Zone, name: string): readonly ZoneRecord[] | undefined {
  const wanted = canonical(name);
  for (const key of Object.keys(zone)) if (canonical(key) === wanted) return zone[key];
  return undefined;
}

export class DnsServer extends Host {
  readonly zone: Zone;
  private readonly answerOptions: AnswerOptions;

  constructor(sim: Simulator, config: DnsServerConfig) {
    super(sim, config);
    this.zone = config.zone;
    this.answerOptions = { authoritative: config.authoritative, ednsPayloadSize: config.ednsPayloadSize };
    const socket = this.udp.bind(dns.DNS_PORT);
    socket.onMessage((data, from) => {
      const response = this.respond(data, 'udp', from.address);
      if (response) {
        socket.sendTo(from.address, from.port, dns.encode(response), {
          note: `${this.name}: DNS response id ${response.id} ${summary(response)}`,
        });
      }
    });
    this.whenTcp((tcp) => tcp.listen(dns.DNS_PORT, (stream) => this.serveStream(stream)));
  }

  /** Answers every length-prefixed question on a TCP connection (RFC 7766). */
  serveStream(stream: ByteStream): void {
    const reader = new dns.DnsTcpStream();
    stream.on('data', (chunk) =>
      readDnsMessages(
        reader,
        chunk,
        (message) => {
          const response = this.answer(message, 'tcp', 'tcp peer');
          if (response) stream.write(dns.encodeTcp(response));
        },
        (error) => this.drop('malformed', { protocol: 'dns', transport: 'tcp', reason: error.reason }),
      ),
    );
    stream.on('end', () => stream.end());
  }

  private respond(data: Uint8Array, transport: 'udp' | 'tcp', from: string): dns.DnsMessage | undefined {
    let query: dns.DnsMessage;
    try {
      query = dns.decode(data).header;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.drop('malformed', { protocol: 'dns', transport, reason: error.reason });
      return undefined;
    }
    return this.answer(query, transport, from);
  }

  private answer(query: dns.DnsMessage, transport: 'udp' | 'tcp', from: string): dns.DnsMessage | undefined {
    // A response is never answered: two servers would otherwise talk forever.
    if (query.flags.qr) {
      this.drop('dns-not-a-query', { id: query.id });
      return undefined;
    }
    const q = query.questions[0];
    this.sim.log.record(this.name, 'dns-server-query', { id: query.id, name: q?.name, type: q?.type, from, transport });
    const response = answerQuery(this.zone, query, transport, this.answerOptions);
    this.sim.log.record(this.name, 'dns-server-response', {
      id: response.id,
      rcode: response.flags.rcode,
      truncated: response.flags.tc,
      answers: response.answers.filter((r): r is dns.DnsRecord => !dns.isOptRecord(r)).map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, data: typeof r.data === 'string' ? r.data : r.type })),
      transport,
    });
    return response;
  }
}

function summary(response: dns.DnsMessage): string {
  if (response.flags.tc) return 'truncated (TC=1)';
  const names = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
  const parts = response.answers.filter((r): r is dns.DnsRecord => !dns.isOptRecord(r)).map((r) => `${r.type} ${typeof r.data === 'string' ? r.data : ''}`.trim());
  return parts.length > 0 ? parts.join(', ') : names[response.flags.rcode] ?? `rcode ${response.flags.rcode}`;
}
