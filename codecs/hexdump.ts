/**
 * Bytes as people read them: offset, sixteen hex bytes in two groups of
 * eight, and the printable ASCII beside them, the layout of `tshark -x`,
 * `xxd` and Scapy's hexdump().
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexdump(bytes: Uint8Array, options: { offset?: number; indent?: string } = {}): string {
  const base = options.offset ?? 0;
  const indent = options.indent ?? '';
  const lines: string[] = [];
  for (let row = 0; row < bytes.length; row += 16) {
    let hex = '';
    let text = '';
    for (let i = 0; i < 16; i++) {
      const at = row + i;
      if (i === 8) hex += ' ';
      if (at < bytes.length) {
        const b = bytes[at];
        hex += `${HEX[b]} `;
        text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${indent}${(base + row).toString(16).padStart(4, '0')}  ${hex} ${text}`);
  }
  return lines.join('\n');
}
