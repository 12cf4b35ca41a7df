/**
 * HTTP/1.1 served on a byte stream (a TLS connection): requests are read as
 * they complete, handed to `handle`, and each answer is written back in the
 * order the requests came, even when an answer is ready out of turn (a
 * load balancer waiting on its backend). The peer's end ends ours once
 * every answer is out.
 */
import * as http from '../../codecs/http.js';
import { HttpStreamParser } from '../../codecs/http-parser.js';
import type { ByteStream } from '../stack/byte-stream.js';

export type HttpHandler = (request: http.HttpRequest, reply: (response: http.HttpResponse) => void) => void;

export function serveHttp(stream: ByteStream, handle: HttpHandler, onBadRequest: (error: Error) => void): void {
  const parser = new HttpStreamParser();
  const answers: Array<http.HttpResponse | undefined> = [];
  let written = 0;
  let peerEnded = false;
  const flush = () => {
    while (written < answers.length && answers[written] !== undefined) stream.write(http.encode(answers[written++]!));
    if (peerEnded && written === answers.length) stream.end();
  };
  stream.on('data', (bytes) => {
    let messages;
    try {
      messages = parser.push(bytes);
    } catch (e) {
      onBadRequest(e as Error);
      stream.end();
      return;
    }
    for (const { message } of messages) {
      if (http.isResponse(message)) continue;
      const slot = answers.length;
      answers.push(undefined);
      handle(message, (response) => {
        answers[slot] = response;
        flush();
      });
    }
  });
  stream.on('end', () => {
    peerEnded = true;
    flush();
  });
}
