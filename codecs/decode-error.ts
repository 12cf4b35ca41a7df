/**
 * The one error every decoder throws. It says which layer gave up, where in
 * the buffer, how many bytes it needed against how many there were, and why,
 * so that a bad frame can be reported without guessing.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly layer: string,
    readonly offset: number,
    readonly reason: string,
    readonly need = 0,
    readonly have = 0,
  ) {
    super(
      need > have
        ? `${layer} at offset ${offset}: ${reason} (need ${need} bytes, have ${have})`
        : `${layer} at offset ${offset}: ${reason}`,
    );
  }
}

/**
 * Throws a DecodeError unless `length` bytes are present from `offset`.
 * Every decoder calls this before it reads, so no read runs off the end.
 */
export function requireBytes(
  bytes: Uint8Array,
  offset: number,
  length: number,
  layer: string,
  what: string,
  end = bytes.length,
): void {
  const have = end - offset;
  if (have < length) throw new DecodeError(layer, offset, `truncated ${what}`, length, have < 0 ? 0 : have);
}
