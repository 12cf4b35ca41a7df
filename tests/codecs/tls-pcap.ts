/**
 * Just enough of a classic pcap reader for the TLS tests: NULL/loopback or
 * Ethernet link, IPv4, TCP; it gives each packet's TCP payload with its
 * frame number and direction.
 */
export interface TcpPayload {
  readonly frame: number;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly payload: Uint8Array;
}

export function tcpPayloads(file: Uint8Array): TcpPayload[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = v.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && v.getUint32(0, false) !== 0xa1b2c3d4 && v.getUint32(0, false) !== 0xa1b23c4d) throw new Error('not a classic pcap');
  const linkType = v.getUint32(20, le);
  const linkHeader = linkType === 0 ? 4 : linkType === 1 ? 14 : -1;
  if (linkHeader < 0) throw new Error(`link type ${linkType} not handled`);
  const out: TcpPayload[] = [];
  let at = 24;
  for (let frame = 1; at + 16 <= file.length; frame++) {
    const captured = v.getUint32(at + 8, le);
    const data = file.subarray(at + 16, at + 16 + captured);
    at += 16 + captured;
    const ip = linkHeader;
    if (data[ip] >> 4 !== 4 || data[ip + 9] !== 6) continue;
    const ipEnd = ip + ((data[ip + 2] << 8) | data[ip + 3]);
    const tcp = ip + (data[ip] & 0x0f) * 4;
    const payloadStart = tcp + (data[tcp + 12] >> 4) * 4;
    out.push({
      frame,
      sourcePort: (data[tcp] << 8) | data[tcp + 1],
      destinationPort: (data[tcp + 2] << 8) | data[tcp + 3],
      payload: data.subarray(payloadStart, ipEnd),
    });
  }
  return out;
}

/** The bytes one side sent, in order (the capture has no loss or reordering). */
export function streamFrom(payloads: readonly TcpPayload[], sourcePort: number): Uint8Array {
  const parts = payloads.filter((p) => p.sourcePort === sourcePort && p.payload.length > 0).map((p) => p.payload);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
