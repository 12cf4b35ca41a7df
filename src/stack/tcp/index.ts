/** TCP for the emulator's hosts: the stack, its connections and listeners, and the host adapter. */
export { DEFAULT_TCP_CONFIG, type TcpConfig } from './config.js';
export { TcpConnection, type TcpConnectionEvents } from './connection.js';
export type { TcpCounters, TcpDropCounters } from './counters.js';
export { TcpError, type TcpErrorCode } from './errors.js';
export { TcpListener } from './listener.js';
export type { TcpState } from './state.js';
export { streamTransport, type TcpStreamTransport } from './stream-transport.js';
export { type ConnectOptions, type ListenOptions, TcpStack, type TcpStackOptions, type TcpTableRow } from './tcp-stack.js';
