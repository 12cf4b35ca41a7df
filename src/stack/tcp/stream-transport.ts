/**
 * The shape a host asks of its TCP (connect to an address and port, accept on
 * a port), made from a TcpStack: `host.attachTcp(streamTransport(stack))`.
 */
import type { ByteStream } from '../byte-stream.js';
import type { TcpStack } from './tcp-stack.js';

export interface TcpStreamTransport {
  connect(destination: string, port: number): ByteStream;
  listen(port: number, accept: (stream: ByteStream) => void): void;
}

export function streamTransport(stack: TcpStack): TcpStreamTransport {
  return {
    connect: (destination, port) => stack.connect({ address: destination, port }),
    listen: (port, accept) => stack.listen(port).on('connection', accept),
  };
}
