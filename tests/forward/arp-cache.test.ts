import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipv4ToUint32, macToBytes, macToString } from '../../codecs/address.js';
import * as arp from '../../codecs/arp.js';
import * as ethernet from '../../codecs/ethernet.js';
import { ArpCache } from '../../src/forward/arp-cache.js';
import { arpReply, arpRequest, gratuitousArp, readArpFrame, replyFor } from '../../src/forward/arp-frames.js';
import { fromHex } from '../helpers/fixtures.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { classicPcap } from './pcap-file.js';

const S = 1e9;
const GW = ipv4ToUint32('192.168.1.1');
const LAPTOP = ipv4ToUint32('192.168.1.100');
const GW_MAC = macToBytes('52:54:00:00:01:01');
const LAPTOP_MAC = macToBytes('aa:aa:aa:aa:aa:aa');
const frame = (n: number) => new Uint8Array([n]);

describe('ArpCache states', () => {
  it('goes incomplete → reachable on learn, then stale after reachableNs, then forgotten after staleNs', () => {
    const cache = new ArpCache({ reachableNs: 30 * S, staleNs: 60 * S });
    expect(cache.lookup(GW, 0)).toBeUndefined();
    expect(cache.needsRequest(GW, 0)).toBe(true);
    expect(cache.entries(0)).toEqual([{ ip: '192.168.1.1', mac: '(incomplete)', state: 'incomplete', expiresInNs: 1 * S }]);
    cache.learn(GW, GW_MAC, 0.5 * S);
    expect(macToString(cache.lookup(GW, 0.5 * S)!, 0)).toBe('52:54:00:00:01:01');
    expect(cache.entries(0.5 * S)[0]).toMatchObject({ state: 'reachable', expiresInNs: 30 * S });
    expect(cache.needsRequest(GW, 10 * S)).toBe(false);
    // Stale: still answers, and asks once for confirmation.
    expect(cache.lookup(GW, 31 * S)).toBeDefined();
    expect(cache.entries(31 * S)[0].state).toBe('stale');
    expect(cache.needsRequest(GW, 31 * S)).toBe(true);
    expect(cache.needsRequest(GW, 31.5 * S)).toBe(false);
    cache.learn(GW, GW_MAC, 32 * S);
    expect(cache.entries(32 * S)[0].state).toBe('reachable');
    // Unconfirmed: stale at 62 s, gone at 122 s.
    expect(cache.lookup(GW, 62 * S)).toBeDefined();
    expect(cache.lookup(GW, 122 * S)).toBeUndefined();
    expect(cache.entries(122 * S)).toEqual([]);
  });

  it('retransmits every retransmitNs up to maxRetries, then gives up and hands back the queued frames', () => {
    const cache = new ArpCache({ retransmitNs: 1 * S, maxRetries: 3 });
    expect(cache.enqueue(GW, frame(1), 0)).toBe('queued');
    expect(cache.needsRequest(GW, 0)).toBe(true);
    expect(cache.needsRequest(GW, 0.5 * S)).toBe(false);
    expect(cache.needsRequest(GW, 1 * S)).toBe(true);
    expect(cache.needsRequest(GW, 2 * S)).toBe(true);
    expect(cache.needsRequest(GW, 3 * S)).toBe(false);
    expect(cache.expire(2.5 * S)).toEqual([]);
    expect(cache.enqueue(GW, frame(2), 2.6 * S)).toBe('queued');
    expect(cache.expire(3 * S)).toEqual([frame(1), frame(2)]);
    expect(cache.entries(3 * S)).toEqual([]);
    // A later miss starts over.
    expect(cache.needsRequest(GW, 4 * S)).toBe(true);
  });

  it('bounds the queue per address and releases frames in order once resolved', () => {
    const cache = new ArpCache({ queueLimit: 3 });
    for (let i = 1; i <= 3; i++) expect(cache.enqueue(GW, frame(i), 0)).toBe('queued');
    expect(cache.enqueue(GW, frame(4), 0)).toBe('queue-full');
    expect(cache.enqueue(LAPTOP, frame(9), 0)).toBe('queued');
    cache.learn(GW, GW_MAC, 0.1 * S);
    expect(cache.takePending(GW)).toEqual([frame(1), frame(2), frame(3)]);
    expect(cache.takePending(GW)).toEqual([]);
    expect(cache.takePending(LAPTOP)).toEqual([frame(9)]);
  });

  it('merges only addresses it already holds (RFC 826), and learn adds them', () => {
    const cache = new ArpCache();
    expect(cache.merge(GW, GW_MAC, 0)).toBe(false);
    expect(cache.lookup(GW, 0)).toBeUndefined();
    cache.learn(GW, GW_MAC, 0);
    const moved = macToBytes('52:54:00:00:09:09');
    expect(cache.merge(GW, moved, 1)).toBe(true);
    expect(macToString(cache.lookup(GW, 1)!, 0)).toBe('52:54:00:00:09:09');
  });

  it('returns the same view on every hit, so a lookup allocates nothing', () => {
    const cache = new ArpCache();
    cache.learn(GW, GW_MAC, 0);
    expect(cache.lookup(GW, 1)).toBe(cache.lookup(GW, 2));
  });

  it('makes room by evicting a stale entry when full, and reports queue-full when it cannot', () => {
    const cache = new ArpCache({ capacity: 2, reachableNs: 10 * S });
    cache.learn(1, GW_MAC, 0);
    cache.learn(2, GW_MAC, 5 * S);
    expect(cache.enqueue(3, frame(1), 1 * S)).toBe('queue-full');
    expect(cache.enqueue(3, frame(1), 11 * S)).toBe('queued');
    expect(cache.entries(11 * S).map((r) => r.ip)).toEqual(['0.0.0.2', '0.0.0.3']);
  });

  it('prints the table like the seed article', () => {
    const cache = new ArpCache();
    expect(cache.format(0)).toBe('IP              |  MAC\n----------------|------\n(empty)');
    cache.learn(GW, GW_MAC, 0);
    cache.enqueue(LAPTOP, frame(1), 0);
    expect(cache.format(0)).toBe(
      'IP              |  MAC\n----------------|------\n192.168.1.1     |  52:54:00:00:01:01\n192.168.1.100   |  (incomplete)',
    );
  });
});

describe('ARP frames', () => {
  it('answers "who has" for our own address with a reply the ARP codec reads back', () => {
    const request = arpRequest(LAPTOP_MAC, LAPTOP, GW);
    expect(request.length).toBe(60);
    const reply = replyFor(request, [{ ip: GW, mac: GW_MAC }])!;
    const eth = ethernet.decode(reply);
    expect(eth.header).toMatchObject({ destination: 'aa:aa:aa:aa:aa:aa', source: '52:54:00:00:01:01', etherType: 0x0806 });
    expect(arp.decode(reply, 14).header).toEqual({
      hardwareType: 1,
      protocolType: 0x0800,
      hardwareSize: 6,
      protocolSize: 4,
      opcode: 2,
      senderHardwareAddress: '52:54:00:00:01:01',
      senderProtocolAddress: '192.168.1.1',
      targetHardwareAddress: 'aa:aa:aa:aa:aa:aa',
      targetProtocolAddress: '192.168.1.100',
    });
    expect(reply).toEqual(arpReply(GW_MAC, GW, LAPTOP_MAC, LAPTOP));
  });

  it('does not answer for other addresses, replies, gratuitous requests or other frames', () => {
    const own = [{ ip: GW, mac: GW_MAC }];
    expect(replyFor(arpRequest(LAPTOP_MAC, LAPTOP, ipv4ToUint32('192.168.1.2')), own)).toBeUndefined();
    expect(replyFor(arpReply(LAPTOP_MAC, LAPTOP, GW_MAC, GW), own)).toBeUndefined();
    expect(replyFor(gratuitousArp(LAPTOP_MAC, GW), own)).toBeUndefined();
    expect(replyFor(new Uint8Array(30), own)).toBeUndefined();
  });

  it('builds the same bytes as a real request from a capture', () => {
    // tcpdump dhcp-rfc4388.pcap frame 7, with tshark's fields in fixtures/vectors/real_frames.json.
    const real = fromHex('7483ef07d0a9a6824bc9a1a708060001080006040001a6824bc9a1a70a2802030000000000000a280101000000000000000000000000000000000000');
    const fields = readArpFrame(real)!;
    expect(fields.opcode).toBe(1);
    const built = arpRequest(fields.senderMac, fields.senderIp, fields.targetIp);
    // Ours is broadcast; the captured one was a unicast re-check to the known MAC.
    expect(built.subarray(6)).toEqual(real.subarray(6));
  });

  describe.skipIf(skipWithoutTshark)('as tshark reads them', () => {
    it('decodes request, reply and gratuitous ARP with the fields we wrote', () => {
      const frames = [arpRequest(LAPTOP_MAC, LAPTOP, GW), arpReply(GW_MAC, GW, LAPTOP_MAC, LAPTOP), gratuitousArp(LAPTOP_MAC, LAPTOP)];
      const file = join(mkdtempSync(join(tmpdir(), 'arp-')), 'arp.pcap');
      writeFileSync(file, classicPcap(frames));
      const rows = tsharkFields(file, ['eth.dst', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'arp.isgratuitous', '_ws.malformed']);
      expect(rows).toEqual([
        ['ff:ff:ff:ff:ff:ff', '1', 'aa:aa:aa:aa:aa:aa', '192.168.1.100', '192.168.1.1', '', ''],
        ['aa:aa:aa:aa:aa:aa', '2', '52:54:00:00:01:01', '192.168.1.1', '192.168.1.100', '', ''],
        ['ff:ff:ff:ff:ff:ff', '1', 'aa:aa:aa:aa:aa:aa', '192.168.1.100', '192.168.1.100', '1', ''],
      ]);
    });
  });
});
