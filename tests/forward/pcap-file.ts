/** A minimal little-endian classic pcap of Ethernet frames, for tshark to judge. */
export function classicPcap(frames: readonly Uint8Array[]): Uint8Array {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const parts: Buffer[] = [header];
  frames.forEach((f, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(i, 0);
    record.writeUInt32LE(f.length, 8);
    record.writeUInt32LE(f.length, 12);
    parts.push(record, Buffer.from(f));
  });
  return new Uint8Array(Buffer.concat(parts));
}
