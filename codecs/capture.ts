/**
 * One reader for both capture formats: the first four bytes say which. The
 * records are the same shape either way (capture-record.ts).
 */
import type { CaptureDetails, CaptureInterface, CaptureRecord, CaptureSection, DecryptionSecrets, NameResolutionEntry } from './capture-record.js';
import { DecodeError, requireBytes } from './decode-error.js';
import { decodePcapHeader, readPcap } from './pcap.js';
import { readPcapng } from './pcapng.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** Which format the bytes are in; throws a DecodeError (layer 'pcap') when neither magic is there. */
export function detectCaptureFormat(bytes: Uint8Array): CaptureFormat {
  requireBytes(bytes, 0, 4, 'pcap', 'magic');
  if (bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a) return 'pcapng';
  const big = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const little = ((bytes[3] << 24) | (bytes[2] << 16) | (bytes[1] << 8) | bytes[0]) >>> 0;
  for (const magic of [big, little]) if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) return 'pcap';
  throw new DecodeError('pcap', 0, `bad magic 0x${big.toString(16).padStart(8, '0')}: neither pcap nor pcapng`);
}

/**
 * Every packet of a pcap or pcapng file, lazily and in file order; `data` is
 * a view into `bytes`. The first call to `next()` checks the file header. If
 * the file is damaged or cut short, the records before the damage are yielded
 * and then iteration throws a DecodeError (layer 'pcap' or 'pcapng') that
 * says where and why.
 */
export function* readCapture(bytes: Uint8Array): Generator<CaptureRecord, void, undefined> {
  yield* detectCaptureFormat(bytes) === 'pcapng' ? readPcapng(bytes) : readPcap(bytes);
}

/**
 * Everything a file says besides its packets: sections, interfaces,
 * name-resolution entries and decryption secrets, with the packet count. It
 * reads the whole file, so it throws the DecodeError that `readCapture` would.
 */
export function readCaptureDetails(bytes: Uint8Array): CaptureDetails {
  if (detectCaptureFormat(bytes) === 'pcap') {
    const header = decodePcapHeader(bytes);
    let packetCount = 0;
    for (const _ of readPcap(bytes)) packetCount++;
    return {
      format: 'pcap',
      sections: [{ index: 0, byteOrder: header.byteOrder, majorVersion: header.versionMajor, minorVersion: header.versionMinor, comments: [] }],
      interfaces: [
        {
          section: 0,
          id: 0,
          linkType: header.linkType,
          snapLength: header.snapLength,
          tsresol: header.nanosecond ? 9 : 6,
          tsoffset: 0n,
          ...(header.fcsLength !== undefined ? { fcsLength: header.fcsLength } : {}),
        },
      ],
      nameResolution: [],
      decryptionSecrets: [],
      packetCount,
    };
  }
  const sections: CaptureSection[] = [];
  const interfaces: CaptureInterface[] = [];
  const nameResolution: NameResolutionEntry[] = [];
  const decryptionSecrets: DecryptionSecrets[] = [];
  let packetCount = 0;
  const records = readPcapng(bytes, {
    section: (s) => sections.push(s),
    interface: (i) => interfaces.push(i),
    name: (n) => nameResolution.push(n),
    secrets: (s) => decryptionSecrets.push(s),
  });
  for (const _ of records) packetCount++;
  return { format: 'pcapng', sections, interfaces, nameResolution, decryptionSecrets, packetCount };
}
