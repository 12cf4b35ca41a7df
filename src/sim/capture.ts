/**
 * Capture taps: they sit on link ends and stream every frame that passes
 * into one pcapng, as a capture on a real network would, with one interface
 * per tapped link end named "node:interface", timestamps from the virtual
 * clock, the direction, the datagram's packet id across hops and a comment
 * saying what the device did.
 *
 * A TLS key log has to reach Wireshark before the encrypted records it
 * opens, yet its secrets exist only once the handshake has begun. So a TLS
 * client holds the capture before its ClientHello: packets are kept back
 * until it releases the hold with its key log, which is written first, as a
 * Decryption Secrets Block, and then the packets follow in order.
 */
import type { CaptureSink } from '../../codecs/capture-record.js';
import { PcapWriter } from '../../codecs/pcap.js';
import { type NameResolution, PcapngWriter } from '../../codecs/pcapng-writer.js';
import type { Frame } from './frame.js';
import type { FrameTap, Interface, TapDirection } from './interface.js';
import type { Simulator } from './simulator.js';

export interface CaptureOptions {
  /** The section comment. */
  readonly comment?: string;
  /** How many packets a hold may keep back before the capture refuses to go on; default 100,000. */
  readonly maxHeldPackets?: number;
}

interface HeldPacket {
  readonly interfaceId: number;
  readonly timestampNs: bigint;
  readonly data: Uint8Array;
  readonly direction: TapDirection;
  readonly packetId: bigint;
  readonly comment: string | undefined;
}

export class Capture implements FrameTap {
  private readonly writer: PcapngWriter;
  private readonly ids = new Map<Interface, number>();
  private readonly held: HeldPacket[] = [];
  private readonly maxHeld: number;
  private holds = 0;
  private written = 0;

  constructor(
    private readonly sim: Simulator,
    sink: CaptureSink,
    options: CaptureOptions = {},
  ) {
    this.writer = new PcapngWriter(sink, { comment: options.comment });
    this.maxHeld = options.maxHeldPackets ?? 100_000;
  }

  /** Starts capturing on a link end; tapping the same end twice is a no-op. */
  tap(iface: Interface): void {
    if (this.ids.has(iface)) return;
    this.ids.set(iface, this.writer.addInterface({ name: iface.label, description: `${iface.node.name} ${iface.name} (${iface.mac})` }));
    iface.taps.push(this);
  }

  /** Names for addresses, so Wireshark shows "laptop" rather than 192.168.1.100. */
  addNames(entries: readonly NameResolution[]): void {
    if (entries.length > 0) this.writer.writeNameResolution(entries);
  }

  /** How many packets have been written so far (held ones not counted). */
  get packetCount(): number {
    return this.written;
  }

  frame(iface: Interface, direction: TapDirection, frame: Frame, timeNs: number, note: string | undefined): void {
    const interfaceId = this.ids.get(iface);
    if (interfaceId === undefined) return;
    const packet: HeldPacket = { interfaceId, timestampNs: this.sim.epochNs(timeNs), data: frame.bytes, direction, packetId: frame.packetId, comment: note };
    if (this.holds === 0) return this.write(packet);
    if (this.held.length >= this.maxHeld) throw new Error(`capture: more than ${this.maxHeld} packets held back waiting for a key log`);
    // Devices edit frames in place after they pass; keep the bytes as they were.
    this.held.push({ ...packet, data: frame.bytes.slice() });
  }

  /**
   * Keeps packets back until the returned function is called; it writes the
   * key log (NSS format) as a Decryption Secrets Block when given one, then
   * whatever was held once no other hold remains.
   */
  hold(): (keyLog?: string) => void {
    this.holds++;
    let released = false;
    return (keyLog?: string) => {
      if (released) return;
      released = true;
      if (keyLog) this.writer.writeDecryptionSecrets(keyLog);
      if (--this.holds > 0) return;
      for (const packet of this.held) this.write(packet);
      this.held.length = 0;
    };
  }

  private write(p: HeldPacket): void {
    this.writer.writePacket({ interfaceId: p.interfaceId, timestampNs: p.timestampNs, data: p.data, direction: p.direction, packetId: p.packetId, comment: p.comment });
    this.written++;
  }
}

/** A classic pcap of one link end, for tools that read only that format. */
export function capturePcap(sim: Simulator, iface: Interface, sink: CaptureSink): void {
  const writer = new PcapWriter(sink, { resolution: 'ns' });
  iface.taps.push({
    frame: (_iface, _direction, frame, timeNs) => writer.writePacket({ timestampNs: sim.epochNs(timeNs), data: frame.bytes }),
  });
}
