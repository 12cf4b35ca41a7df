/**
 * What the links carried, as the narration reads it: every frame seen at a
 * link end, with the node and interface, the direction, the datagram's
 * packet id and the device's note. A recorder is a passive tap, like a
 * capture: it copies bytes and changes nothing in the run.
 */
import type { CaptureRecord } from '../../codecs/capture-record.js';
import type { Frame } from '../sim/frame.js';
import type { FrameTap, Interface, TapDirection } from '../sim/interface.js';

export interface FrameRecord {
  readonly timeNs: number;
  readonly node: string;
  /** The interface's name on its node ("eth0"). */
  readonly interface: string;
  readonly direction: TapDirection;
  readonly packetId: bigint;
  /** A copy: devices rewrite frames in place after they pass. */
  readonly bytes: Uint8Array;
  readonly note: string | undefined;
}

/** What a recorder needs of a network: its link ends. */
export interface LinkedNetwork {
  readonly links: ReadonlyArray<{ readonly a: Interface; readonly b: Interface }>;
}

export class FrameRecorder implements FrameTap {
  readonly frames: FrameRecord[] = [];

  frame(iface: Interface, direction: TapDirection, frame: Frame, timeNs: number, note: string | undefined): void {
    this.frames.push({ timeNs, node: iface.node.name, interface: iface.name, direction, packetId: frame.packetId, bytes: frame.bytes.slice(), note });
  }
}

/** Taps every link end of the network and returns the recorder that fills as the run goes. */
export function recordFrames(network: LinkedNetwork): FrameRecorder {
  const recorder = new FrameRecorder();
  for (const link of network.links) for (const end of [link.a, link.b]) end.taps.push(recorder);
  return recorder;
}

/**
 * Frames from a capture's records (a pcapng this emulator wrote, read back):
 * interfaces named "node:interface", the direction in epb_flags, and the
 * packet id. Times are made relative to `startEpochNs` (the run's start), and
 * records are put back in time order, since a capture may hold packets back
 * until a TLS key log is known.
 */
export function framesFromCapture(records: Iterable<CaptureRecord>, startEpochNs: bigint): FrameRecord[] {
  const out: FrameRecord[] = [];
  for (const r of records) {
    const name = r.interfaceName ?? '';
    const colon = name.indexOf(':');
    const direction = ((r.flags ?? 0) & 3) === 1 ? 'inbound' : ((r.flags ?? 0) & 3) === 2 ? 'outbound' : undefined;
    if (colon < 0 || direction === undefined || r.packetId === undefined) continue;
    out.push({ timeNs: Number(r.timestampNs - startEpochNs), node: name.slice(0, colon), interface: name.slice(colon + 1), direction, packetId: r.packetId, bytes: r.data.slice(), note: r.comment });
  }
  return out.sort((a, b) => a.timeNs - b.timeNs);
}
