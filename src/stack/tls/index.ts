/** TLS 1.3 over a ByteStream: client, server, key schedule, record protection, certificate checks and the key log. */
export { TlsAlert, TlsPeerAlert } from './alerts.js';
export { type ChainCheck, type ChainPolicy, type VerifiedChain, certificateVerifyContent, verifyServerChain } from './certificates.js';
export { CIPHER_SUITES, type CipherSuite, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, cipherSuiteById } from './cipher-suites.js';
export { SIGNATURE_SCHEMES, TlsClientConnection, type TlsClientOptions, tlsConnect } from './client.js';
export { type HandshakeSummary, TlsConnection, type TlsCommonOptions, type TlsConnectionEvents, type TlsLog } from './connection.js';
export { KeySchedule, deriveSecret, finishedVerifyData, hkdfExpandLabel, hkdfExtract, trafficKeys } from './key-schedule.js';
export { type KeyLogLabel, keyLogLine } from './keylog.js';
export { MAX_PLAINTEXT, RecordAuthenticationError, RecordProtection } from './record-protection.js';
export { TlsServerConnection, type TlsServerOptions, tlsAccept } from './server.js';
export { GROUP_X25519, x25519KeyPair, x25519SharedSecret } from './x25519.js';
