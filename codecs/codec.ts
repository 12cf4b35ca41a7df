/** What every encoder accepts. Both default to true; false crafts bad packets on purpose. */
export interface EncodeOptions {
  /** Compute checksums (true) or write the header's own `checksum` field as it is (false). */
  readonly computeChecksums?: boolean;
  /** Compute length fields (true) or write the header's own length fields as they are (false). */
  readonly fixLengths?: boolean;
}

/** The source and destination that TCP and UDP checksums cover (RFC 768, RFC 9293 §3.1). */
export interface PseudoHeader {
  readonly source: string;
  readonly destination: string;
}

/**
 * What a transport decoder takes to check its checksum: the addresses as
 * text, or already summed as 16-bit words (pseudoHeaderSum with protocol and
 * length 0) by a caller that holds the IPv4 header's bytes and need not turn
 * them into text first.
 */
export type PseudoHeaderInput = PseudoHeader | number;

/** What `decode` returns: the header, and where its payload lies in the same buffer. */
export interface Decoded<H> {
  readonly header: H;
  readonly headerLength: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
  /** A view into the decoded buffer, never a copy. */
  readonly payload: Uint8Array;
}

export function computeChecksums(options: EncodeOptions | undefined): boolean {
  return options?.computeChecksums ?? true;
}

export function fixLengths(options: EncodeOptions | undefined): boolean {
  return options?.fixLengths ?? true;
}

/**
 * The payload view is made only when asked for: a subarray costs more than a
 * small header's whole decode, and dissect and the forwarding path go by
 * offsets alone.
 */
class DecodedView<H> implements Decoded<H> {
  constructor(
    private readonly bytes: Uint8Array,
    readonly header: H,
    readonly headerLength: number,
    readonly payloadOffset: number,
    readonly payloadLength: number,
  ) {}

  get payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }
}

export function decoded<H>(bytes: Uint8Array, header: H, headerLength: number, payloadOffset: number, payloadLength: number): Decoded<H> {
  return new DecodedView(bytes, header, headerLength, payloadOffset, payloadLength);
}
