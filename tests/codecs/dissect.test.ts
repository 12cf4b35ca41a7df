import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../codecs/capture.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { type DissectedLayer, assemble, dissect } from '../../codecs/dissect.js';
import { hexdump } from '../../codecs/hexdump.js';
import { show } from '../../codecs/show.js';
import { fixturePath, fromHex, readFixture } from '../helpers/fixtures.js';
import { REAL_FRAMES } from '../helpers/real-frames.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';

const CAPTURES = [
  ...readdirSync(fixturePath('captures')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => `captures/${f}`),
  'tls-rfc8448/rfc8448_1rtt.pcap',
  'tls-rfc8448/rfc8448_1rtt_dsb.pcapng',
];

interface Packet {
  file: string;
  index: number;
  linkType: number;
  data: Uint8Array;
}

function packetsOf(file: string): Packet[] {
  return [...readCapture(readFixture(file))].map((r, index) => ({ file, index, linkType: r.linkType, data: r.data }));
}

const ALL = CAPTURES.flatMap(packetsOf);

function names(layers: readonly DissectedLayer[]): string {
  return layers.map((l) => l.name).join('/');
}

describe('dissect over every frame of every fixture', () => {
  it('reads them all', () => {
    expect(ALL.length).toBeGreaterThan(800);
  });

  it('gives layers that lie inside the frame and re-assembles every frame byte for byte', () => {
    for (const p of ALL) {
      const layers = dissect(p.data, { linkType: p.linkType });
      for (const l of layers) {
        expect(l.offset).toBeGreaterThanOrEqual(0);
        expect(l.offset + l.length).toBeLessThanOrEqual(p.data.length);
      }
      const back = assemble(layers, { computeChecksums: false, fixLengths: false });
      expect(Buffer.from(back).equals(Buffer.from(p.data)), `${p.file} frame ${p.index + 1}: ${names(layers)}`).toBe(true);
    }
  });

  it('reaches the application layer where there is one', () => {
    const seen = new Set(ALL.map((p) => names(dissect(p.data, { linkType: p.linkType }))));
    expect(seen).toContain('ethernet/ipv4/udp/dns');
    expect(seen).toContain('ethernet/vlan/ipv4/udp/dns');
    expect(seen).toContain('ethernet/vlan/arp');
    expect(seen).toContain('ethernet/arp');
    expect(seen).toContain('ethernet/ipv4/tcp/dns');
    expect(seen).toContain('loopback/ipv4/tcp');
    expect(seen).toContain('sll/ipv4/tcp');
    expect(seen).toContain('ipv4/raw');
    expect(seen).toContain('ethernet/ipv4/icmp');
    expect([...seen].some((s) => s.endsWith('/tcp/tls'))).toBe(true);
  });

  it('stops with an error layer on the malformed fixtures, naming the layer and the reason', () => {
    const [ptr] = packetsOf('captures/tcpdump__dns_fwdptr.pcap');
    const ptrLayers = dissect(ptr.data);
    const ptrError = ptrLayers.at(-1);
    expect(names(ptrLayers)).toBe('ethernet/ipv4/udp/error');
    if (ptrError?.name !== 'error') throw new Error('no error layer');
    expect(ptrError.header.error.layer).toBe('dns');
    expect(ptrError.header.error.reason).toMatch(/forward/i);

    const [ihl] = packetsOf('captures/tcpdump__ipv4_invalid_hdr_length.pcap');
    const ihlLayers = dissect(ihl.data);
    const ihlError = ihlLayers.at(-1);
    expect(names(ihlLayers)).toBe('ethernet/error');
    if (ihlError?.name !== 'error') throw new Error('no error layer');
    expect(ihlError.header.error.layer).toBe('ipv4');
    expect(ihlError.header.error.reason).toMatch(/header length/i);
  });

  it('keeps Ethernet padding as padding, not payload', () => {
    const arpRequest = fromHex(REAL_FRAMES[0].hex);
    const layers = dissect(arpRequest);
    expect(names(layers)).toBe('ethernet/arp');
    const eth = layers[0];
    if (eth.name !== 'ethernet') throw new Error('not ethernet');
    expect(Buffer.from(eth.header.padding ?? []).toString('hex')).toBe(REAL_FRAMES[0].tshark['eth.padding']);
  });

  it('gives a raw layer naming the missing bytes when a TCP segment holds part of a TLS record', () => {
    const p = packetsOf('tls-rfc8448/rfc8448_1rtt.pcap').find((q) => names(dissect(q.data, { linkType: q.linkType })).endsWith('tcp/tls'));
    if (!p) throw new Error('no TLS frame');
    const layers = dissect(p.data, { linkType: p.linkType });
    const tlsLayer = layers.at(-1);
    if (tlsLayer?.name !== 'tls') throw new Error('no tls layer');
    const recordBytes = p.data.subarray(tlsLayer.offset, tlsLayer.offset + tlsLayer.length);
    const cut = recordBytes.subarray(0, recordBytes.length - 10);
    // Re-frame the first part of the record in a segment of its own, lengths and checksums fixed.
    const frame = assemble([...layers.slice(0, -1), { name: 'raw', offset: 0, length: cut.length, header: { bytes: cut } }]);
    const again = dissect(frame, { linkType: p.linkType });
    const last = again.at(-1);
    expect(names(again)).toMatch(/tcp\/raw$/);
    if (last?.name !== 'raw') throw new Error('no raw layer');
    expect(last.header.reason).toBe(`part of a TLS record: ${cut.length} bytes here, 10 still to come`);
  });
});

describe.skipIf(skipWithoutTshark)('dissect agrees with tshark on which frames reach which protocol', () => {
  it('finds DNS where tshark finds DNS', () => {
    // Not the fragments file: tshark reassembles fragments, and dissect looks at one frame at a time.
    for (const file of ['captures/tcpdump__dns_udp.pcap', 'captures/dnscap__vlan11.pcap', 'captures/tcpdump__dns_tcp.pcap']) {
      const theirs = tsharkFields(fixturePath(file), ['frame.protocols']).map((r) => r[0].split(':').includes('dns'));
      const ours = packetsOf(file).map((p) => dissect(p.data, { linkType: p.linkType }).some((l) => l.name === 'dns'));
      expect(ours, file).toEqual(theirs);
    }
  });
});

describe('dissect never throws', () => {
  const linkTypes = [1, 0, 113, 101, 228, 147];
  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...linkTypes), (bytes, linkType) => {
        const layers = dissect(bytes, { linkType });
        for (const l of layers) if (l.name === 'error') expect(l.header.error.reason).not.toMatch(/^internal/);
        expect(Buffer.from(assemble(layers, { computeChecksums: false, fixLengths: false })).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('on mutated real frames', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL.filter((_, i) => i % 3 === 0)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (p, flips, cut) => {
          const bytes = p.data.slice(0, p.data.length - (cut % 8 === 0 ? cut % p.data.length : 0));
          for (const [at, value] of flips) if (bytes.length) bytes[at % bytes.length] = value;
          const layers = dissect(bytes, { linkType: p.linkType });
          for (const l of layers) {
            if (l.name !== 'error') continue;
            expect(l.header.error).toBeInstanceOf(DecodeError);
            expect(l.header.error.reason).not.toMatch(/^internal/);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('show and hexdump', () => {
  it('print fields by name, with enum names beside the numbers', () => {
    const [frame] = packetsOf('captures/tcpdump__dns_udp.pcap');
    const text = show(dissect(frame.data));
    expect(text).toMatch(/###\[ ethernet \]###/);
    expect(text).toMatch(/etherType = 0x0800 \(IPv4\)/);
    expect(text).toMatch(/protocol = 17 \(UDP\)/);
    expect(text).toMatch(/###\[ dns \]###/);
    expect(text).toMatch(/destinationPort = 53/);
  });

  it('lays bytes out as offset, two groups of eight and ASCII', () => {
    const bytes = new Uint8Array([...Buffer.from('GET / HTTP/1.1\r\n'), 0, 1, 2]);
    expect(hexdump(bytes)).toBe(
      '0000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  GET / HTTP/1.1..\n' +
        '0010  00 01 02                                          ...',
    );
  });
});
