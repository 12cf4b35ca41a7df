import { describe, expect, it } from 'vitest';
import { dissect } from '../../codecs/dissect.js';
import { narrate } from '../../src/narrate/narrate.js';
import { summarize } from '../../src/narrate/summary.js';
import type { SimEvent } from '../../src/sim/event-log.js';
import { type JourneyRun, runJourney } from './journey.js';

const runs = new Map<number, JourneyRun>();
function run(seed: number): JourneyRun {
  if (!runs.has(seed)) runs.set(seed, runJourney(seed));
  return runs.get(seed)!;
}

function story(r: JourneyRun, withFrames = true): string[] {
  return narrate({ events: r.sim.log.events, frames: withFrames ? r.recorder.frames : undefined, before: r.before, after: r.after });
}

/** The lines of one phase: from its title to the next phase or the tables. */
function phase(lines: readonly string[], title: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(title));
  expect(start, `no line starts with ${title}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && (l.startsWith('Phase ') || l.startsWith('Tables ')));
  return lines.slice(start, end < 0 ? undefined : end);
}

/** The lines of one step: from its title to the next blank line. */
function section(lines: readonly string[], title: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(title));
  expect(start, `no line starts with ${title}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

const events = (r: JourneyRun, node: string, kind: string, test: (e: SimEvent) => boolean = () => true) => r.sim.log.events.filter((e) => e.node === node && e.kind === kind && test(e));

describe('the story told from a run', () => {
  it('keeps the seed article order: DNS, TCP, TLS, request, response, tables, summary', () => {
    const lines = story(run(7));
    const order = ['Phase 1: DNS resolution', 'Phase 2: TCP connection establishment', 'Phase 3: TLS handshake', 'Phase 4: HTTP request', 'Phase 5: HTTP response', 'Tables before the run', 'Tables after the run', 'Summary (measured)'];
    const at = order.map((title) => lines.findIndex((l) => l.startsWith(title)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("gives the SYN's, SYN-ACK's and ACK's numbers as the TCP events recorded them", () => {
    const r = run(7);
    const lines = story(r);
    const syn = events(r, 'laptop', 'tcp-segment-sent', (e) => e.flags === 'SYN')[0];
    const synAck = events(r, 'api', 'tcp-segment-sent', (e) => e.flags === 'SYN,ACK')[0];
    expect(section(lines, 'Step 1: SYN')).toContain(`  Sequence Number: ${syn.seq}`);
    const second = section(lines, 'Step 2: SYN-ACK');
    expect(second).toContain(`  Sequence Number: ${synAck.seq}`);
    expect(second).toContain(`  Acknowledgment Number: ${synAck.ack} (the SYN's sequence number + 1)`);
    expect(section(lines, 'Step 1: SYN').join('\n')).toContain(`connection ${syn.connection}`);
  });

  it("reads the SYN's options from the frame the laptop sent", () => {
    const r = run(7);
    const syn = events(r, 'laptop', 'tcp-segment-sent', (e) => e.flags === 'SYN')[0];
    const frame = r.recorder.frames.find((f) => f.node === 'laptop' && f.direction === 'outbound' && dissect(f.bytes).some((l) => l.name === 'tcp' && l.header.sequenceNumber === syn.seq && l.header.flags.syn));
    const tcp = dissect(frame!.bytes).find((l) => l.name === 'tcp')!.header as unknown as { options: Array<{ kind: string; value?: number; shiftCount?: number }> };
    const mss = tcp.options.find((o) => o.kind === 'mss')!.value;
    const scale = tcp.options.find((o) => o.kind === 'windowScale')!.shiftCount;
    const line = section(story(r), 'Step 1: SYN').find((l) => l.includes('Options:'));
    expect(line).toContain(`MSS ${mss}`);
    expect(line).toContain(`window scale ${scale}`);
  });

  it("names each router's winning prefix and the ones it beat, as the route events did", () => {
    const r = run(7);
    const text = section(story(r), 'Step 3: the journey to api').join('\n');
    const request = events(r, 'laptop', 'http-request')[0];
    expect(request).toBeDefined();
    const routes = r.sim.log.events.filter((e) => e.kind === 'route' && e.destination === '52.94.133.131' && e.timeNs > request.timeNs);
    const seen = new Set<string>();
    for (const route of routes) {
      if (seen.has(route.node)) continue;
      seen.add(route.node);
      const beat = route.beat as string[];
      expect(text).toContain(`${route.node}: Layer 3 routing to 52.94.133.131`);
      expect(text).toContain(`longest prefix match: ${route.prefix} won${beat.length > 0 ? `, beating ${beat.join(', ')}` : ''}`);
    }
    expect([...seen]).toEqual(['home-router', 'isp-1', 'isp-2']);
  });

  it('tells the NAT mapping and its reverse translation as the nat events recorded them', () => {
    const r = run(7);
    const lines = story(r);
    const nats = r.sim.log.events.filter((e) => e.kind === 'nat');
    const created = nats.filter((e) => e.created && e.protocol === 'tcp')[0];
    expect(section(lines, 'Step 1: SYN').join('\n')).toContain(`home-router: NAT TCP source ${created.inside} → ${created.outside} (to ${created.remote})`);
    const reverse = nats.filter((e) => e.direction === 'inbound' && e.protocol === 'udp')[0];
    expect(section(lines, 'Step 6: the response comes back').join('\n')).toContain(`NAT reverse translation, UDP destination ${reverse.outside} → ${reverse.inside} (from ${reverse.remote})`);
  });

  it('tells the DNS answer and the TTL it was cached for as the resolver recorded them', () => {
    const r = run(7);
    const response = events(r, 'laptop', 'dns-response')[0];
    const answer = (response.answers as Array<{ data: string; ttl: number }>)[0];
    const step = section(story(r), 'Step 7: laptop receives the response');
    expect(step).toContain(`  cached for ${response.ttl} s (the smallest TTL of the answers)`);
    expect(step.join('\n')).toContain(`→ ${answer.data} (A, TTL ${answer.ttl} s)`);
    const query = events(r, 'laptop', 'dns-query')[0];
    expect(section(story(r), 'Step 2: laptop builds the DNS query')).toContain(`    Source Port: ${query.sourcePort}`);
  });

  it('tells the ARP for the gateway: the miss, the request, the cache update and the later hits', () => {
    const r = run(7);
    const step = section(story(r), 'Step 3: laptop finds the next hop').join('\n');
    const learnt = events(r, 'laptop', 'arp-learn')[0];
    const lookups = events(r, 'laptop', 'arp-lookup');
    expect(lookups[0].hit).toBe(false);
    expect(step).toContain('ARP cache lookup for 192.168.1.1: miss');
    expect(step).toContain(`cache updated (t=${(learnt.timeNs / 1e6).toFixed(3)} ms): 192.168.1.1 → ${learnt.mac}`);
    expect(step).toContain(`later lookups of 192.168.1.1 in this run: ${lookups.length - 1}, of which ${lookups.slice(1).filter((e) => e.hit).length} hit the cache`);
  });

  it('shows the request packet layer by layer from its bytes, and the response taken apart at the laptop', () => {
    const r = run(7);
    const lines = story(r);
    const layers = section(lines, 'Step 2: the packet, layer by layer').join('\n');
    const log = r.sim.log.events;
    const secure = log.indexOf(events(r, 'laptop', 'tls', (e) => e.step === 'handshake-complete')[0]);
    const sent = log.slice(secure).find((e) => e.node === 'laptop' && e.kind === 'tcp-segment-sent' && (e.len as number) > 0)!;
    expect(layers).toContain(`Sequence Number: ${sent.seq}`);
    expect(layers).toContain('Source IP: 192.168.1.100');
    expect(layers).toContain('TTL: 64');
    expect(layers).toContain('POST / HTTP/1.1');
    const apart = section(lines, 'Step 3: laptop takes the packet apart').join('\n');
    expect(apart).toContain('Layer 3: destination IP 192.168.1.100 = 192.168.1.100? YES');
    expect(apart).toContain('TTL 61');
    expect(lines).toContain('Output: Found 1 instances');
  });

  it('tells the TLS handshake from both sides with the suite the server chose and the chain the client checked', () => {
    const r = run(7);
    const text = phase(story(r), 'Phase 3: TLS handshake').join('\n');
    const accepted = events(r, 'api', 'tls', (e) => e.step === 'client-hello-accepted')[0];
    const verified = events(r, 'laptop', 'tls', (e) => e.step === 'certificate-verified')[0];
    expect(text).toContain(`chosen cipher suite: ${accepted.cipherSuite}`);
    expect(text).toContain('server name (SNI): ec2.us-east-1.amazonaws.com');
    for (const subject of verified.subjects as string[]) expect(text).toContain(`subject ${subject}`);
    for (const name of ['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished']) expect(text).toContain(`sends ${name}`);
  });

  it('counts in the summary exactly the frames the links carried, and the router hops each way', () => {
    const r = run(7);
    const summary = summarize({ events: r.sim.log.events, frames: r.recorder.frames });
    expect(summary.packets).toBe(r.linkFrames);
    expect(summary.routerHopsOut).toBe(3);
    expect(summary.routerHopsBack).toBe(3);
    const response = events(r, 'api', 'tcp-segment-sent', (e) => (e.len as number) > 0).at(-1)!;
    const arrival = events(r, 'laptop', 'tcp-segment-received', (e) => e.seq === response.seq)[0];
    expect(summary.journeyNs).toBe(arrival.timeNs - events(r, 'laptop', 'dns-cache')[0].timeNs);
    expect(story(r).join('\n')).toContain(`carried as ${r.linkFrames} frames over the links`);
  });

  it('prints the tables before and after as the devices print themselves', () => {
    const r = run(7);
    expect(r.before.macTables[0].rows).toEqual([]);
    expect(r.after.macTables[0].rows.map((row) => [row.port, row.mac])).toEqual([
      [5, 'aa:aa:aa:00:00:01'],
      [8, '02:00:00:00:00:01'],
    ]);
    expect(r.after.natTables[0].rows.map((row) => row.internal)).toContain(events(r, 'laptop', 'tcp-segment-sent')[0].connection!.toString().split('→')[0]);
    const lines = story(r);
    const after = lines.slice(lines.findIndex((l) => l.startsWith('Tables after the run')));
    expect(after.join('\n')).toContain(r.after.macTables[0].text.split('\n').map((l) => `  ${l}`).join('\n'));
  });

  it('gives identical text for the same seed and different ports and sequence numbers for another', () => {
    const again = runJourney(7);
    expect(story(again)).toEqual(story(run(7)));
    const other = run(8);
    const seqOf = (r: JourneyRun) => events(r, 'laptop', 'tcp-segment-sent', (e) => e.flags === 'SYN')[0];
    expect(seqOf(other).seq).not.toBe(seqOf(run(7)).seq);
    expect(seqOf(other).connection).not.toBe(seqOf(run(7)).connection);
    const text8 = story(other).join('\n');
    expect(text8).toContain(`Sequence Number: ${seqOf(other).seq}`);
    expect(text8).not.toContain(`Sequence Number: ${seqOf(run(7)).seq}`);
    expect(text8).toContain(String(seqOf(other).connection));
  });

  it('without frames, still follows the datagrams through NAT from the events alone', () => {
    const r = run(7);
    const lines = story(r, false);
    const syn = section(lines, 'Step 1: SYN').join('\n');
    expect(syn).toContain('home-router: NAT TCP source');
    expect(syn).toContain('isp-2: Layer 3 routing to 52.94.133.131');
    expect(syn).not.toContain('Options:');
    expect(lines.some((l) => l.startsWith('  Packets exchanged'))).toBe(false);
  });

  it('tells nothing it was not given: an empty log gives only the summary', () => {
    expect(narrate({ events: [] })).toEqual(['Summary (measured)', '  Route lookups: 0, NAT translations: 0, drops: 0', '  Run ended at 0.000 ms of virtual time, after 0 events']);
  });
});
