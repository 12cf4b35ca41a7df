/** TLS: records, handshake messages and their reassembly, extensions, alerts, and IANA names. */
export * from './record.js';
export * from './handshake.js';
export * from './extensions.js';
export * from './alert.js';
export * from './reassembler.js';
export * from './names.js';
