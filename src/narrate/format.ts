/** Small text helpers for the story: times, values and indented blocks. */
import type { SimEvent } from '../sim/event-log.js';

/** Virtual time as milliseconds with microsecond precision: "t=12.345 ms". */
export function at(timeNs: number): string {
  return `t=${ms(timeNs)}`;
}

export function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(3)} ms`;
}

export function seconds(ns: number): string {
  return `${(ns / 1e9).toFixed(ns % 1e9 === 0 ? 0 : 1)} s`;
}

/** A value from an event as text: lists joined, objects as key=value, nothing for undefined. */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(text).join(', ');
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${text(v)}`).join(' ');
  if (typeof value === 'function') return 'function';
  // Certificate names come with one attribute a line.
  return String(value).replace(/\n/g, ', ');
}

/** The details of an event, as "key=value" pairs, for events the story has no special words for. */
export function details(event: SimEvent): string {
  // A TLS step's name and side are told by the sentence around it.
  const skip = new Set(['timeNs', 'node', 'kind', 'step', 'role']);
  return Object.entries(event)
    .filter(([k, v]) => !skip.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${text(v)}`)
    .join(' ');
}

export function indent(lines: readonly string[], by = 2): string[] {
  const pad = ' '.repeat(by);
  return lines.map((l) => (l === '' ? l : pad + l));
}

/** A multi-line table printed by a device, indented under its title. */
export function block(title: string, body: string, by = 2): string[] {
  return [title, ...indent(body.split('\n'), by)];
}

export function str(event: SimEvent | undefined, key: string): string | undefined {
  const v = event?.[key];
  return v === undefined || v === null ? undefined : text(v);
}

export function num(event: SimEvent | undefined, key: string): number | undefined {
  const v = event?.[key];
  return typeof v === 'number' ? v : undefined;
}

/** An event's list field, or an empty list when it holds something else. */
export function list(event: SimEvent | undefined, key: string): readonly unknown[] {
  const v = event?.[key];
  return Array.isArray(v) ? v : [];
}

/** A field of a value read from an event list, whatever that value turns out to be. */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
