/**
 * The story of the real journey (the describe-instances scenario), with the
 * frames read back from its full capture: the values in the text are the
 * ones its nodes recorded.
 */
import { describe, expect, it } from 'vitest';
import { collect } from '../../codecs/capture-record.js';
import { readPcapng } from '../../codecs/pcapng.js';
import { framesFromCapture } from '../../src/narrate/frames.js';
import { narrate } from '../../src/narrate/narrate.js';
import { summarize } from '../../src/narrate/summary.js';
import { snapshotTables } from '../../src/narrate/tables.js';
import { runDescribeInstances } from '../../src/scenarios/describe-instances.js';
import type { SimEvent } from '../../src/sim/event-log.js';

function tell(seed: number) {
  const capture = collect();
  const run = runDescribeInstances({ seed, capture: capture.sink, captureAll: true });
  const sim = run.network.sim;
  const frames = framesFromCapture(readPcapng(capture.bytes()), sim.epochNs(0));
  const events = sim.log.events;
  const lines = narrate({ events, frames, after: snapshotTables(run.network, sim.now) });
  return { run, events, frames, lines, text: lines.join('\n') };
}

const first = tell(3);
const of = (events: readonly SimEvent[], kind: string, node?: string) => events.filter((e) => e.kind === kind && (node === undefined || e.node === node));

describe('the story of the describe-instances journey', () => {
  it("ends the response phase with the app's own output line", () => {
    const output = of(first.events, 'app-output')[0];
    expect(output.line).toBe(first.run.output[0]);
    const response = first.lines.indexOf('Phase 5: HTTP response');
    expect(first.lines.indexOf(`Output: ${output.line}`)).toBeGreaterThan(response);
  });

  it("follows the SYN through every router with the route each one's LPM chose", () => {
    const syn = of(first.events, 'tcp-segment-sent', 'laptop').find((e) => e.flags === 'SYN')!;
    const start = first.lines.findIndex((l) => l.startsWith('Step 1: SYN'));
    const step = first.lines.slice(start, first.lines.indexOf('', start)).join('\n');
    expect(step).toContain(`Sequence Number: ${syn.seq}`);
    const summary = of(first.events, 'journey-summary')[0];
    const routers = summary.hopsOut as string[];
    expect(routers.length).toBeGreaterThan(3);
    const routes = of(first.events, 'route').filter((e) => e.destination === '52.94.133.131');
    for (const router of routers) {
      const route = routes.find((e) => e.node === router)!;
      expect(step).toContain(`${router}: Layer 3 routing to 52.94.133.131`);
      expect(step).toContain(`longest prefix match: ${route.prefix} won`);
    }
  });

  it("tells the load balancer's and the API server's steps with their recorded values", () => {
    const rule = of(first.events, 'lb-route')[0];
    const operation = of(first.events, 'api-operation')[0];
    const verdict = of(first.events, 'sigv4-verify')[0];
    const start = first.lines.indexOf('Step 4: the server side at work');
    const step = first.lines.slice(start, first.lines.indexOf('', start)).join('\n');
    expect(step).toContain(`rule=${rule.rule}`);
    expect(step).toContain(`sigv4-verify ok=${verdict.ok}`);
    expect(step).toContain(`instanceIds=${(operation.instanceIds as string[]).join(', ')}`);
  });

  it("counts what the scenario's own meter counted, and its router hops each way", () => {
    const measured = of(first.events, 'journey-summary')[0];
    const summary = summarize({ events: first.events, frames: first.frames });
    expect(summary.packets).toBe(measured.frames);
    expect(summary.datagrams).toBe(measured.packets);
    expect(summary.bytes).toBe(measured.wireBytes);
    expect(summary.routerHopsOut).toBe((measured.hopsOut as string[]).length);
    expect(summary.routerHopsBack).toBe((measured.hopsBack as string[]).length);
  });

  it('tells the same story for the same seed, and another for another seed', () => {
    expect(tell(3).lines).toEqual(first.lines);
    const other = tell(4);
    const port = (t: { events: readonly SimEvent[] }) => String(of(t.events, 'tcp-segment-sent', 'laptop')[0].connection);
    expect(port(other)).not.toBe(port(first));
    expect(other.text).toContain(port(other));
    expect(other.text).not.toContain(port(first));
  });
});
