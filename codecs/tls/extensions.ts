/**
 * TLS extensions (RFC 8446 §4.2 and the RFCs that define each one). An
 * extension's body has a different shape in each message that carries it
 * (key_share holds a list in a ClientHello, one share in a ServerHello and a
 * bare group in a HelloRetryRequest), so decoding takes the carrying message
 * as its context. Encoding needs none: the fields of the object say its form.
 *
 * A known type in a context that defines no form for it, and any unknown
 * type, is kept as `{ type: <number>, data }`, in its place in the list.
 */
import { type Reader, type Writer } from './wire.js';

/** The message whose extension block is being read. */
export type ExtensionContext =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate'
  | 'certificate_request'
  | 'new_session_ticket';

export interface ServerName {
  /** 0 is host_name; RFC 6066 defines no other, but the bytes of any type are kept. */
  readonly nameType: number;
  readonly hostName: string;
}

export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

export type Extension =
  | { readonly type: 'server_name'; readonly serverNames?: readonly ServerName[] }
  | { readonly type: 'supported_groups'; readonly namedGroupList: readonly number[] }
  | { readonly type: 'signature_algorithms'; readonly supportedSignatureAlgorithms: readonly number[] }
  | { readonly type: 'signature_algorithms_cert'; readonly supportedSignatureAlgorithms: readonly number[] }
  | { readonly type: 'key_share'; readonly clientShares: readonly KeyShareEntry[] }
  | { readonly type: 'key_share'; readonly serverShare: KeyShareEntry }
  | { readonly type: 'key_share'; readonly selectedGroup: number }
  | { readonly type: 'supported_versions'; readonly versions: readonly number[] }
  | { readonly type: 'supported_versions'; readonly selectedVersion: number }
  | { readonly type: 'psk_key_exchange_modes'; readonly keModes: readonly number[] }
  | { readonly type: 'pre_shared_key'; readonly identities: readonly PskIdentity[]; readonly binders: readonly Uint8Array[] }
  | { readonly type: 'pre_shared_key'; readonly selectedIdentity: number }
  | { readonly type: 'early_data'; readonly maxEarlyDataSize?: number }
  | { readonly type: 'cookie'; readonly cookie: Uint8Array }
  | { readonly type: 'application_layer_protocol_negotiation'; readonly protocolNameList: readonly string[] }
  | { readonly type: 'record_size_limit'; readonly recordSizeLimit: number }
  | { readonly type: 'renegotiation_info'; readonly renegotiatedConnection: Uint8Array }
  /** Empty in a ServerHello/EncryptedExtensions; a request in a ClientHello/CertificateRequest (RFC 6066 §8). */
  | { readonly type: 'status_request'; readonly statusType?: number; readonly responderIdList?: Uint8Array; readonly requestExtensions?: Uint8Array }
  /** A CertificateStatus in a TLS 1.3 Certificate entry (RFC 8446 §4.4.2.1). */
  | { readonly type: 'status_request'; readonly statusType: number; readonly response: Uint8Array }
  | { readonly type: 'ec_point_formats'; readonly ecPointFormatList: readonly number[] }
  | { readonly type: 'extended_master_secret' }
  | { readonly type: 'session_ticket'; readonly ticket: Uint8Array }
  | { readonly type: 'padding'; readonly padding: Uint8Array }
  | UnknownExtension;

export interface UnknownExtension {
  readonly type: number;
  readonly data: Uint8Array;
}

export const ExtensionType = {
  server_name: 0,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  application_layer_protocol_negotiation: 16,
  padding: 21,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

type KnownName = keyof typeof ExtensionType;
const NAME_OF = new Map<number, KnownName>(Object.entries(ExtensionType).map(([k, v]) => [v, k as KnownName]));

/** Reads the 2-byte-length extension block; the cursor must end exactly at its end. */
export function readExtensions(r: Reader, context: ExtensionContext): Extension[] {
  const block = r.vector(2, 'extensions');
  const out: Extension[] = [];
  while (block.remaining > 0) {
    const type = block.u16('extension type');
    const body = block.vector(2, 'extension data');
    out.push(readExtension(type, body, context));
  }
  return out;
}

function keyShareEntry(r: Reader): KeyShareEntry {
  return { group: r.u16('key share group'), keyExchange: r.opaque(2, 'key_exchange', 1) };
}

function readExtension(type: number, r: Reader, context: ExtensionContext): Extension {
  const name = NAME_OF.get(type);
  const ext = name === undefined ? undefined : readKnown(name, r, context);
  if (ext === undefined) return { type, data: r.rest() };
  r.done(`${name} extension`);
  return ext;
}

function readKnown(name: KnownName, r: Reader, context: ExtensionContext): Extension | undefined {
  const ch = context === 'client_hello';
  const sh = context === 'server_hello';
  const hrr = context === 'hello_retry_request';
  switch (name) {
    case 'server_name': {
      if (r.remaining === 0) return { type: name };
      const list = r.vector(2, 'server_name_list', 1);
      const serverNames: ServerName[] = [];
      while (list.remaining > 0) serverNames.push({ nameType: list.u8('name_type'), hostName: list.text(2, 'host_name', 1) });
      return { type: name, serverNames };
    }
    case 'supported_groups':
      return { type: name, namedGroupList: r.uints(2, 2, 'named_group_list', 2) };
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      return { type: name, supportedSignatureAlgorithms: r.uints(2, 2, 'supported_signature_algorithms', 2) };
    case 'key_share': {
      if (hrr) return { type: name, selectedGroup: r.u16('selected_group') };
      if (sh) return { type: name, serverShare: keyShareEntry(r) };
      if (!ch) return undefined;
      const list = r.vector(2, 'client_shares');
      const clientShares: KeyShareEntry[] = [];
      while (list.remaining > 0) clientShares.push(keyShareEntry(list));
      return { type: name, clientShares };
    }
    case 'supported_versions':
      if (ch) return { type: name, versions: r.uints(1, 2, 'versions', 2, 254) };
      if (sh || hrr) return { type: name, selectedVersion: r.u16('selected_version') };
      return undefined;
    case 'psk_key_exchange_modes':
      return { type: name, keModes: r.uints(1, 1, 'ke_modes', 1) };
    case 'pre_shared_key': {
      if (sh) return { type: name, selectedIdentity: r.u16('selected_identity') };
      if (!ch) return undefined;
      const ids = r.vector(2, 'identities', 7);
      const identities: PskIdentity[] = [];
      while (ids.remaining > 0) identities.push({ identity: ids.opaque(2, 'identity', 1), obfuscatedTicketAge: ids.u32('obfuscated_ticket_age') });
      const list = r.vector(2, 'binders', 33);
      const binders: Uint8Array[] = [];
      while (list.remaining > 0) binders.push(list.opaque(1, 'binder', 32));
      return { type: name, identities, binders };
    }
    case 'early_data':
      if (context === 'new_session_ticket') return { type: name, maxEarlyDataSize: r.u32('max_early_data_size') };
      return ch || context === 'encrypted_extensions' ? { type: name } : undefined;
    case 'cookie':
      return ch || hrr ? { type: name, cookie: r.opaque(2, 'cookie', 1) } : undefined;
    case 'application_layer_protocol_negotiation': {
      const list = r.vector(2, 'protocol_name_list', 2);
      const protocolNameList: string[] = [];
      while (list.remaining > 0) protocolNameList.push(list.text(1, 'protocol name', 1));
      return { type: name, protocolNameList };
    }
    case 'record_size_limit':
      return { type: name, recordSizeLimit: r.u16('record_size_limit') };
    case 'renegotiation_info':
      return { type: name, renegotiatedConnection: r.opaque(1, 'renegotiated_connection') };
    case 'status_request':
      if (r.remaining === 0) return { type: name };
      if (context === 'certificate') return { type: name, statusType: r.u8('status_type'), response: r.opaque(3, 'OCSPResponse', 1) };
      if (!ch && context !== 'certificate_request') return undefined;
      return { type: name, statusType: r.u8('status_type'), responderIdList: r.opaque(2, 'responder_id_list'), requestExtensions: r.opaque(2, 'request_extensions') };
    case 'ec_point_formats':
      return { type: name, ecPointFormatList: r.uints(1, 1, 'ec_point_format_list', 1) };
    case 'extended_master_secret':
      return { type: name };
    case 'session_ticket':
      return { type: name, ticket: r.rest() };
    case 'padding':
      return { type: name, padding: r.rest() };
  }
}

export function writeExtensions(w: Writer, extensions: readonly Extension[]): void {
  w.vector(2, () => {
    for (const ext of extensions) writeExtension(w, ext);
  });
}

function writeKeyShareEntry(w: Writer, e: KeyShareEntry): void {
  w.u16(e.group);
  w.opaque(2, e.keyExchange);
}

export function writeExtension(w: Writer, ext: Extension): void {
  if (typeof ext.type === 'number') {
    w.u16(ext.type);
    w.opaque(2, (ext as UnknownExtension).data);
    return;
  }
  w.u16(ExtensionType[ext.type]);
  w.vector(2, () => writeBody(w, ext as Exclude<Extension, UnknownExtension>));
}

function writeBody(w: Writer, ext: Exclude<Extension, UnknownExtension>): void {
  switch (ext.type) {
    case 'server_name':
      if (ext.serverNames)
        w.vector(2, () => {
          for (const n of ext.serverNames!) {
            w.u8(n.nameType);
            w.vector(2, () => w.text(n.hostName));
          }
        });
      return;
    case 'supported_groups':
      return w.uints(2, 2, ext.namedGroupList);
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      return w.uints(2, 2, ext.supportedSignatureAlgorithms);
    case 'key_share':
      if ('clientShares' in ext) return w.vector(2, () => ext.clientShares.forEach((e) => writeKeyShareEntry(w, e)));
      if ('serverShare' in ext) return writeKeyShareEntry(w, ext.serverShare);
      return w.u16(ext.selectedGroup);
    case 'supported_versions':
      return 'versions' in ext ? w.uints(1, 2, ext.versions) : w.u16(ext.selectedVersion);
    case 'psk_key_exchange_modes':
      return w.uints(1, 1, ext.keModes);
    case 'pre_shared_key':
      if ('selectedIdentity' in ext) return w.u16(ext.selectedIdentity);
      w.vector(2, () => {
        for (const id of ext.identities) {
          w.opaque(2, id.identity);
          w.u32(id.obfuscatedTicketAge);
        }
      });
      return w.vector(2, () => ext.binders.forEach((b) => w.opaque(1, b)));
    case 'early_data':
      if (ext.maxEarlyDataSize !== undefined) w.u32(ext.maxEarlyDataSize);
      return;
    case 'cookie':
      return w.opaque(2, ext.cookie);
    case 'application_layer_protocol_negotiation':
      return w.vector(2, () => ext.protocolNameList.forEach((p) => w.vector(1, () => w.text(p))));
    case 'record_size_limit':
      return w.u16(ext.recordSizeLimit);
    case 'renegotiation_info':
      return w.opaque(1, ext.renegotiatedConnection);
    case 'status_request':
      if (ext.statusType === undefined) return;
      w.u8(ext.statusType);
      if ('response' in ext) return w.opaque(3, ext.response);
      w.opaque(2, ext.responderIdList ?? new Uint8Array(0));
      return w.opaque(2, ext.requestExtensions ?? new Uint8Array(0));
    case 'ec_point_formats':
      return w.uints(1, 1, ext.ecPointFormatList);
    case 'extended_master_secret':
      return;
    case 'session_ticket':
      return w.bytes(ext.ticket);
    case 'padding':
      return w.bytes(ext.padding);
  }
}
