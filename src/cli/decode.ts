/**
 * `wirepath decode FILE [--count N] [--hex]`: every packet of a pcap or
 * pcapng file, layer by layer as show() prints it, with its time, interface,
 * direction, packet id and comment; `--hex` adds the bytes.
 */
import { readFileSync } from 'node:fs';
import { readCapture } from '../../codecs/capture.js';
import { DecodeError } from '../../codecs/decode-error.js';
import { dissect } from '../../codecs/dissect.js';
import { hexdump } from '../../codecs/hexdump.js';
import { show } from '../../codecs/show.js';

export interface DecodeOptions {
  readonly count?: number;
  readonly hex?: boolean;
}

function timestamp(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

const DIRECTIONS = ['', 'inbound', 'outbound', ''];

/** Writes the decoded capture through `print`; returns how many packets it showed. */
export function decodeCapture(file: string, options: DecodeOptions, print: (text: string) => void): number {
  const bytes = new Uint8Array(readFileSync(file));
  let n = 0;
  try {
    for (const record of readCapture(bytes)) {
      if (options.count !== undefined && n >= options.count) break;
      n++;
      const facts = [timestamp(record.timestampNs), `${record.data.length} bytes`];
      if (record.originalLength !== record.data.length) facts.push(`${record.originalLength} on the wire`);
      if (record.interfaceName) facts.push(`on ${record.interfaceName}`);
      if (record.flags !== undefined && DIRECTIONS[record.flags & 3]) facts.push(DIRECTIONS[record.flags & 3]);
      if (record.packetId !== undefined) facts.push(`packet id ${record.packetId}`);
      print(`\n=== packet ${n}: ${facts.join(', ')}`);
      if (record.comment) print(`# ${record.comment}`);
      print(show(dissect(record.data, { linkType: record.linkType })));
      if (options.hex) print(hexdump(record.data));
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    print(`\n${file}: the file is damaged after packet ${n}: ${e.message}`);
  }
  return n;
}
