/** Phase 2: the three-way handshake, with the real numbers, options and both 4-tuples. */
import type { SimEvent } from '../sim/event-log.js';
import { type StoryContext, frameOf } from './context.js';
import { at, indent, num, str, text } from './format.js';
import { hopsOf, pathLines } from './hop.js';
import type { Located } from './journey.js';
import { flagNames, tcpOf, tcpOptionsText } from './layers.js';

function segmentLines(ctx: StoryContext, e: SimEvent, packetId: bigint | undefined, acknowledges?: SimEvent): string[] {
  const lines = [`flags ${str(e, 'flags')}, connection ${str(e, 'connection')}`, `Sequence Number: ${num(e, 'seq')}`];
  const ack = num(e, 'ack');
  if (text(e.flags).includes('ACK') && ack !== undefined) {
    const plusOne = acknowledges && ((num(acknowledges, 'seq')! + 1) >>> 0) === ack;
    lines.push(`Acknowledgment Number: ${ack}${plusOne ? ` (the ${str(acknowledges, 'flags')}'s sequence number + 1)` : ''}`);
  }
  lines.push(`Window: ${num(e, 'window')}`);
  const frame = frameOf(ctx, packetId, e.node, 'outbound');
  const header = frame && tcpOf(frame.bytes);
  if (header) {
    lines.push(`on the wire: ${flagNames(header.flags)}, ${header.sourcePort} → ${header.destinationPort}`);
    const options = tcpOptionsText(header.options);
    if (options) lines.push(`Options: ${options}`);
  }
  return lines;
}

export function tcpPhase(ctx: StoryContext): string[] {
  const j = ctx.journey;
  if (!j.syn) return [];
  const lines = ['Phase 2: TCP connection establishment', ''];
  const step = (n: number, title: string, seg: Located, packetId: bigint | undefined, acknowledges?: SimEvent) => {
    lines.push(`Step ${n}: ${title}, sent by ${seg.event.node} (${at(seg.event.timeNs)})`, ...indent(segmentLines(ctx, seg.event, packetId, acknowledges)));
    if (packetId !== undefined) lines.push(...indent(pathLines(ctx.events, packetId)));
    lines.push('');
  };
  step(1, 'SYN (synchronize)', j.syn, j.synDatagram);
  if (j.synAck) step(2, 'SYN-ACK (synchronize-acknowledge)', j.synAck, j.synAckDatagram, j.syn.event);
  if (j.ack) step(3, 'ACK (acknowledge)', j.ack, j.ackDatagram, j.synAck?.event);
  const established = ctx.events.filter((e) => e.kind === 'tcp-state' && e.to === 'ESTABLISHED' && (e.node === j.client || e.node === j.server) && e.timeNs >= j.syn!.event.timeNs);
  for (const e of established.slice(0, 2)) lines.push(`${e.node}: ${str(e, 'connection')} ${str(e, 'from')} → ESTABLISHED (${at(e.timeNs)})`);
  if (j.inside) lines.push('', 'Connection identity (the 4-tuple):', `  inside the home: ${j.inside.local.ip}:${j.inside.local.port} ←→ ${j.inside.remote.ip}:${j.inside.remote.port}`);
  if (j.outside) lines.push(`  as ${j.server} sees it: ${j.outside.remote.ip}:${j.outside.remote.port} ←→ ${j.outside.local.ip}:${j.outside.local.port}`);
  const nat = j.synDatagram !== undefined ? hopsOf(ctx.events, j.synDatagram).find((e) => e.kind === 'nat') : undefined;
  if (nat) lines.push(`  joined by ${nat.node}'s NAT mapping: External ${str(nat, 'outside')} ←→ Internal ${str(nat, 'inside')}`);
  return lines;
}
