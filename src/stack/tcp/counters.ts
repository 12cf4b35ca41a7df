/** What a stack counts, as a plain object the narration and tests can read and print. */
export interface TcpCounters {
  activeOpens: number;
  passiveOpens: number;
  segmentsSent: number;
  segmentsReceived: number;
  dataBytesSent: number;
  dataBytesReceived: number;
  retransmissions: number;
  fastRetransmits: number;
  timeouts: number;
  duplicateAcksReceived: number;
  sackBlocksSent: number;
  outOfOrderSegments: number;
  zeroWindowProbes: number;
  resetsSent: number;
  resetsReceived: number;
  challengeAcks: number;
  icmpErrors: number;
  connectionsFailed: number;
}

/** Segments the stack threw away, each under the reason it had. */
export interface TcpDropCounters {
  badChecksum: number;
  malformed: number;
  noConnection: number;
  backlogFull: number;
  notAcceptable: number;
  paws: number;
  noAck: number;
}

export function newTcpCounters(): TcpCounters {
  return {
    activeOpens: 0,
    passiveOpens: 0,
    segmentsSent: 0,
    segmentsReceived: 0,
    dataBytesSent: 0,
    dataBytesReceived: 0,
    retransmissions: 0,
    fastRetransmits: 0,
    timeouts: 0,
    duplicateAcksReceived: 0,
    sackBlocksSent: 0,
    outOfOrderSegments: 0,
    zeroWindowProbes: 0,
    resetsSent: 0,
    resetsReceived: 0,
    challengeAcks: 0,
    icmpErrors: 0,
    connectionsFailed: 0,
  };
}

export function newTcpDropCounters(): TcpDropCounters {
  return { badChecksum: 0, malformed: 0, noConnection: 0, backlogFull: 0, notAcceptable: 0, paws: 0, noAck: 0 };
}
