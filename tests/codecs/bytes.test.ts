import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../codecs/bytes.js';

describe('concatBytes', () => {
  it('lays the parts end to end, as Buffer.concat does', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (parts) => {
        expect(Buffer.from(concatBytes(parts))).toEqual(Buffer.concat(parts));
      }),
      { numRuns: 300 },
    );
  });

  it('copies even a single part, so writing to the result leaves the part alone', () => {
    const part = Uint8Array.of(1, 2, 3);
    const joined = concatBytes([part]);
    joined[0] = 9;
    expect(part).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('reads views at their own offset, not from the start of their buffer', () => {
    const backing = Uint8Array.of(0, 1, 2, 3, 4, 5);
    expect(concatBytes([backing.subarray(4), backing.subarray(1, 3)])).toEqual(Uint8Array.of(4, 5, 1, 2));
  });
});
