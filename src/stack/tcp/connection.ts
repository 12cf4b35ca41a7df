/**
 * One TCP connection: the state machine and segment-arrival rules of
 * RFC 9293 §3.10, with the window, timers and recovery around it.
 *
 * Positions are kept as offsets from the initial sequence numbers (the SYN is
 * offset 0, the first data byte 1), so they never wrap; sequence.ts converts
 * them to and from the wire's 32-bit numbers.
 */
import { uint32ToIpv4 } from '../../../codecs/address.js';
import type { TcpFlags, TcpHeader, TcpOption } from '../../../codecs/tcp.js';
import { optionsLength } from '../../../codecs/tcp-options.js';
import type { Simulator } from '../../sim/simulator.js';
import type { ScheduledEvent } from '../../sim/event-queue.js';
import { type ByteStream, type ByteStreamEvents, StreamEvents } from '../byte-stream.js';
import type { IcmpErrorInfo } from '../ip-layer.js';
import type { TcpConfig } from './config.js';
import { CongestionControl } from './congestion.js';
import type { TcpCounters, TcpDropCounters } from './counters.js';
import { TcpError, type TcpErrorCode } from './errors.js';
import { ReceiveBuffer } from './receive-buffer.js';
import { RtoEstimator } from './rto.js';
import { flagText, makeFlags, readSynOptions, sackBlocksOf, segmentOptions, synOptions, timestampOf } from './segment.js';
import { SackScoreboard } from './sack-scoreboard.js';
import { SendBuffer } from './send-buffer.js';
import { seqAdd, seqDiff, seqLt } from './sequence.js';
import { type TcpState, isSynchronized } from './state.js';

/** What a connection needs from the stack that owns it. */
export interface ConnectionHost {
  readonly sim: Simulator;
  readonly node: string;
  readonly config: TcpConfig;
  readonly counters: TcpCounters;
  readonly drops: TcpDropCounters;
  transmit(connection: TcpConnection, header: TcpHeader, payload: Uint8Array, note: string): void;
  /** A passive connection completed its handshake. */
  established(connection: TcpConnection): void;
  /** The connection reached CLOSED: forget its 4-tuple. */
  closed(connection: TcpConnection): void;
}

export interface Endpoints {
  readonly localAddress: number;
  readonly localPort: number;
  readonly remoteAddress: number;
  readonly remotePort: number;
}

export interface TcpConnectionEvents extends ByteStreamEvents {
  /** The handshake completed. */
  connect: () => void;
}

const MAX_SACK_BLOCKS = 3;
const MAX_WINDOW_FIELD = 0xffff;
/** The MSS assumed when the peer's SYN names none (RFC 9293 §3.7.1). */
const DEFAULT_PEER_MSS = 536;

export class TcpConnection implements ByteStream, Endpoints {
  readonly localAddress: number;
  readonly localPort: number;
  readonly remoteAddress: number;
  readonly remotePort: number;
  /** "192.168.1.100:55555→52.94.133.131:443", as logs and notes name it. */
  readonly label: string;
  readonly pseudoHeader: { readonly source: string; readonly destination: string };
  state: TcpState = 'CLOSED';
  /** Set when a listener created this connection. */
  readonly passive: boolean;
  /** The last soft error (an ICMP message that did not end the connection), reported if it later times out. */
  softError: TcpError | undefined;

  // Send side.
  readonly iss: number;
  private sndUna = 0;
  private sndNxt = 0;
  /** The highest offset sent so far; sndNxt falls back below it after a timeout. */
  private sndMax = 0;
  /** The peer's window in bytes, already scaled. */
  private sndWnd = 0;
  private maxSndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private sndScale = 0;
  /** The largest segment the peer takes, before our options. */
  private peerMss = DEFAULT_PEER_MSS;
  private pathMss: number;
  private readonly sendBuffer = new SendBuffer();
  private finQueued = false;
  private finSent = false;
  private dupAcks = 0;
  private readonly scoreboard = new SackScoreboard();
  /** During recovery with SACK: holes below this were already retransmitted. */
  private holesRetransmittedTo = 0;
  private readonly rto = new RtoEstimator();
  readonly congestion: CongestionControl;
  /** The one segment being timed (Karn's rule: never a retransmitted one). */
  private rttTiming: { ackOffset: number; sentAtNs: number } | undefined;
  private retries = 0;
  /** Why sndNxt last went back below sndMax, for the log of what is sent again. */
  private resendReason = 'timeout';

  // Receive side.
  private irs = 0;
  private rcvNxt = 0;
  /** The right edge of the window last advertised, as an offset: it never moves left. */
  private rcvAdvRight = 0;
  private rcvScale = 0;
  private readonly reassembly = new ReceiveBuffer();
  /** The offset of the peer's FIN, once seen (it may arrive before the data in front of it). */
  private peerFinOffset: number | undefined;
  private lastAckSent = 0;
  private segmentsSinceAck = 0;
  /** In-order bytes the application has not taken yet (paused, or nobody listening). */
  private unread: Uint8Array[] = [];
  private unreadBytes = 0;
  private paused = false;
  private endPending = false;

  // Options agreed in the handshake.
  private sackOk = false;
  private timestampsOk = false;
  private readonly tsOffset: number;
  private tsRecent = 0;

  private retransmitTimer: ScheduledEvent | undefined;
  private persistTimer: ScheduledEvent | undefined;
  private persistBackoff = 0;
  private delayedAckTimer: ScheduledEvent | undefined;
  private timeWaitTimer: ScheduledEvent | undefined;
  private flushScheduled = false;

  private readonly events = new StreamEvents();
  private dataListeners = 0;
  private readonly connectListeners: Array<() => void> = [];
  private endRequested = false;
  private closeEmitted = false;
  private discardIncoming = false;

  constructor(
    private readonly host: ConnectionHost,
    endpoints: Endpoints,
    passive: boolean,
  ) {
    this.localAddress = endpoints.localAddress;
    this.localPort = endpoints.localPort;
    this.remoteAddress = endpoints.remoteAddress;
    this.remotePort = endpoints.remotePort;
    this.passive = passive;
    const local = uint32ToIpv4(this.localAddress);
    const remote = uint32ToIpv4(this.remoteAddress);
    this.label = `${local}:${this.localPort}→${remote}:${this.remotePort}`;
    this.pseudoHeader = { source: local, destination: remote };
    this.pathMss = host.config.mss;
    this.iss = host.sim.rng.uint32();
    this.tsOffset = host.config.timestamps ? host.sim.rng.uint32() : 0;
    this.congestion = new CongestionControl(host.config.mss);
  }

  // ---- The application's side ----

  on<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): void {
    if (event === 'connect') {
      this.connectListeners.push(listener as () => void);
      return;
    }
    this.events.on(event as keyof ByteStreamEvents, listener as ByteStreamEvents[keyof ByteStreamEvents]);
    if (event === 'data') {
      this.dataListeners++;
      if (this.unread.length > 0) this.scheduleFlush();
    }
  }

  write(bytes: Uint8Array): void {
    if (this.endRequested) throw new Error(`${this.label}: write after end`);
    if (this.state === 'CLOSED' || this.state === 'TIME-WAIT') throw new Error(`${this.label}: write on a ${this.state} connection`);
    this.sendBuffer.append(bytes);
    this.output();
  }

  /** Half-close: a FIN follows the data already written; the peer may go on sending. */
  end(): void {
    if (this.endRequested) return;
    this.endRequested = true;
    this.queueFinIfReady();
  }

  /**
   * Done in both directions: a FIN as for end(), and whatever arrives later is
   * discarded. Unread data makes it an abort, as RFC 2525 §2.17 advises.
   */
  close(): void {
    if (this.unreadBytes > 0) {
      this.abort();
      return;
    }
    this.discardIncoming = true;
    this.end();
  }

  /** Sends a RST and drops the connection at once (RFC 9293 §3.10.4 ABORT). */
  abort(): void {
    if (this.state === 'CLOSED') return;
    if (this.state !== 'SYN-SENT' && this.state !== 'TIME-WAIT') this.sendReset(this.sndNxt);
    this.finish(new TcpError('ECONNABORTED', `${this.label} aborted by the application`));
  }

  /** Stop delivering data: it stays in the receive buffer and the window shrinks (flow control). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.scheduleFlush();
  }

  /** The bytes waiting in the receive buffer for the application. */
  get bufferedBytes(): number {
    return this.unreadBytes;
  }

  // ---- Opening ----

  /** Active open: send the SYN (RFC 9293 §3.10.1). */
  open(): void {
    this.setState('SYN-SENT');
    this.host.counters.activeOpens++;
    this.sendSyn(false);
    this.armRetransmit();
  }

  /** Passive open: a listener got this SYN (RFC 9293 §3.10.7.2). */
  acceptSyn(header: TcpHeader): void {
    this.host.counters.passiveOpens++;
    this.setState('LISTEN');
    this.receiveSyn(header);
    this.setState('SYN-RECEIVED');
    this.sendSyn(true);
    this.armRetransmit();
  }

  private receiveSyn(header: TcpHeader): void {
    const offer = readSynOptions(header.options);
    const config = this.host.config;
    this.irs = header.sequenceNumber;
    this.rcvNxt = 1;
    this.reassembly.next = 0;
    this.peerMss = offer.mss ?? DEFAULT_PEER_MSS;
    this.sackOk = config.sack && offer.sackPermitted;
    this.timestampsOk = config.timestamps && offer.timestamp !== undefined;
    if (offer.timestamp !== undefined) this.tsRecent = offer.timestamp;
    if (offer.windowScale !== undefined && config.windowScale > 0) {
      this.sndScale = offer.windowScale;
      this.rcvScale = config.windowScale;
    } else {
      this.sndScale = 0;
      this.rcvScale = 0;
    }
    // The window in a SYN is never scaled (RFC 7323 §2.2).
    this.sndWnd = header.window;
    this.maxSndWnd = header.window;
    this.sndWl1 = 0;
    this.congestion.setMss(this.effectiveMss);
  }

  /** The window a SYN offers: unscaled, so at most 64 KiB, in whole segments as Linux offers it (64240). */
  private synWindow(): number {
    const config = this.host.config;
    return Math.min(Math.floor(MAX_WINDOW_FIELD / config.mss) * config.mss, config.receiveBuffer);
  }

  private sendSyn(withAck: boolean): void {
    const config = this.host.config;
    const synWindow = this.synWindow();
    // A SYN-ACK offers only what the SYN offered; a SYN offers all we do.
    const options = synOptions({
      mss: config.mss,
      sackPermitted: withAck ? this.sackOk : config.sack,
      timestamps: (withAck ? this.timestampsOk : config.timestamps) ? { value: this.tsValue(), echoReply: withAck ? this.tsRecent : 0 } : undefined,
      windowScale: withAck ? (this.rcvScale > 0 ? this.rcvScale : undefined) : config.windowScale > 0 ? config.windowScale : undefined,
    });
    if (withAck) this.rcvAdvRight = this.rcvNxt + synWindow;
    this.emit(makeFlags({ syn: true, ack: withAck }), 0, new Uint8Array(0), options, synWindow);
    this.sndNxt = 1;
    this.sndMax = Math.max(this.sndMax, 1);
    if (this.rttTiming === undefined && this.retries === 0) this.rttTiming = { ackOffset: 1, sentAtNs: this.host.sim.now };
  }

  // ---- Segment arrival (RFC 9293 §3.10.7) ----

  segmentArrives(header: TcpHeader, payload: Uint8Array): void {
    this.host.counters.segmentsReceived++;
    this.host.sim.log.record(this.host.node, 'tcp-segment-received', {
      connection: this.label,
      flags: flagText(header.flags),
      seq: header.sequenceNumber,
      ack: header.acknowledgmentNumber,
      len: payload.length,
      window: header.window,
    });
    if (this.state === 'SYN-SENT') this.arriveInSynSent(header);
    else if (isSynchronized(this.state)) this.arriveSynchronized(header, payload);
  }

  private arriveInSynSent(header: TcpHeader): void {
    const f = header.flags;
    const ackOffset = seqDiff(header.acknowledgmentNumber, this.iss);
    if (f.ack && (ackOffset <= 0 || ackOffset > this.sndMax)) {
      if (!f.rst) this.sendBareReset(header.acknowledgmentNumber);
      return;
    }
    if (f.rst) {
      this.host.counters.resetsReceived++;
      if (f.ack) this.finish(new TcpError('ECONNREFUSED', `${this.label} refused: the peer answered the SYN with a reset`));
      return;
    }
    if (!f.syn) return;
    this.receiveSyn(header);
    this.timestampArrived(header, 0);
    if (f.ack) {
      this.rcvAdvRight = this.rcvNxt + this.synWindow();
      this.handshakeAcknowledged(0, ackOffset);
    } else {
      // Simultaneous open (RFC 9293 §3.5, figure 8).
      this.setState('SYN-RECEIVED');
      this.sendSyn(true);
      this.armRetransmit();
    }
  }

  private arriveSynchronized(header: TcpHeader, payload: Uint8Array): void {
    const f = header.flags;
    const drops = this.host.drops;
    const segSeq = this.rcvNxt + seqDiff(header.sequenceNumber, this.recvSeq(this.rcvNxt));
    const synOffset = 0;

    // The peer repeats its SYN because our SYN-ACK went astray, or sends its SYN-ACK in a simultaneous open.
    if (this.state === 'SYN-RECEIVED' && f.syn && !f.rst && segSeq === synOffset) {
      const ackOffset = seqDiff(header.acknowledgmentNumber, this.iss);
      if (f.ack && ackOffset > this.sndUna && ackOffset <= this.sndMax) {
        this.timestampArrived(header, segSeq);
        this.handshakeAcknowledged(segSeq, ackOffset);
      } else {
        this.sendSyn(true);
      }
      return;
    }

    const timestamp = this.timestampsOk ? timestampOf(header.options) : undefined;
    // PAWS (RFC 7323 §5.3): an old timestamp means an old duplicate.
    if (timestamp && !f.rst && seqLt(timestamp.value, this.tsRecent)) {
      drops.paws++;
      this.sendAck();
      return;
    }

    const segLen = payload.length + (f.syn ? 1 : 0) + (f.fin ? 1 : 0);
    if (!this.acceptable(segSeq, segLen)) {
      drops.notAcceptable++;
      if (!f.rst) {
        this.sendAck();
        if (this.state === 'TIME-WAIT' && f.fin) this.armTimeWait();
      }
      return;
    }

    if (f.rst) {
      // RFC 5961 §3.2: only an exact match resets; a reset elsewhere in the window gets a challenge ACK.
      if (segSeq === this.rcvNxt) this.resetArrived();
      else this.challengeAck();
      return;
    }
    if (f.syn) {
      this.challengeAck();
      return;
    }
    if (!f.ack) {
      drops.noAck++;
      return;
    }

    const ackOffset = this.sndUna + seqDiff(header.acknowledgmentNumber, this.sendSeq(this.sndUna));
    if (this.state === 'SYN-RECEIVED') {
      if (ackOffset > this.sndUna && ackOffset <= this.sndMax) {
        this.sndWl1 = segSeq;
        this.sndWl2 = ackOffset;
        this.sndWnd = header.window << this.sndScale;
        this.setState('ESTABLISHED');
        this.becameEstablished();
      } else {
        this.sendBareReset(header.acknowledgmentNumber);
        return;
      }
    }
    // RFC 5961 §5.2: an ACK for data never sent, or far older than any window, is answered and dropped.
    if (ackOffset > this.sndMax || ackOffset < this.sndUna - this.maxSndWnd) {
      this.challengeAck();
      return;
    }
    if (timestamp) this.timestampArrived(header, segSeq);
    this.ackArrived(header, segSeq, ackOffset, payload.length);
    if (this.state === 'CLOSED') return;

    if (this.state === 'ESTABLISHED' || this.state === 'FIN-WAIT-1' || this.state === 'FIN-WAIT-2') {
      this.dataArrived(segSeq, payload, f.fin);
    }
    this.output();
  }

  /** The acceptability test of RFC 9293 §3.10.7.4, against the window we advertised. */
  private acceptable(segSeq: number, segLen: number): boolean {
    const wnd = this.rcvAdvRight - this.rcvNxt;
    const right = this.rcvNxt + wnd;
    if (segLen === 0) return wnd === 0 ? segSeq === this.rcvNxt : segSeq >= this.rcvNxt && segSeq < right;
    if (wnd === 0) return false;
    const last = segSeq + segLen - 1;
    return (segSeq >= this.rcvNxt && segSeq < right) || (last >= this.rcvNxt && last < right);
  }

  private timestampArrived(header: TcpHeader, segSeq: number): void {
    const timestamp = this.timestampsOk ? timestampOf(header.options) : undefined;
    if (timestamp && segSeq <= this.lastAckSent && !seqLt(timestamp.value, this.tsRecent)) this.tsRecent = timestamp.value;
  }

  private resetArrived(): void {
    this.host.counters.resetsReceived++;
    if (this.state === 'SYN-RECEIVED' && this.passive) {
      // Back to LISTEN: for a listener's child that means it simply goes away.
      this.finish(undefined);
      return;
    }
    if (this.state === 'CLOSING' || this.state === 'LAST-ACK' || this.state === 'TIME-WAIT') {
      this.finish(undefined);
      return;
    }
    this.finish(new TcpError('ECONNRESET', `${this.label} reset by the peer`));
  }

  private ackArrived(header: TcpHeader, segSeq: number, ackOffset: number, dataLength: number): void {
    const window = header.window << this.sndScale;
    if (this.sackOk) this.recordSack(sackBlocksOf(header.options));
    const inFlight = this.sndMax > this.sndUna;
    if (ackOffset > this.sndUna) {
      const acked = ackOffset - this.sndUna;
      this.acknowledge(ackOffset);
      if (this.congestion.inRecovery) {
        if (ackOffset >= (this.congestion.recover ?? 0)) this.congestion.exitRecovery(this.sndMax - this.sndUna);
        else {
          this.congestion.onPartialAck(acked);
          this.retransmitSegment(this.sndUna, 'partial-ack');
        }
      } else {
        this.congestion.onAck(acked);
      }
    } else if (ackOffset === this.sndUna && inFlight && dataLength === 0 && !header.flags.fin && window === this.sndWnd) {
      this.duplicateAck();
    }
    if (this.sndWl1 < segSeq || (this.sndWl1 === segSeq && this.sndWl2 <= ackOffset)) {
      this.sndWnd = window;
      this.maxSndWnd = Math.max(this.maxSndWnd, window);
      this.sndWl1 = segSeq;
      this.sndWl2 = ackOffset;
      if (window > 0) this.stopPersist();
    }

    const finAcked = this.finSent && this.sndUna === this.finOffset + 1;
    if (!finAcked) return;
    if (this.state === 'FIN-WAIT-1') this.setState('FIN-WAIT-2');
    else if (this.state === 'CLOSING') this.enterTimeWait();
    else if (this.state === 'LAST-ACK') this.finish(undefined);
  }

  /** Moves sndUna forward: release the bytes, take an RTT sample, reset the timer. */
  private acknowledge(ackOffset: number): void {
    if (this.rttTiming && ackOffset >= this.rttTiming.ackOffset) {
      this.rto.sample(this.host.sim.now - this.rttTiming.sentAtNs);
      this.rttTiming = undefined;
    }
    this.sndUna = ackOffset;
    if (this.sndNxt < ackOffset) this.sndNxt = ackOffset;
    this.sendBuffer.release(ackOffset - 1);
    this.scoreboard.acknowledged(ackOffset);
    this.dupAcks = 0;
    this.retries = 0;
    this.host.sim.cancel(this.retransmitTimer);
    this.retransmitTimer = undefined;
    if (this.sndMax > this.sndUna) this.armRetransmit();
  }

  private duplicateAck(): void {
    this.host.counters.duplicateAcksReceived++;
    this.dupAcks++;
    if (this.congestion.inRecovery) {
      this.congestion.onDuplicateInRecovery();
      this.retransmitNextHole();
      return;
    }
    if (this.dupAcks === 3) {
      this.congestion.enterRecovery(this.sndMax - this.sndUna, this.sndMax);
      this.host.counters.fastRetransmits++;
      this.holesRetransmittedTo = this.sndUna;
      this.retransmitSegment(this.sndUna, 'fast-retransmit');
    }
  }

  private recordSack(blocks: readonly { left: number; right: number }[]): void {
    for (const block of blocks) {
      const start = this.sndUna + seqDiff(block.left, this.sendSeq(this.sndUna));
      const end = this.sndUna + seqDiff(block.right, this.sendSeq(this.sndUna));
      // Blocks below the cumulative ACK or beyond what was sent are stale or forged (RFC 2018 §4).
      if (end <= this.sndMax && start >= this.sndUna) this.scoreboard.record(start, end);
    }
  }

  /** With SACK, in recovery: resend the next hole the receiver reported below its highest SACKed byte (after RFC 6675). */
  private retransmitNextHole(): void {
    if (!this.sackOk) return;
    const hole = this.scoreboard.nextHole(Math.max(this.sndUna, this.holesRetransmittedTo));
    if (hole !== undefined) this.retransmitSegment(hole, 'sack-hole');
  }

  private dataArrived(segSeq: number, payload: Uint8Array, fin: boolean): void {
    let data = payload;
    let start = segSeq;
    if (start < this.rcvNxt) {
      data = data.subarray(Math.min(data.length, this.rcvNxt - start));
      start = this.rcvNxt;
    }
    let finInWindow = fin;
    if (start + data.length > this.rcvAdvRight) {
      data = data.subarray(0, Math.max(0, this.rcvAdvRight - start));
      finInWindow = false;
    }
    if (finInWindow && this.peerFinOffset === undefined) this.peerFinOffset = segSeq + payload.length;
    const outOfOrder = start > this.rcvNxt;
    const hadGaps = this.reassembly.hasGaps;
    if (data.length > 0) {
      this.host.counters.dataBytesReceived += data.length;
      if (outOfOrder) this.host.counters.outOfOrderSegments++;
      for (const piece of this.reassembly.insert(start - 1, data)) this.deliver(piece);
      this.rcvNxt = this.reassembly.next + 1;
    }
    let finNow = false;
    if (this.peerFinOffset !== undefined && this.rcvNxt === this.peerFinOffset) {
      this.rcvNxt++;
      finNow = true;
      this.finArrived();
    }
    if (data.length === 0 && !finNow) return;
    // RFC 5681 §4.2: out-of-order data and the data that fills a gap are acknowledged at once.
    if (outOfOrder || hadGaps || finNow) {
      this.sendAck();
      return;
    }
    this.segmentsSinceAck++;
    if (this.segmentsSinceAck >= 2) this.sendAck();
    else if (this.delayedAckTimer === undefined) {
      this.delayedAckTimer = this.host.sim.schedule(this.host.config.delayedAckNs, () => {
        this.delayedAckTimer = undefined;
        if (this.state !== 'CLOSED') this.sendAck();
      });
    }
  }

  private finArrived(): void {
    if (this.unread.length > 0) this.endPending = true;
    else if (!this.discardIncoming) this.events.emit('end');
    if (this.state === 'ESTABLISHED') this.setState('CLOSE-WAIT');
    else if (this.state === 'FIN-WAIT-1') this.setState('CLOSING');
    else if (this.state === 'FIN-WAIT-2') this.enterTimeWait();
  }

  private deliver(bytes: Uint8Array): void {
    if (this.discardIncoming) return;
    if (this.paused || this.unread.length > 0 || !this.hasDataListener()) {
      this.unread.push(bytes);
      this.unreadBytes += bytes.length;
      if (!this.paused && this.hasDataListener()) this.scheduleFlush();
      return;
    }
    this.events.emit('data', bytes);
  }

  private hasDataListener(): boolean {
    return this.dataListeners > 0;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.host.sim.schedule(0, () => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (!this.paused && this.hasDataListener() && this.unread.length > 0) {
      const bytes = this.unread.shift()!;
      this.unreadBytes -= bytes.length;
      this.events.emit('data', bytes);
    }
    if (this.unread.length === 0 && this.endPending) {
      this.endPending = false;
      this.events.emit('end');
    }
    // Tell the sender the window opened, once it opened by enough to matter (RFC 9293 §3.8.6.2.2).
    if (isSynchronized(this.state) && this.windowRoom() >= Math.min(this.host.config.receiveBuffer / 2, this.host.config.mss)) this.sendAck();
  }

  /** How far the right edge could move now, beyond the one advertised. */
  private windowRoom(): number {
    return this.rcvNxt + this.freeSpace() - this.rcvAdvRight;
  }

  private freeSpace(): number {
    return Math.max(0, this.host.config.receiveBuffer - this.unreadBytes);
  }

  // ---- Sending ----

  private get finOffset(): number {
    return 1 + this.sendBuffer.written;
  }

  /** The payload a segment can carry: the path and peer MSS less the options every segment has. */
  private get effectiveMss(): number {
    return Math.min(this.peerMss, this.pathMss) - (this.timestampsOk ? 12 : 0);
  }

  private queueFinIfReady(): void {
    if (!this.endRequested || this.finQueued) return;
    if (this.state === 'ESTABLISHED') this.setState('FIN-WAIT-1');
    else if (this.state === 'CLOSE-WAIT') this.setState('LAST-ACK');
    else return;
    this.finQueued = true;
    this.output();
  }

  private canSendData(): boolean {
    const s = this.state;
    return s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-1' || s === 'CLOSING' || s === 'LAST-ACK';
  }

  /** Sends what the windows allow (RFC 9293 §3.8.6.2.1, RFC 5681). */
  private output(): void {
    if (!this.canSendData()) return;
    const mss = this.effectiveMss;
    for (;;) {
      const dataEnd = 1 + this.sendBuffer.written;
      const available = dataEnd - this.sndNxt;
      const window = Math.min(this.sndWnd, this.congestion.cwnd);
      const usable = this.sndUna + window - this.sndNxt;
      if (available > 0) {
        const length = Math.min(mss, available, Math.max(0, usable));
        if (length <= 0) break;
        // Sender-side silly window avoidance: a short segment only when it empties the queue.
        if (length < mss && length < available && this.sndMax > this.sndUna && length < this.maxSndWnd / 2) break;
        if (!this.host.config.noDelay && length < mss && this.sndMax > this.sndUna) break;
        this.sendData(this.sndNxt, length, this.finQueued && this.sndNxt + length === dataEnd);
        continue;
      }
      if (this.finQueued && this.sndNxt === dataEnd) this.sendData(this.sndNxt, 0, true);
      break;
    }
    const waiting = 1 + this.sendBuffer.written - this.sndNxt;
    if (this.sndWnd === 0 && waiting > 0 && this.sndMax === this.sndUna) this.armPersist();
  }

  private sendData(offset: number, length: number, fin: boolean): void {
    const isRetransmission = offset < this.sndMax;
    const payload = length > 0 ? this.sendBuffer.slice(offset - 1, offset - 1 + length) : new Uint8Array(0);
    const push = length > 0 && offset + length === 1 + this.sendBuffer.written;
    if (!isRetransmission && this.rttTiming === undefined) this.rttTiming = { ackOffset: offset + length + (fin ? 1 : 0), sentAtNs: this.host.sim.now };
    if (isRetransmission) {
      this.rttTiming = undefined;
      this.host.counters.retransmissions++;
      this.host.sim.log.record(this.host.node, 'tcp-retransmit', { connection: this.label, reason: this.resendReason, seq: this.sendSeq(offset), len: length });
    }
    this.emit(makeFlags({ ack: true, psh: push, fin }), offset, payload);
    this.host.counters.dataBytesSent += length;
    this.sndNxt = offset + length + (fin ? 1 : 0);
    if (fin) this.finSent = true;
    this.sndMax = Math.max(this.sndMax, this.sndNxt);
    if (this.retransmitTimer === undefined) this.armRetransmit();
  }

  /** Resends one segment from `offset` without moving sndNxt. */
  private retransmitSegment(offset: number, reason: string): void {
    const dataEnd = 1 + this.sendBuffer.written;
    const end = this.scoreboard.clip(offset, Math.min(this.sndMax, offset + this.effectiveMss, dataEnd));
    const length = Math.max(0, end - offset);
    const fin = this.finSent && offset + length === this.finOffset;
    if (length === 0 && !fin) return;
    this.host.counters.retransmissions++;
    this.host.sim.log.record(this.host.node, 'tcp-retransmit', { connection: this.label, reason, seq: this.sendSeq(offset), len: length });
    this.rttTiming = undefined;
    const payload = length > 0 ? this.sendBuffer.slice(offset - 1, offset - 1 + length) : new Uint8Array(0);
    this.emit(makeFlags({ ack: true, fin }), offset, payload);
    this.holesRetransmittedTo = Math.max(this.holesRetransmittedTo, offset + length);
  }

  private sendAck(): void {
    this.emit(makeFlags({ ack: true }), this.sndNxt, new Uint8Array(0));
  }

  private challengeAck(): void {
    this.host.counters.challengeAcks++;
    this.sendAck();
  }

  /** A reset from this connection, at `offset` in our sequence space. */
  private sendReset(offset: number): void {
    this.host.counters.resetsSent++;
    this.emit(makeFlags({ rst: true, ack: true }), offset, new Uint8Array(0), []);
  }

  /** A reset whose sequence number is the offending segment's ACK (RFC 9293 §3.10.7.3). */
  private sendBareReset(sequenceNumber: number): void {
    this.host.counters.resetsSent++;
    const header = this.header(makeFlags({ rst: true }), sequenceNumber, 0, 0, []);
    this.transmit(header, new Uint8Array(0));
  }

  private emit(flags: TcpFlags, offset: number, payload: Uint8Array, options?: TcpOption[], window?: number): void {
    const ackNumber = flags.ack ? this.recvSeq(this.rcvNxt) : 0;
    let opts = options;
    if (opts === undefined) {
      const sack = this.sackOk && !flags.rst ? this.reassembly.sackBlocks(MAX_SACK_BLOCKS, (o) => this.recvSeq(o + 1)) : [];
      this.host.counters.sackBlocksSent += sack.length;
      opts = segmentOptions(this.timestampsOk ? { value: this.tsValue(), echoReply: this.tsRecent } : undefined, sack);
      // Room for SACK blocks comes out of a full segment's payload rather than past the MSS.
      const room = Math.min(this.peerMss, this.pathMss) - optionsLength(opts);
      if (payload.length > room) opts = segmentOptions(this.timestampsOk ? { value: this.tsValue(), echoReply: this.tsRecent } : undefined, []);
    }
    const header = this.header(flags, this.sendSeq(offset), ackNumber, window ?? this.advertiseWindow(), opts);
    if (flags.ack) {
      this.lastAckSent = this.rcvNxt;
      this.segmentsSinceAck = 0;
      this.host.sim.cancel(this.delayedAckTimer);
      this.delayedAckTimer = undefined;
    }
    this.transmit(header, payload);
  }

  private header(flags: TcpFlags, sequenceNumber: number, acknowledgmentNumber: number, window: number, options: readonly TcpOption[]): TcpHeader {
    return {
      sourcePort: this.localPort,
      destinationPort: this.remotePort,
      sequenceNumber,
      acknowledgmentNumber,
      dataOffset: 0,
      reserved: 0,
      flags,
      window,
      checksum: 0,
      urgentPointer: 0,
      options,
    };
  }

  private transmit(header: TcpHeader, payload: Uint8Array): void {
    const flags = flagText(header.flags);
    this.host.counters.segmentsSent++;
    this.host.sim.log.record(this.host.node, 'tcp-segment-sent', {
      connection: this.label,
      flags,
      seq: header.sequenceNumber,
      ack: header.acknowledgmentNumber,
      len: payload.length,
      window: header.window,
    });
    const ack = header.flags.ack ? ` ack=${header.acknowledgmentNumber}` : '';
    const note = `${this.host.node}: TCP [${flags}] ${this.label} seq=${header.sequenceNumber}${ack} len=${payload.length} win=${header.window}`;
    this.host.transmit(this, header, payload, note);
  }

  /** The window field for a segment after the SYN: free space, scaled, never shrinking the edge already offered. */
  private advertiseWindow(): number {
    const free = this.freeSpace();
    const proposed = this.rcvNxt + free;
    // Receiver-side silly window avoidance: move the edge only by a worthwhile amount.
    const threshold = Math.min(this.host.config.receiveBuffer / 2, this.host.config.mss);
    const right = proposed - this.rcvAdvRight >= threshold ? proposed : this.rcvAdvRight;
    const window = Math.max(0, right - this.rcvNxt);
    // Rounding down may show the edge a little left of where we keep it (RFC 7323 §2.4); the buffer is never overrun.
    const field = Math.min(MAX_WINDOW_FIELD, Math.floor(window / 2 ** this.rcvScale));
    this.rcvAdvRight = Math.max(this.rcvAdvRight, this.rcvNxt + field * 2 ** this.rcvScale);
    return field;
  }

  private tsValue(): number {
    return (Math.floor(this.host.sim.now / 1_000_000) + this.tsOffset) >>> 0;
  }

  private sendSeq(offset: number): number {
    return seqAdd(this.iss, offset % 0x1_0000_0000);
  }

  private recvSeq(offset: number): number {
    return seqAdd(this.irs, offset % 0x1_0000_0000);
  }

  // ---- Timers ----

  private armRetransmit(): void {
    this.host.sim.cancel(this.retransmitTimer);
    this.retransmitTimer = this.host.sim.schedule(this.rto.rtoNs, () => this.retransmitTimeout());
  }

  /** RFC 6298 §5.4–5.7 and RFC 5681 §3.1: back off, shrink the window, go back to the first unacknowledged byte. */
  private retransmitTimeout(): void {
    this.retransmitTimer = undefined;
    const handshake = this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED';
    const limit = handshake ? this.host.config.maxSynRetries : this.host.config.maxRetries;
    if (this.retries >= limit) {
      this.finish(this.softError ?? new TcpError('ETIMEDOUT', `${this.label} timed out after ${this.retries} retransmissions`));
      return;
    }
    this.retries++;
    this.host.counters.timeouts++;
    this.rto.backOff();
    this.host.sim.log.record(this.host.node, 'tcp-timeout', { connection: this.label, state: this.state, retries: this.retries, rtoNs: this.rto.rtoNs });
    this.rttTiming = undefined;
    if (handshake) {
      this.host.counters.retransmissions++;
      this.sendSyn(this.state === 'SYN-RECEIVED');
      this.armRetransmit();
      return;
    }
    this.congestion.onTimeout(this.sndMax - this.sndUna);
    this.dupAcks = 0;
    this.scoreboard.clear();
    this.resendReason = 'timeout';
    this.sndNxt = this.sndUna;
    this.armRetransmit();
    this.output();
  }

  private armPersist(): void {
    if (this.persistTimer !== undefined) return;
    const delay = Math.min(60_000_000_000, this.rto.rtoNs * 2 ** this.persistBackoff);
    this.persistTimer = this.host.sim.schedule(delay, () => {
      this.persistTimer = undefined;
      if (this.sndWnd > 0 || !this.canSendData()) return;
      // Linux's probe: an old sequence number the receiver must answer with its window (RFC 9293 §3.8.6.1).
      this.host.counters.zeroWindowProbes++;
      this.persistBackoff++;
      this.emit(makeFlags({ ack: true }), this.sndUna - 1, new Uint8Array(0));
      this.armPersist();
    });
  }

  private stopPersist(): void {
    this.host.sim.cancel(this.persistTimer);
    this.persistTimer = undefined;
    this.persistBackoff = 0;
  }

  private enterTimeWait(): void {
    this.setState('TIME-WAIT');
    this.stopTimers();
    this.armTimeWait();
    this.emitClose(undefined);
  }

  private armTimeWait(): void {
    this.host.sim.cancel(this.timeWaitTimer);
    this.timeWaitTimer = this.host.sim.schedule(2 * this.host.config.mslNs, () => this.finish(undefined));
  }

  private stopTimers(): void {
    const sim = this.host.sim;
    sim.cancel(this.retransmitTimer);
    sim.cancel(this.persistTimer);
    sim.cancel(this.delayedAckTimer);
    this.retransmitTimer = undefined;
    this.persistTimer = undefined;
    this.delayedAckTimer = undefined;
  }

  // ---- State ----

  private setState(to: TcpState): void {
    if (to === this.state) return;
    this.host.sim.log.record(this.host.node, 'tcp-state', { connection: this.label, from: this.state, to });
    this.state = to;
  }

  /** The peer's SYN-ACK acknowledged our SYN: the send window dates from that segment, and our ACK opens the connection. */
  private handshakeAcknowledged(segSeq: number, ackOffset: number): void {
    this.sndWl1 = segSeq;
    this.sndWl2 = ackOffset;
    this.acknowledge(ackOffset);
    this.setState('ESTABLISHED');
    this.sendAck();
    this.becameEstablished();
  }

  private becameEstablished(): void {
    this.host.sim.cancel(this.retransmitTimer);
    this.retransmitTimer = undefined;
    if (this.sndMax > this.sndUna) this.armRetransmit();
    if (this.passive) this.host.established(this);
    for (const listener of this.connectListeners) listener();
    this.queueFinIfReady();
    this.output();
  }

  /** An ICMP error about a segment of ours (RFC 1122 §4.2.3.9, RFC 5927). */
  icmpError(error: IcmpErrorInfo): void {
    this.host.counters.icmpErrors++;
    const fragNeeded = error.type === 3 && error.code === 4;
    this.host.sim.log.record(this.host.node, 'tcp-icmp-error', { connection: this.label, type: error.type, code: error.code, nextHopMtu: error.nextHopMtu });
    if (fragNeeded) {
      const mtu = error.nextHopMtu ?? 0;
      // RFC 1191 §3: the MSS follows the path MTU down, and never below the 68-byte floor of IPv4.
      if (mtu >= 68 && mtu - 40 < this.pathMss) {
        this.pathMss = mtu - 40;
        this.congestion.setMss(this.effectiveMss);
        if (this.sndMax > this.sndUna) {
          this.resendReason = 'path-mtu';
          this.sndNxt = this.sndUna;
          this.output();
        }
      }
      return;
    }
    const hard = error.type === 3 && (error.code === 2 || error.code === 3);
    const code: TcpErrorCode = error.type === 3 && error.code === 0 ? 'ENETUNREACH' : error.type === 3 && hard ? 'ECONNREFUSED' : 'EHOSTUNREACH';
    const failure = new TcpError(code, `${this.label}: ICMP type ${error.type} code ${error.code} from ${uint32ToIpv4(error.reporter)}`);
    if (hard && this.state === 'SYN-SENT') this.finish(failure);
    else this.softError = failure;
  }

  /** To CLOSED: stop everything, tell the application (with `error` when it failed), leave the stack's table. */
  private finish(error: TcpError | undefined): void {
    if (this.state === 'CLOSED') return;
    if (error) this.host.counters.connectionsFailed++;
    this.setState('CLOSED');
    this.stopTimers();
    this.host.sim.cancel(this.timeWaitTimer);
    this.timeWaitTimer = undefined;
    this.host.closed(this);
    this.emitClose(error);
  }

  private emitClose(error: TcpError | undefined): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.events.emit('close', error);
  }

  /** A row for the stack's connection table. */
  describe(): { state: TcpState; sndUna: number; sndNxt: number; rcvNxt: number; sendWindow: number; cwnd: number; rtoMs: number; srttMs: number | undefined } {
    return {
      state: this.state,
      sndUna: this.sendSeq(this.sndUna),
      sndNxt: this.sendSeq(this.sndNxt),
      rcvNxt: isSynchronized(this.state) ? this.recvSeq(this.rcvNxt) : 0,
      sendWindow: this.sndWnd,
      cwnd: this.congestion.cwnd,
      rtoMs: this.rto.rtoNs / 1e6,
      srttMs: this.rto.srttNs === undefined ? undefined : this.rto.srttNs / 1e6,
    };
  }
}
