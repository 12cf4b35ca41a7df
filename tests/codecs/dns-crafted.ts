/** Hand-built DNS messages that are bad, or nearly so, in one chosen way. */

function header(qd: number, an: number, ns = 0, ar = 0): number[] {
  return [0x12, 0x34, 0x81, 0x80, 0, qd, 0, an, 0, ns, 0, ar];
}

/**
 * Two answers: the first, of an unknown type, holds in its rdata a chain of
 * `length` pointers, each to the one before, the first to a label "a" (or,
 * with `loop`, to itself); the second answer's name points at the last one.
 */
export function pointerChain(length: number, loop: boolean): Uint8Array {
  const rdataAt = 12 + 1 + 10;
  const rdata: number[] = [];
  let previous = rdataAt;
  if (loop) {
    rdata.push(0xc0 | (rdataAt >> 8), rdataAt & 0xff);
  } else {
    rdata.push(1, 0x61, 0);
  }
  for (let i = loop ? 1 : 0; i < length; i++) {
    const at = rdataAt + rdata.length;
    rdata.push(0xc0 | (previous >> 8), previous & 0xff);
    previous = at;
  }
  const first = [0, 0xff, 0x00, 0, 1, 0, 0, 0, 0, rdata.length >> 8, rdata.length & 0xff, ...rdata];
  const second = [0xc0 | (previous >> 8), previous & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 0, 0, 1];
  return Uint8Array.from([...header(0, 2), ...first, ...second]);
}

/** A query for `name` given as raw wire bytes (labels and whatever follows). */
export function queryWithName(wire: readonly number[], type = 1): Uint8Array {
  return Uint8Array.from([...header(1, 0), ...wire, type >> 8, type & 0xff, 0, 1]);
}

/** A response to a query for "a" with one answer of `type` and the given rdata. */
export function answerWithRdata(type: number, rdata: readonly number[], rdlength = rdata.length): Uint8Array {
  const t = [type >> 8, type & 0xff];
  return Uint8Array.from([...header(1, 1), 1, 0x61, 0, ...t, 0, 1, 0xc0, 12, ...t, 0, 1, 0, 0, 0, 60, rdlength >> 8, rdlength & 0xff, ...rdata]);
}
