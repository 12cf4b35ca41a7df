/**
 * What the links carried, as the narration reads it: every frame seen at a
 * link end, with the node and interface, the direction, the datagram's
 * packet id and the device's note. A recorder is a passive tap, like a
 * capture: it copies bytes and changes nothing in the run.
 */
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
