/**
 * The story is told from whatever was recorded: events missing, out of
 * order or with fields of the wrong shape make it shorter, never make it
 * throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { narrate } from '../../src/narrate/narrate.js';
import type { SimEvent } from '../../src/sim/event-log.js';
import { runJourney } from './journey.js';

const run = runJourney(11);
const events = run.sim.log.events;
const frames = run.recorder.frames;
const odd = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer(), fc.bigInt(), fc.array(fc.anything(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.anything(), { maxKeys: 3 }));

describe('the story on a damaged log', () => {
  it('never throws when events are dropped', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: events.length, maxLength: events.length }), (keep) => {
        const kept = events.filter((_, i) => keep[i]);
        expect(Array.isArray(narrate({ events: kept, frames }))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('never throws when a field of an event holds something else', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(events.length - 1), fc.nat(20), odd), { minLength: 1, maxLength: 30 }), (changes) => {
        const damaged: SimEvent[] = events.map((e) => ({ ...e }));
        for (const [at, which, value] of changes) {
          const keys = Object.keys(damaged[at]).filter((k) => k !== 'kind' && k !== 'node' && k !== 'timeNs');
          if (keys.length === 0) continue;
          damaged[at] = { ...damaged[at], [keys[which % keys.length]]: value };
        }
        expect(Array.isArray(narrate({ events: damaged, frames }))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('tells the same with frames in another order of arrival', () => {
    const reversed = [...frames].reverse().sort((a, b) => a.timeNs - b.timeNs);
    expect(narrate({ events, frames: reversed }).slice(0, 40)).toEqual(narrate({ events, frames }).slice(0, 40));
  });
});
