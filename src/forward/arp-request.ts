/** The broadcast "who has" a router sends when a next hop has no MAC yet (RFC 826). */
import { ArpHardwareType, ArpOffsets, ArpOpcode } from '../../codecs/arp.js';
import { ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME, EtherType } from '../../codecs/ethernet.js';

export function buildArpRequest(mac: Uint8Array, macOffset: number, sender: number, target: number): Uint8Array {
  const out = new Uint8Array(ETHERNET_MIN_FRAME);
  const a = ETHERNET_HEADER_LENGTH;
  out.fill(0xff, 0, 6);
  for (let k = 0; k < 6; k++) {
    out[6 + k] = mac[macOffset + k];
    out[a + ArpOffsets.senderHardwareAddress + k] = mac[macOffset + k];
  }
  out[12] = EtherType.arp >>> 8;
  out[13] = EtherType.arp & 0xff;
  out[a + ArpOffsets.hardwareType + 1] = ArpHardwareType.ethernet;
  out[a + ArpOffsets.protocolType] = EtherType.ipv4 >>> 8;
  out[a + ArpOffsets.hardwareSize] = 6;
  out[a + ArpOffsets.protocolSize] = 4;
  out[a + ArpOffsets.opcode + 1] = ArpOpcode.request;
  writeUint32(out, a + ArpOffsets.senderProtocolAddress, sender);
  writeUint32(out, a + ArpOffsets.targetProtocolAddress, target);
  return out;
}

function writeUint32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}
