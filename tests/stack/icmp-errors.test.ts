import { describe, expect, it } from 'vitest';
import * as ethernet from '../../codecs/ethernet.js';
import * as icmp from '../../codecs/icmp.js';
import * as ipv4 from '../../codecs/ipv4.js';
import type { IcmpErrorInfo } from '../../src/stack/ip-layer.js';
import { recordSent, twoHosts } from './stack-fixtures.js';

/** An ICMP error from `from` to alice, quoting `original` (an IP packet), as a router on the path would send it. */
function errorFrame(original: Uint8Array, from: string, header: icmp.IcmpHeader, corrupt = false): Uint8Array {
  const body = icmp.encode(header);
  if (corrupt) body[2] ^= 0xff;
  const ip = ipv4.encode(
    {
      version: 4, ihl: 5, dscp: 0, ecn: 0, totalLength: 0, identification: 1, reservedFlag: false, dontFragment: false, moreFragments: false,
      fragmentOffset: 0, ttl: 250, protocol: 1, checksum: 0, checksumValid: false, source: from, destination: '10.0.0.1', options: new Uint8Array(0),
    },
    body,
  );
  return ethernet.encode({ destination: '02:00:00:00:00:0a', source: '02:00:00:00:00:0b', etherType: 0x0800 }, ip);
}

function sentDatagram() {
  const t = twoHosts();
  t.a.ping('10.0.0.2', {}, () => undefined);
  t.sim.run();
  const sent = recordSent(t.a.interfaces[0]);
  const errors: IcmpErrorInfo[] = [];
  const socket = t.a.udp.bind(6000);
  socket.onError((e) => errors.push(e));
  socket.sendTo('10.0.0.2', 7000, new Uint8Array(100));
  t.sim.run({ untilNs: t.sim.now });
  const original = sent[0].bytes.subarray(14, 14 + 128);
  return { ...t, errors, original };
}

describe('ICMP errors from the network', () => {
  it('reach the socket that sent the quoted datagram, with the reporter and the next-hop MTU', () => {
    const { a, errors, original } = sentDatagram();
    a.receive(a.interfaces[0], { bytes: errorFrame(original, '10.0.0.254', icmp.destinationUnreachable(original, 4, 576)), packetId: 1n });
    expect(errors).toEqual([
      {
        type: 3,
        code: 4,
        nextHopMtu: 576,
        reporter: 0x0a0000fe,
        quotedSource: 0x0a000001,
        quotedDestination: 0x0a000002,
        quotedProtocol: 17,
        quotedTransport: original.slice(20, 28),
      },
    ]);
  });

  it('are ignored when they quote a packet this host did not send, or fail their checksum', () => {
    const { a, errors, original } = sentDatagram();
    const foreign = original.slice();
    foreign[15] = 9; // the quoted source becomes 10.0.0.9
    a.receive(a.interfaces[0], { bytes: errorFrame(foreign, '10.0.0.254', icmp.destinationUnreachable(foreign, 1)), packetId: 1n });
    a.receive(a.interfaces[0], { bytes: errorFrame(original, '10.0.0.254', icmp.timeExceeded(original), true), packetId: 2n });
    const short = { ...icmp.destinationUnreachable(original, 1), original: original.slice(0, 12) };
    a.receive(a.interfaces[0], { bytes: errorFrame(original, '10.0.0.254', short), packetId: 3n });
    expect(errors).toEqual([]);
    expect(a.dropCounts()).toMatchObject({ 'not-for-us': 1, 'bad-checksum': 1, malformed: 1 });
  });

  it('are never sent about a datagram to a broadcast address', () => {
    const { sim, a, b } = twoHosts();
    const sent = recordSent(b.interfaces[0]);
    // A datagram to the subnet broadcast for a port nobody holds: no port unreachable back.
    a.udp.bind(6000).sendTo('10.0.0.255', 7000, new Uint8Array(4));
    sim.run();
    expect(b.dropCounts()['port-unreachable']).toBe(1);
    expect(sim.log.ofKind('arp-request')).toEqual([]);
    expect(sent.filter((f) => f.bytes[12] === 0x08 && f.bytes[13] === 0x00)).toHaveLength(0);
  });

  it('answer an unknown protocol with protocol unreachable', () => {
    const { sim, a, b } = twoHosts();
    a.ping('10.0.0.2', {}, () => undefined);
    sim.run();
    const sent = recordSent(b.interfaces[0]);
    const errors: IcmpErrorInfo[] = [];
    a.ip.registerErrorHandler(253, (e) => errors.push(e));
    a.ip.send(0x0a000002, 253, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    sim.run();
    expect(b.dropCounts()['unknown-protocol']).toBe(1);
    expect(errors).toMatchObject([{ type: 3, code: 2, quotedProtocol: 253, reporter: 0x0a000002 }]);
    expect(sent).toHaveLength(1);
  });
});
