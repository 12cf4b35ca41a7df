/**
 * Link-layer header types as the tcpdump.org LINKTYPE_ registry numbers them.
 * Both capture formats carry these numbers: classic pcap once per file, pcapng
 * once per interface. Only the low 16 bits name the type; classic pcap uses
 * the upper bits of the same field for the FCS length.
 */
export const LinkType = {
  null: 0,
  ethernet: 1,
  ppp: 9,
  raw: 101,
  ieee80211: 105,
  loop: 108,
  linuxSll: 113,
  ieee80211Radiotap: 127,
  ipv4: 228,
  ipv6: 229,
  linuxSll2: 276,
} as const;

export type LinkTypeName = keyof typeof LinkType;

const NAMES = new Map<number, LinkTypeName>(Object.entries(LinkType).map(([name, value]) => [value, name as LinkTypeName]));

/** The registry name for a link type, or `undefined` for one this table does not list. */
export function linkTypeName(linkType: number): LinkTypeName | undefined {
  return NAMES.get(linkType);
}
