import { describe, expect, test } from 'vitest';
import { type ClientHello, type ServerHello, ExtensionType, HandshakeReassembler, decodeRecords, encodeRecords } from '../../codecs/tls/index.js';
import { fixturePath, toHex } from '../helpers/fixtures.js';
import { skipWithoutTshark, tsharkFields } from '../helpers/wireshark.js';
import { streamFrom, tcpPayloads } from './tls-pcap.js';

const FILE = 'captures/illustrated-tls13__capture.pcap';
const packets = tcpPayloads(FILE);
const SERVER_PORT = 8400;
const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
const ext = (list: readonly { type: unknown }[], type: string): any => list.find((e) => e.type === type);

describe('illustrated TLS 1.3 capture', () => {
  test('the server is on port 8400 and each side sends whole records', () => {
    expect(packets.some((p) => p.sourcePort === SERVER_PORT)).toBe(true);
    for (const port of [SERVER_PORT, packets.find((p) => p.destinationPort === SERVER_PORT)!.sourcePort]) {
      const stream = streamFrom(packets, port);
      const d = decodeRecords(stream);
      expect(d.partial).toBeUndefined();
      expect(d.used).toBe(stream.length);
      expect(toHex(encodeRecords(d.records))).toBe(toHex(stream));
    }
  });

  test('the reassembler reads the plaintext handshake of both sides', () => {
    const client = decodeRecords(streamFrom(packets, packets.find((p) => p.destinationPort === SERVER_PORT)!.sourcePort)).records;
    const server = decodeRecords(streamFrom(packets, SERVER_PORT)).records;
    for (const [records, types] of [[client, ['client_hello']], [server, ['server_hello']]] as const) {
      const r = new HandshakeReassembler();
      const got = records.filter((x) => x.contentType === 'handshake').flatMap((x) => r.push(x.fragment));
      expect(got.map((m) => m.message.type)).toEqual(types);
      expect(r.idle).toBe(true);
    }
  });
});

describe.skipIf(skipWithoutTshark)('illustrated TLS 1.3 capture against tshark', () => {
  const fields = [
    'frame.number', 'tls.record.content_type', 'tls.record.length', 'tls.handshake.type', 'tls.handshake.version',
    'tls.handshake.random', 'tls.handshake.session_id', 'tls.handshake.ciphersuite', 'tls.handshake.extension.type',
    'tls.handshake.extensions_server_name', 'tls.handshake.extensions_supported_group', 'tls.handshake.extensions_key_share_group',
    'tls.handshake.extensions_key_share_key_exchange', 'tls.handshake.extensions.supported_version', 'tls.handshake.sig_hash_alg',
  ];
  const rows = tsharkFields(fixturePath(FILE), fields, ['-Y', 'tls']);
  const byFrame = new Map(rows.map((r) => [Number(r[0]), Object.fromEntries(fields.map((f, i) => [f, r[i] ?? '']))]));

  test('tshark sees TLS in the frames we decode', () => {
    expect(byFrame.size).toBeGreaterThanOrEqual(6);
  });

  test('record lengths in every TLS frame match', () => {
    for (const [frame, row] of byFrame) {
      const p = packets.find((x) => x.frame === frame)!;
      const { records } = decodeRecords(p.payload);
      expect(records.map((r) => String(r.length)).join(','), `frame ${frame}`).toBe(row['tls.record.length']);
    }
  });

  test('the ClientHello and ServerHello fields match', () => {
    let seen = 0;
    for (const [frame, row] of byFrame) {
      const p = packets.find((x) => x.frame === frame)!;
      const hello = decodeRecords(p.payload).records.flatMap((r) => r.messages ?? []).find((m) => m.type === 'client_hello' || m.type === 'server_hello') as ClientHello | ServerHello | undefined;
      if (!hello) continue;
      seen++;
      expect(row['tls.handshake.type']).toBe(hello.type === 'client_hello' ? '1' : '2');
      expect(row['tls.handshake.version']).toBe(hex4(hello.legacyVersion));
      expect(row['tls.handshake.random']).toBe(toHex(hello.random));
      const exts = hello.extensions;
      expect(exts.map((e) => String(typeof e.type === 'number' ? e.type : ExtensionType[e.type])).join(',')).toBe(row['tls.handshake.extension.type']);
      expect(ext(exts, 'supported_versions').versions ?? [ext(exts, 'supported_versions').selectedVersion]).toEqual(row['tls.handshake.extensions.supported_version'].split(',').map(Number));
      if (hello.type === 'client_hello') {
        expect(toHex(hello.legacySessionId)).toBe(row['tls.handshake.session_id']);
        expect(hello.cipherSuites.map(hex4).join(',')).toBe(row['tls.handshake.ciphersuite']);
        expect(ext(exts, 'server_name').serverNames.map((n: { hostName: string }) => n.hostName).join(',')).toBe(row['tls.handshake.extensions_server_name']);
        expect(ext(exts, 'supported_groups').namedGroupList.map(hex4).join(',')).toBe(row['tls.handshake.extensions_supported_group']);
        const shares = ext(exts, 'key_share').clientShares;
        expect(shares.map((s: { group: number }) => String(s.group)).join(',')).toBe(row['tls.handshake.extensions_key_share_group']);
        expect(shares.map((s: { keyExchange: Uint8Array }) => toHex(s.keyExchange)).join(',')).toBe(row['tls.handshake.extensions_key_share_key_exchange']);
        expect(ext(exts, 'signature_algorithms').supportedSignatureAlgorithms.map(hex4).join(',')).toBe(row['tls.handshake.sig_hash_alg']);
      } else {
        expect(toHex(hello.legacySessionIdEcho)).toBe(row['tls.handshake.session_id']);
        expect(hex4(hello.cipherSuite)).toBe(row['tls.handshake.ciphersuite']);
        expect(String(ext(exts, 'key_share').serverShare.group)).toBe(row['tls.handshake.extensions_key_share_group']);
        expect(toHex(ext(exts, 'key_share').serverShare.keyExchange)).toBe(row['tls.handshake.extensions_key_share_key_exchange']);
      }
    }
    expect(seen).toBe(2);
  });
});
