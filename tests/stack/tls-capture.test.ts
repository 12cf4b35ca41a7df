/**
 * One of our handshakes, framed in Ethernet/IPv4/TCP by the codecs and
 * written as pcapng with the client's key log in a Decryption Secrets
 * Block: tshark, given nothing else, must decrypt the whole exchange.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect } from '../../codecs/capture-record.js';
import * as ethernet from '../../codecs/ethernet.js';
import * as ipv4 from '../../codecs/ipv4.js';
import { PcapngWriter } from '../../codecs/pcapng-writer.js';
import * as tcp from '../../codecs/tcp.js';
import { tlsConnect } from '../../src/stack/tls/client.js';
import { tlsAccept } from '../../src/stack/tls/server.js';
import { pcapVerdict, skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { START, pki, rngs, tlsPipe, trustedRoots } from './helpers/tls-pipe.js';

const CLIENT = { mac: '3c:22:fb:12:34:56', ip: '192.168.1.100', port: 55555 };
const SERVER = { mac: '00:1a:2b:3c:4d:5e', ip: '54.239.28.85', port: 443 };
const flags = (set: Partial<tcp.TcpFlags>): tcp.TcpFlags => ({ fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false, ns: false, ...set });

/** Frames each side's bytes as TCP segments of one connection, with its handshake and in-order sequence numbers. */
class TcpFramer {
  private readonly seq = { client: 1000, server: 5000 };
  readonly frames: Array<{ data: Uint8Array; fromClient: boolean }> = [];

  constructor() {
    this.segment(true, new Uint8Array(0), flags({ syn: true }));
    this.segment(false, new Uint8Array(0), flags({ syn: true, ack: true }));
    this.segment(true, new Uint8Array(0), flags({ ack: true }));
  }

  data(fromClient: boolean, bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; at += 1400) this.segment(fromClient, bytes.subarray(at, at + 1400), flags({ psh: true, ack: true }));
  }

  private segment(fromClient: boolean, payload: Uint8Array, f: tcp.TcpFlags): void {
    const [src, dst] = fromClient ? [CLIENT, SERVER] : [SERVER, CLIENT];
    const mine = fromClient ? 'client' : 'server';
    const theirs = fromClient ? 'server' : 'client';
    const header: tcp.TcpHeader = {
      sourcePort: src.port,
      destinationPort: dst.port,
      sequenceNumber: this.seq[mine],
      acknowledgmentNumber: f.ack ? this.seq[theirs] : 0,
      dataOffset: 5,
      reserved: 0,
      flags: f,
      window: 65535,
      checksum: 0,
      urgentPointer: 0,
      options: [],
    };
    this.seq[mine] = (this.seq[mine] + payload.length + (f.syn ? 1 : 0)) >>> 0;
    const segment = tcp.encode(header, payload, { pseudoHeader: { source: src.ip, destination: dst.ip } });
    const packet = ipv4.encode(
      { version: 4, ihl: 5, dscp: 0, ecn: 0, totalLength: 0, identification: this.frames.length, reservedFlag: false, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: 6, checksum: 0, checksumValid: true, source: src.ip, destination: dst.ip, options: new Uint8Array(0) },
      segment,
    );
    this.frames.push({ data: ethernet.encode({ destination: dst.mac, source: src.mac, etherType: 0x0800 }, packet), fromClient });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tls-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skipWithoutTshark)('a pcapng of our TLS handshake, with its key log in a DSB', () => {
  it('is clean and tshark decrypts the handshake and the HTTP inside', () => {
    const pipe = tlsPipe();
    const r = rngs(101);
    const server = tlsAccept(pipe.server, { ...pki.amazonaws, rng: r.server, alpn: ['http/1.1'] });
    const client = tlsConnect(pipe.client, { serverName: 'ec2.us-east-1.amazonaws.com', trustedRoots, now: () => START, rng: r.client, alpn: ['http/1.1'] });
    server.on('data', () => {
      server.write(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\n<ok/>'));
      server.end();
    });
    client.on('end', () => client.end());
    client.write(Buffer.from('POST / HTTP/1.1\r\nHost: ec2.us-east-1.amazonaws.com\r\nContent-Length: 0\r\n\r\n'));

    pipe.run();
    const framer = new TcpFramer();
    for (const w of pipe.writes) framer.data(w.fromClient, w.bytes);
    expect(pipe.writes.length).toBe(framer.frames.length - 3);

    const out = collect();
    const writer = new PcapngWriter(out.sink);
    const iface = writer.addInterface({ name: 'laptop:eth0' });
    writer.writeDecryptionSecrets(`${client.keyLog().join('\n')}\n`);
    const start = BigInt(START.getTime()) * 1_000_000n;
    framer.frames.forEach((f, i) => writer.writePacket({ interfaceId: iface, timestampNs: start + BigInt(i) * 1_000_000n, data: f.data, direction: f.fromClient ? 'outbound' : 'inbound' }));
    const file = join(dir, 'tls13.pcapng');
    writeFileSync(file, out.bytes());

    const verdict = pcapVerdict(file);
    expect(verdict.problems).toEqual([]);
    const rows = tsharkFields(file, ['tls.handshake.type', 'tls.record.content_type', 'http.request.method', 'http.response.code', 'tls.handshake.extensions_server_name']);
    const handshakeTypes = rows.flatMap((row) => row[0].split(',').filter(Boolean).map(Number));
    expect(handshakeTypes).toEqual([1, 2, 8, 11, 15, 20, 20, 4]);
    expect(rows.map((row) => row[2]).filter(Boolean)).toEqual(['POST']);
    expect(rows.map((row) => row[3]).filter(Boolean)).toEqual(['200']);
    expect(rows.map((row) => row[4]).filter(Boolean)).toEqual(['ec2.us-east-1.amazonaws.com']);
    const cipher = tsharkFields(file, ['tls.handshake.ciphersuite'], ['-Y', 'tls.handshake.type == 2']);
    expect(cipher).toEqual([['0x1301']]);
  });
});
