/**
 * Layers as people like to read them, one `field = value` line each under a
 * `###[ layer ]###` heading, the way Scapy's show() prints: numbers that
 * stand for something are given by name beside the number, flags by their
 * letters, byte strings as hex, and nested records indented below.
 */
import type { Layer } from './layer.js';

/** Per layer and field, how to print a value that stands for a name. */
export type FieldNamer = (value: unknown) => string | undefined;

const namers = new Map<string, Map<string, FieldNamer>>();

/** Codecs register how their enum fields read, so show() stays generic. */
export function registerFieldNames(layer: string, field: string, namer: FieldNamer): void {
  let fields = namers.get(layer);
  if (!fields) namers.set(layer, (fields = new Map()));
  fields.set(field, namer);
}

const MAX_HEX = 48;

function hex(bytes: Uint8Array): string {
  const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, MAX_HEX)).toString('hex');
  return bytes.length > MAX_HEX ? `${shown}… (${bytes.length} bytes)` : `${shown || "''"}${bytes.length ? ` (${bytes.length} bytes)` : ''}`;
}

function scalar(value: unknown): string {
  if (value instanceof Uint8Array) return hex(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return `${value}`;
  if (value === undefined) return '-';
  if (value instanceof Error) return value.message;
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !(value instanceof Error) && !Array.isArray(value);
}

function flagLine(flags: Record<string, unknown>): string | undefined {
  const entries = Object.entries(flags);
  if (entries.length === 0 || !entries.every(([, v]) => typeof v === 'boolean')) return undefined;
  const set = entries.filter(([, v]) => v).map(([k]) => k.toUpperCase());
  return set.length ? set.join(' ') : '(none)';
}

function lines(layer: string, key: string, value: unknown, indent: string, out: string[]): void {
  const named = namers.get(layer)?.get(key)?.(value);
  if (named !== undefined) {
    out.push(`${indent}${key} = ${named}`);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`${indent}${key} = []`);
      return;
    }
    if (value.every((v) => !isRecord(v) && !Array.isArray(v))) {
      out.push(`${indent}${key} = [${value.map((v) => namers.get(layer)?.get(`${key}[]`)?.(v) ?? scalar(v)).join(', ')}]`);
      return;
    }
    value.forEach((item, i) => {
      if (isRecord(item) || Array.isArray(item)) {
        out.push(`${indent}${key}[${i}]:`);
        record(layer, item as Record<string, unknown>, `${indent}  `, out);
      } else {
        out.push(`${indent}${key}[${i}] = ${scalar(item)}`);
      }
    });
    return;
  }
  if (isRecord(value)) {
    const flags = flagLine(value);
    if (flags !== undefined) {
      out.push(`${indent}${key} = ${flags}`);
      return;
    }
    out.push(`${indent}${key}:`);
    record(layer, value, `${indent}  `, out);
    return;
  }
  out.push(`${indent}${key} = ${scalar(value)}`);
}

function record(layer: string, header: Record<string, unknown> | unknown[], indent: string, out: string[]): void {
  if (Array.isArray(header)) {
    header.forEach((v, i) => lines(layer, String(i), v, indent, out));
    return;
  }
  for (const [key, value] of Object.entries(header)) {
    // Views of the payload are shown as the layers that follow, not again here.
    if (key === 'payload') continue;
    lines(layer, key, value, indent, out);
  }
}

export function show(layers: readonly Layer[]): string {
  const out: string[] = [];
  for (const layer of layers) {
    out.push(`###[ ${layer.name} ]### offset ${layer.offset}, ${layer.length} bytes`);
    if (isRecord(layer.header)) record(layer.name, layer.header, '  ', out);
  }
  return out.join('\n');
}

/** "0x0800 (IPv4)": a number in hex with its name, for fields like EtherType. */
export function hexWithName(names: Readonly<Record<number, string>>, digits = 4): FieldNamer {
  return (value) => (typeof value === 'number' ? `0x${value.toString(16).padStart(digits, '0')}${names[value] ? ` (${names[value]})` : ''}` : undefined);
}

/** "6 (TCP)": a number with its name. */
export function numberWithName(names: Readonly<Record<number, string>>): FieldNamer {
  return (value) => (typeof value === 'number' && names[value] ? `${value} (${names[value]})` : undefined);
}
