/**
 * Idle timeouts of NAT entries, in virtual nanoseconds. The defaults follow
 * the RFCs' floors: RFC 4787 REQ-5 wants UDP mappings to last at least two
 * minutes and recommends five; RFC 5382 REQ-5 sets 2 h 4 min for an
 * established TCP connection and 4 min for a transitory one (opening or
 * closing); RFC 5508 REQ-1 leaves ICMP query mappings at 60 s or more.
 */
export interface NatTimeouts {
  readonly udpNs: number;
  readonly tcpEstablishedNs: number;
  readonly tcpTransitoryNs: number;
  readonly icmpNs: number;
}

const SECOND = 1e9;

export const DEFAULT_NAT_TIMEOUTS: NatTimeouts = {
  udpNs: 300 * SECOND,
  tcpEstablishedNs: (2 * 3600 + 4 * 60) * SECOND,
  tcpTransitoryNs: 4 * 60 * SECOND,
  icmpNs: 60 * SECOND,
};

export function natTimeouts(overrides: Partial<NatTimeouts> = {}): NatTimeouts {
  const t = { ...DEFAULT_NAT_TIMEOUTS, ...overrides };
  for (const [name, value] of Object.entries(t)) {
    if (!(typeof value === 'number' && value > 0)) throw new RangeError(`NAT timeout ${name} must be a positive number of ns, not ${value}`);
  }
  return t;
}
