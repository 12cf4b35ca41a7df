/** Alerts (RFC 8446 §6): a level and a description, two bytes in all. */
import { type Decoded, decoded } from '../codec.js';
import { AlertDescriptionNames, AlertLevelNames, valueOfName } from './names.js';
import { Reader, encodeIntoWith } from './wire.js';

export type AlertDescription = (typeof AlertDescriptionNames)[keyof typeof AlertDescriptionNames];

export interface Alert {
  readonly level: 'warning' | 'fatal' | number;
  readonly description: AlertDescription | number;
}

export const ALERT_LENGTH = 2;
export const AlertOffsets = { level: 0, description: 1 } as const;

export function decodeAlert(bytes: Uint8Array, offset = 0, end = bytes.length): Decoded<Alert> {
  const r = new Reader(bytes, offset, end);
  const level = r.u8('alert level');
  const description = r.u8('alert description');
  const header: Alert = {
    level: AlertLevelNames[level as keyof typeof AlertLevelNames] ?? level,
    description: AlertDescriptionNames[description as keyof typeof AlertDescriptionNames] ?? description,
  };
  return decoded(bytes, header, ALERT_LENGTH, offset + ALERT_LENGTH, 0);
}

function number(table: Readonly<Record<number, string>>, value: string | number, what: string): number {
  if (typeof value === 'number') return value;
  const n = valueOfName(table, value);
  if (n === undefined) throw new RangeError(`tls: unknown alert ${what} ${JSON.stringify(value)}`);
  return n;
}

export function alertEncodingLength(_alert: Alert): number {
  return ALERT_LENGTH;
}

export function encodeAlertInto(buf: Uint8Array, offset: number, alert: Alert): number {
  return encodeIntoWith(buf, offset, 'alert', (w) => {
    w.u8(number(AlertLevelNames, alert.level, 'level'));
    w.u8(number(AlertDescriptionNames, alert.description, 'description'));
  });
}

export function encodeAlert(alert: Alert): Uint8Array {
  const out = new Uint8Array(ALERT_LENGTH);
  encodeAlertInto(out, 0, alert);
  return out;
}
