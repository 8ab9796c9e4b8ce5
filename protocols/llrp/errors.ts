// protocols/llrp — the codec's error value. Decoders of wire bytes return these (never throw) so that one bad frame
// from a reader closes that connection with a clear reason instead of crashing the gateway.

export type LlrpErrorCode =
  | 'bad-header' // version, type or length field of a message header is impossible
  | 'too-long' // a length field is above the configured cap
  | 'truncated' // a parameter or field runs past the end of its container
  | 'bad-length' // a TLV length is shorter than its own header or longer than its container
  | 'unknown-tv' // a TV parameter type we do not know: its length is unknowable, decoding cannot go on
  | 'bad-field' // a field value the codec cannot represent (encoder side) or that is out of range
  | 'unexpected'; // a different message type than the caller asked to decode

export class LlrpError extends Error {
  override readonly name = 'LlrpError';
  constructor(
    readonly code: LlrpErrorCode,
    message: string,
    /** Byte offset within the frame (or chunk stream) where the problem was found; -1 when not applicable. */
    readonly offset = -1,
  ) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: LlrpError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: LlrpErrorCode, message: string, offset = -1): Result<T> {
  return { ok: false, error: new LlrpError(code, message, offset) };
}
