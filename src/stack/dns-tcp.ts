/**
 * DNS over a TCP byte stream (RFC 7766), the part both ends share: chunks go
 * into the message reassembler and whole messages come out in turn. A
 * message that does not decode is reported and skipped, so one bad message
 * does not end the conversation.
 */
import { DecodeError } from '../../codecs/decode-error.js';
import type { DnsMessage, DnsTcpStream } from '../../codecs/dns.js';

/**
 * Pushes `chunk` into `reader` and gives `each` every whole message now
 * available, until `each` returns true to stop; `malformed` hears of each
 * message that did not decode.
 */
export function readDnsMessages(reader: DnsTcpStream, chunk: Uint8Array, each: (message: DnsMessage) => boolean | void, malformed: (error: DecodeError) => void): void {
  reader.push(chunk);
  for (;;) {
    let message: DnsMessage | undefined;
    try {
      message = reader.next();
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      malformed(error);
      continue;
    }
    if (message === undefined || each(message) === true) return;
  }
}
