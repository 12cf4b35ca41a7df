/** fast-check generators for every TLS handshake message and extension form this codec writes. */
import fc from 'fast-check';
import { type Extension, type ExtensionContext, type HandshakeMessage, ExtensionType, HandshakeType } from '../../codecs/tls/index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength });
const latin1 = (minLength: number, maxLength: number) => fc.array(u8, { minLength, maxLength }).map((a) => String.fromCharCode(...a));
const list = <T>(a: fc.Arbitrary<T>, minLength: number, maxLength = 6) => fc.array(a, { minLength, maxLength });

const knownExtensionTypes = new Set<number>(Object.values(ExtensionType));
const knownHandshakeTypes = new Set<number>(Object.values(HandshakeType));
const keyShareEntry = fc.record({ group: u16, keyExchange: bytes(1, 40) });

const unknownExtension: fc.Arbitrary<Extension> = fc.record({ type: u16.filter((t) => !knownExtensionTypes.has(t)), data: bytes(0, 20) });

const anyContext: fc.Arbitrary<Extension>[] = [
  fc.constant({ type: 'server_name' as const }),
  fc.record({ type: fc.constant('server_name' as const), serverNames: list(fc.record({ nameType: u8, hostName: latin1(1, 20) }), 1, 3) }),
  fc.record({ type: fc.constant('supported_groups' as const), namedGroupList: list(u16, 1, 10) }),
  fc.record({ type: fc.constant('signature_algorithms' as const), supportedSignatureAlgorithms: list(u16, 1, 10) }),
  fc.record({ type: fc.constant('signature_algorithms_cert' as const), supportedSignatureAlgorithms: list(u16, 1, 10) }),
  fc.record({ type: fc.constant('psk_key_exchange_modes' as const), keModes: list(u8, 1, 3) }),
  fc.record({ type: fc.constant('application_layer_protocol_negotiation' as const), protocolNameList: list(latin1(1, 10), 1, 4) }),
  fc.record({ type: fc.constant('record_size_limit' as const), recordSizeLimit: u16 }),
  fc.record({ type: fc.constant('renegotiation_info' as const), renegotiatedConnection: bytes(0, 24) }),
  fc.record({ type: fc.constant('ec_point_formats' as const), ecPointFormatList: list(u8, 1, 3) }),
  fc.constant({ type: 'extended_master_secret' as const }),
  fc.record({ type: fc.constant('session_ticket' as const), ticket: bytes(0, 30) }),
  fc.record({ type: fc.constant('padding' as const), padding: bytes(0, 30) }),
  unknownExtension,
];

const statusRequest = fc.record({ type: fc.constant('status_request' as const), statusType: u8, responderIdList: bytes(0, 10), requestExtensions: bytes(0, 10) });

const byContext: Record<ExtensionContext, fc.Arbitrary<Extension>[]> = {
  client_hello: [
    fc.record({ type: fc.constant('key_share' as const), clientShares: list(keyShareEntry, 0, 3) }),
    fc.record({ type: fc.constant('supported_versions' as const), versions: list(u16, 1, 6) }),
    fc.record({
      type: fc.constant('pre_shared_key' as const),
      identities: list(fc.record({ identity: bytes(1, 30), obfuscatedTicketAge: u32 }), 1, 3),
      binders: list(bytes(32, 48), 1, 3),
    }),
    fc.constant({ type: 'early_data' as const }),
    fc.record({ type: fc.constant('cookie' as const), cookie: bytes(1, 30) }),
    fc.constant({ type: 'status_request' as const }),
    statusRequest,
  ],
  server_hello: [
    fc.record({ type: fc.constant('key_share' as const), serverShare: keyShareEntry }),
    fc.record({ type: fc.constant('supported_versions' as const), selectedVersion: u16 }),
    fc.record({ type: fc.constant('pre_shared_key' as const), selectedIdentity: u16 }),
  ],
  hello_retry_request: [
    fc.record({ type: fc.constant('key_share' as const), selectedGroup: u16 }),
    fc.record({ type: fc.constant('supported_versions' as const), selectedVersion: u16 }),
    fc.record({ type: fc.constant('cookie' as const), cookie: bytes(1, 30) }),
  ],
  encrypted_extensions: [fc.constant({ type: 'early_data' as const }), fc.constant({ type: 'status_request' as const })],
  certificate: [fc.record({ type: fc.constant('status_request' as const), statusType: u8, response: bytes(1, 30) })],
  certificate_request: [statusRequest],
  new_session_ticket: [fc.record({ type: fc.constant('early_data' as const), maxEarlyDataSize: u32 })],
};

export const extension = (context: ExtensionContext): fc.Arbitrary<Extension> => fc.oneof(...anyContext, ...byContext[context]);
export const extensions = (context: ExtensionContext): fc.Arbitrary<Extension[]> => list(extension(context), 0, 6);

const helloFields = {
  legacyVersion: u16,
  legacySessionIdEcho: bytes(0, 32),
  cipherSuite: u16,
  legacyCompressionMethod: u8,
};

const clientHelloFields = {
  type: fc.constant('client_hello' as const),
  legacyVersion: u16,
  random: bytes(32, 32),
  legacySessionId: bytes(0, 32),
  cipherSuites: list(u16, 1, 8),
  legacyCompressionMethods: list(u8, 1, 3),
};

/** Every TLS 1.3 message form, decoded with the default `{ tls13: true }`. */
export const handshakeMessage: fc.Arbitrary<HandshakeMessage> = fc.oneof(
  fc.record({ ...clientHelloFields, extensions: extensions('client_hello') }),
  // A ClientHello may stop before its extensions block, as TLS 1.2 and earlier allowed (RFC 5246 §7.4.1.2).
  fc.record({ ...clientHelloFields, extensions: fc.constant([]), extensionsAbsent: fc.constant(true as const) }),
  fc.record({ type: fc.constant('server_hello' as const), random: bytes(32, 32), ...helloFields, extensions: extensions('server_hello') }),
  fc.record({ type: fc.constant('hello_retry_request' as const), ...helloFields, extensions: extensions('hello_retry_request') }),
  fc.record({ type: fc.constant('encrypted_extensions' as const), extensions: extensions('encrypted_extensions') }),
  fc.record({
    type: fc.constant('certificate' as const),
    certificateRequestContext: bytes(0, 8),
    certificateList: list(fc.record({ certData: bytes(1, 60), extensions: extensions('certificate') }), 0, 3),
  }),
  fc.record({ type: fc.constant('certificate_request' as const), certificateRequestContext: bytes(0, 8), extensions: extensions('certificate_request') }),
  fc.record({ type: fc.constant('certificate_verify' as const), algorithm: u16, signature: bytes(0, 80) }),
  fc.record({ type: fc.constant('finished' as const), verifyData: bytes(0, 64) }),
  fc.record({
    type: fc.constant('new_session_ticket' as const),
    ticketLifetime: u32,
    ticketAgeAdd: u32,
    ticketNonce: bytes(0, 8),
    ticket: bytes(1, 40),
    extensions: extensions('new_session_ticket'),
  }),
  fc.record({ type: fc.constant('key_update' as const), requestUpdate: u8 }),
  fc.constant({ type: 'end_of_early_data' as const }),
  fc.record({ type: fc.constantFrom('server_key_exchange' as const, 'server_hello_done' as const, 'client_key_exchange' as const), body: bytes(0, 40) }),
  fc.record({ type: u8.filter((t) => !knownHandshakeTypes.has(t)), body: bytes(0, 40) }),
);

/** The TLS 1.2 forms, decoded with `{ tls13: false }`. */
export const tls12Message: fc.Arbitrary<HandshakeMessage> = fc.oneof(
  fc.record({ type: fc.constant('certificate' as const), certificateList: list(fc.record({ certData: bytes(1, 60) }), 0, 3) }),
  fc.record({ type: fc.constantFrom('certificate_request' as const, 'new_session_ticket' as const), body: bytes(0, 40) }),
);
