import { describe, expect, it } from 'vitest';
import type { DecodeError } from '../../codecs/decode-error.js';
import * as dns from '../../codecs/dns.js';
import { readDnsMessages } from '../../src/stack/dns-tcp.js';
import { fromHex } from '../helpers/fixtures.js';

/** A query for example.com A, with the given id. */
const query = (id: number): Uint8Array => fromHex(`${id.toString(16).padStart(4, '0')}01000001000000000000076578616d706c6503636f6d0000010001`);
const framed = (message: Uint8Array): Uint8Array => Uint8Array.of(message.length >> 8, message.length & 0xff, ...message);
/** Three bytes cannot hold a DNS header. */
const MALFORMED = framed(Uint8Array.of(1, 2, 3));

function read(reader: dns.DnsTcpStream, chunk: Uint8Array, stopAt?: number) {
  const ids: number[] = [];
  const errors: DecodeError[] = [];
  readDnsMessages(
    reader,
    chunk,
    (m) => {
      ids.push(m.id);
      return m.id === stopAt;
    },
    (e) => errors.push(e),
  );
  return { ids, errors };
}

describe('readDnsMessages', () => {
  it('gives every whole message in order, reports a malformed one and reads on past it', () => {
    const { ids, errors } = read(new dns.DnsTcpStream(), Uint8Array.of(...framed(query(1)), ...MALFORMED, ...framed(query(2))));
    expect(ids).toEqual([1, 2]);
    expect(errors).toHaveLength(1);
    expect(errors[0].layer).toBe('dns');
  });

  it('waits for the rest of a message split across chunks', () => {
    const whole = framed(query(7));
    const reader = new dns.DnsTcpStream();
    expect(read(reader, whole.subarray(0, 5)).ids).toEqual([]);
    expect(read(reader, whole.subarray(5)).ids).toEqual([7]);
  });

  it('stops when asked, leaving the later messages for the next chunk', () => {
    const reader = new dns.DnsTcpStream();
    expect(read(reader, Uint8Array.of(...framed(query(1)), ...framed(query(2))), 1).ids).toEqual([1]);
    expect(read(reader, new Uint8Array(0)).ids).toEqual([2]);
  });
});
