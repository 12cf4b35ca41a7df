/** What every phase reads: the events, the recorded frames, and the journey's landmarks found in them. */
import type { SimEvent } from '../sim/event-log.js';
import type { FrameRecord } from './frames.js';
import type { Journey } from './journey.js';

export interface StoryContext {
  readonly events: readonly SimEvent[];
  readonly frames: readonly FrameRecord[];
  readonly journey: Journey;
}

/** The first frame recorded that passes `test`. */
export function frameWhere(ctx: StoryContext, test: (f: FrameRecord) => boolean): FrameRecord | undefined {
  return ctx.frames.find(test);
}

/** The frame of a datagram as it left (or reached) a node. */
export function frameOf(ctx: StoryContext, packetId: bigint | undefined, node: string | undefined, direction: FrameRecord['direction']): FrameRecord | undefined {
  if (packetId === undefined || node === undefined) return undefined;
  return frameWhere(ctx, (f) => f.packetId === packetId && f.node === node && f.direction === direction);
}

export function eventsBetween(ctx: StoryContext, from: number, to: number, test: (e: SimEvent) => boolean): SimEvent[] {
  const out: SimEvent[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, ctx.events.length); i++) if (test(ctx.events[i])) out.push(ctx.events[i]);
  return out;
}

export const isArp = (bytes: Uint8Array): boolean => ((bytes[12] << 8) | bytes[13]) === 0x0806;

/** The client's MAC and address, from its first IPv4 frame out. */
export function ownAddress(ctx: StoryContext): { mac: string; ip: string } | undefined {
  const j = ctx.journey;
  const frame = frameWhere(ctx, (f) => f.node === j.client && f.direction === 'outbound' && !isArp(f.bytes));
  if (!frame || !j.clientIp) return undefined;
  const b = frame.bytes;
  const mac = Array.from(b.subarray(6, 12), (x) => x.toString(16).padStart(2, '0')).join(':');
  return { mac, ip: j.clientIp };
}
