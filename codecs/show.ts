/**
 * Layers as people like to read them, one `field = value` line each under a
 * `###[ layer ]###` heading, the way Scapy's show() prints: numbers that
 * stand for something are given by name beside the number, flags by their
 * letters, byte strings as hex, and nested records indented below.
 */
import type { Layer } from './layer.js';
import { cipherSuiteName, namedGroupName, protocolVersionName, signatureSchemeName } from './tls/names.js';

/** Per layer and field, how to print a value that stands for a name. */
export type FieldNamer = (value: unknown) => string | undefined;

const namers = new Map<string, Map<string, FieldNamer>>();

/** Teaches show() how a field of a layer reads; `field[]` names the items of a list field. */
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

function hexNamer(name: (value: number) => string | undefined): FieldNamer {
  return (value) => (typeof value === 'number' ? `0x${value.toString(16).padStart(4, '0')}${name(value) ? ` (${name(value)})` : ''}` : undefined);
}

function hexOnly(digits: number): FieldNamer {
  return (value) => (typeof value === 'number' ? `0x${value.toString(16).padStart(digits, '0')}` : undefined);
}

const ETHER_TYPES: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q', 0x88a8: '802.1ad', 0x86dd: 'IPv6' };
const IP_PROTOCOLS: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 47: 'GRE' };
const ARP_OPCODES: Record<number, string> = { 1: 'request', 2: 'reply' };
const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply', 3: 'destination unreachable', 4: 'source quench', 5: 'redirect', 8: 'echo request', 11: 'time exceeded', 12: 'parameter problem', 13: 'timestamp', 14: 'timestamp reply',
};

for (const [layer, field] of [['ethernet', 'etherType'], ['vlan', 'tpid'], ['vlan', 'etherType'], ['sll', 'protocol'], ['arp', 'protocolType']] as const) {
  registerFieldNames(layer, field, hexWithName(ETHER_TYPES));
}
registerFieldNames('arp', 'opcode', numberWithName(ARP_OPCODES));
registerFieldNames('ipv4', 'protocol', numberWithName(IP_PROTOCOLS));
registerFieldNames('icmp', 'type', numberWithName(ICMP_TYPES));
for (const layer of ['ipv4', 'icmp', 'udp', 'tcp']) registerFieldNames(layer, 'checksum', hexOnly(4));
registerFieldNames('ipv4', 'identification', hexOnly(4));
for (const field of ['cipherSuite', 'cipherSuites[]']) registerFieldNames('tls', field, hexNamer(cipherSuiteName));
for (const field of ['group', 'selectedGroup', 'namedGroupList[]']) registerFieldNames('tls', field, hexNamer(namedGroupName));
for (const field of ['algorithm', 'supportedSignatureAlgorithms[]']) registerFieldNames('tls', field, hexNamer(signatureSchemeName));
for (const field of ['version', 'legacyVersion', 'selectedVersion', 'versions[]']) registerFieldNames('tls', field, hexNamer(protocolVersionName));
// Where decode found compression pointers matters for re-encoding, not for reading.
registerFieldNames('dns', 'pointers', (value) => (Array.isArray(value) ? `${value.length} compression pointer${value.length === 1 ? '' : 's'} (kept for exact re-encoding)` : undefined));
