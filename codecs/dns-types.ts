/**
 * DNS TYPE and CLASS values and their mnemonics (IANA "Domain Name System
 * (DNS) Parameters"). Headers carry the mnemonic when it is known and the
 * number otherwise, so an unassigned or private value still round-trips.
 */

export type DnsType = string | number;
export type DnsClass = string | number;

const TYPE_NUMBERS: Record<string, number> = {
  A: 1, NS: 2, MD: 3, MF: 4, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, NULL: 10,
  WKS: 11, PTR: 12, HINFO: 13, MINFO: 14, MX: 15, TXT: 16, RP: 17, AFSDB: 18,
  SIG: 24, KEY: 25, AAAA: 28, LOC: 29, SRV: 33, NAPTR: 35, KX: 36, CERT: 37,
  DNAME: 39, OPT: 41, APL: 42, DS: 43, SSHFP: 44, IPSECKEY: 45, RRSIG: 46,
  NSEC: 47, DNSKEY: 48, DHCID: 49, NSEC3: 50, NSEC3PARAM: 51, TLSA: 52,
  SMIMEA: 53, HIP: 55, CDS: 59, CDNSKEY: 60, OPENPGPKEY: 61, CSYNC: 62,
  ZONEMD: 63, SVCB: 64, HTTPS: 65, SPF: 99, TKEY: 249, TSIG: 250, IXFR: 251,
  AXFR: 252, MAILB: 253, MAILA: 254, ANY: 255, URI: 256, CAA: 257,
};

const CLASS_NUMBERS: Record<string, number> = { IN: 1, CS: 2, CH: 3, HS: 4, NONE: 254, ANY: 255 };

function invert(table: Record<string, number>): string[] {
  const names: string[] = [];
  for (const [name, value] of Object.entries(table)) names[value] = name;
  return names;
}

// Indexed by value; a sparse array read is as cheap as it gets on the decode path.
const TYPE_NAMES = invert(TYPE_NUMBERS);
const CLASS_NAMES = invert(CLASS_NUMBERS);

export const DnsTypeNumber = TYPE_NUMBERS as Readonly<Record<string, number>>;
export const DnsClassNumber = CLASS_NUMBERS as Readonly<Record<string, number>>;

export function typeName(value: number): DnsType {
  return TYPE_NAMES[value] ?? value;
}

export function className(value: number): DnsClass {
  return CLASS_NAMES[value] ?? value;
}

// Maps, not the objects above: an encode looks a mnemonic up per record, and Map.get was measured faster than a keyed object read.
const TYPE_BY_NAME = new Map(Object.entries(TYPE_NUMBERS));
const CLASS_BY_NAME = new Map(Object.entries(CLASS_NUMBERS));

function toNumber(value: string | number, table: Map<string, number>, what: string): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffff) return value;
  } else {
    const n = table.get(value);
    if (n !== undefined) return n;
  }
  throw new TypeError(`unknown DNS ${what}: ${JSON.stringify(value)}`);
}

export function typeNumber(type: DnsType): number {
  // The mnemonics nearly every message carries, compared before the Map: a string compare against a constant costs less than a lookup.
  if (type === 'A') return 1;
  if (type === 'AAAA') return 28;
  return toNumber(type, TYPE_BY_NAME, 'type');
}

export function classNumber(klass: DnsClass): number {
  if (klass === 'IN') return 1;
  return toNumber(klass, CLASS_BY_NAME, 'class');
}
