/**
 * The RFC 8448 §3 (simple 1-RTT handshake) fixtures: the published messages
 * and records as hex files, and the published secrets, one `name value`
 * line each in secrets.txt.
 */
import { readFileSync } from 'node:fs';
import { fixturePath, fromHex } from './fixtures.js';

/** The bytes of one of the hex files in fixtures/tls-rfc8448/. */
export function rfc8448Hex(name: string): Uint8Array {
  return fromHex(readFileSync(fixturePath(`tls-rfc8448/${name}`), 'utf8'));
}

const secrets = new Map(
  readFileSync(fixturePath('tls-rfc8448/secrets.txt'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      // A name may hold spaces ("ecdhe_shared (IKM)"); the value is the hex at the end.
      const m = /^(.*\S)\s+([0-9a-f]{16,})$/.exec(l);
      if (!m) throw new Error(`secrets.txt: cannot read ${JSON.stringify(l)}`);
      return [m[1].trim(), m[2]] as const;
    }),
);

/** A published secret or key, as lowercase hex. */
export function rfc8448Secret(name: string): string {
  const value = secrets.get(name);
  if (!value) throw new Error(`secrets.txt has no ${name}`);
  return value;
}
