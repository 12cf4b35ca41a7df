import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture, readCaptureDetails } from '../../codecs/capture.js';
import { collect } from '../../codecs/capture-record.js';
import * as ethernet from '../../codecs/ethernet.js';
import * as ipv4 from '../../codecs/ipv4.js';
import * as udp from '../../codecs/udp.js';
import { Capture, capturePcap } from '../../src/sim/capture.js';
import type { Frame } from '../../src/sim/frame.js';
import { Interface, type NetworkNode } from '../../src/sim/interface.js';
import { Link } from '../../src/sim/link.js';
import { Simulator } from '../../src/sim/simulator.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';

class Sink implements NetworkNode {
  readonly interfaces: Interface[] = [];
  constructor(readonly name: string) {}
  receive(): void {}
}

function udpFrame(sim: Simulator, from: Interface, to: Interface, payload: string): Frame {
  const body = new TextEncoder().encode(payload);
  const source = from.ipv4!.address;
  const destination = to.ipv4!.address;
  const u = udp.encode({ sourcePort: 40000 + sim.rng.int(0, 999), destinationPort: 9, length: 0, checksum: 0 }, body, { pseudoHeader: { source, destination } });
  const ip = ipv4.encode(
    { version: 4, ihl: 5, dscp: 0, ecn: 0, totalLength: 0, identification: sim.rng.uint16(), reservedFlag: false, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: 17, checksum: 0, checksumValid: true, source, destination, options: new Uint8Array(0) },
    u,
  );
  return { bytes: ethernet.encode({ destination: to.mac, source: from.mac, etherType: 0x0800 }, ip), packetId: sim.nextPacketId() };
}

function run(seed: number, keyLog?: string) {
  const sim = new Simulator({ seed });
  const a = new Sink('alpha');
  const b = new Sink('beta');
  const ia = new Interface(a, 'eth0', '02:00:00:00:00:0a', '10.1.0.1/24');
  const ib = new Interface(b, 'eth0', '02:00:00:00:00:0b', '10.1.0.2/24');
  a.interfaces.push(ia);
  b.interfaces.push(ib);
  new Link(sim, ia, ib, { delayNs: 2_000_000 });
  const out = collect();
  const capture = new Capture(sim, out.sink, { comment: 'test run' });
  capture.tap(ia);
  capture.tap(ib);
  capture.addNames([
    { address: '10.1.0.1', names: ['alpha'] },
    { address: '10.1.0.2', names: ['beta'] },
  ]);
  const release = keyLog === undefined ? undefined : capture.hold();
  ia.send(udpFrame(sim, ia, ib, 'first'), 'alpha: first datagram');
  sim.schedule(5_000_000, () => {
    ib.send(udpFrame(sim, ib, ia, 'second'), 'beta: second datagram');
    release?.(keyLog);
  });
  sim.run();
  return out.bytes();
}

describe('capture', () => {
  it('writes every frame at both link ends with interface, direction, packet id and comment', () => {
    const records = [...readCapture(run(1))];
    expect(records.map((r) => [r.interfaceName, r.flags, r.packetId, r.comment])).toEqual([
      ['alpha:eth0', 2, 1n, 'alpha: first datagram'],
      ['beta:eth0', 1, 1n, undefined],
      ['beta:eth0', 2, 2n, 'beta: second datagram'],
      ['alpha:eth0', 1, 2n, undefined],
    ]);
    // Virtual time: sent at 0 from the default start date, received after serialization and 2 ms.
    expect(records[0].timestampNs).toBe(BigInt(Date.parse('2026-03-02T09:30:00Z')) * 1_000_000n);
    expect(records[1].timestampNs - records[0].timestampNs).toBeGreaterThan(2_000_000n);
  });

  it('gives byte-identical files for the same seed and different ones for another', () => {
    expect(Buffer.from(run(5)).equals(Buffer.from(run(5)))).toBe(true);
    expect(Buffer.from(run(5)).equals(Buffer.from(run(6)))).toBe(false);
  });

  it('holds packets back until the key log is released, and writes it first', () => {
    const bytes = run(2, 'CLIENT_RANDOM 00 11\n');
    const details = readCaptureDetails(bytes);
    expect(details.decryptionSecrets).toHaveLength(1);
    expect(new TextDecoder().decode(details.decryptionSecrets[0].data)).toBe('CLIENT_RANDOM 00 11\n');
    // The held packets came out in their order, with their own timestamps.
    const records = [...readCapture(bytes)];
    expect(records.map((r) => r.packetId)).toEqual([1n, 1n, 2n, 2n]);
    expect(records.map((r) => r.timestampNs)).toEqual([...records.map((r) => r.timestampNs)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  });

  it('writes a classic pcap of one link end', () => {
    const sim = new Simulator();
    const a = new Sink('a');
    const b = new Sink('b');
    const ia = new Interface(a, 'eth0', '02:00:00:00:00:01', '10.0.0.1/24');
    const ib = new Interface(b, 'eth0', '02:00:00:00:00:02', '10.0.0.2/24');
    new Link(sim, ia, ib);
    const out = collect();
    capturePcap(sim, ib, out.sink);
    ia.send(udpFrame(sim, ia, ib, 'x'));
    sim.run();
    const records = [...readCapture(out.bytes())];
    expect(records).toHaveLength(1);
    expect(records[0].linkType).toBe(1);
  });
});

describe.skipIf(skipWithoutTshark)('capture judged by Wireshark', () => {
  it('passes the verdict and shows names, comments, directions and packet ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirepath-capture-'));
    const file = join(dir, 'run.pcapng');
    writeFileSync(file, run(3));
    const verdict = pcapVerdict(file);
    expect(verdict.problems).toEqual([]);
    expect(verdict.packets).toBe(4);
    const rows = tsharkFields(file, ['frame.interface_name', 'frame.packet_flags_direction', 'frame.packet_id', 'frame.comment', 'ip.src_host'], ['-N', 'n', '-o', 'nameres.use_external_name_resolver:FALSE']);
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ['alpha:eth0', '0x00000002', '1'],
      ['beta:eth0', '0x00000001', '1'],
      ['beta:eth0', '0x00000002', '2'],
      ['alpha:eth0', '0x00000001', '2'],
    ]);
    expect(rows[0][3]).toBe('alpha: first datagram');
    expect(rows[0][4]).toBe('alpha');
  });
});
