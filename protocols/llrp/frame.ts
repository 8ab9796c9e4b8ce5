// protocols/llrp — the streaming frame splitter: TCP chunks in, whole LLRP messages out. Yields every complete
// message in a chunk, keeps a partial one for the next chunk, and refuses a length above its cap before allocating.
import { DEFAULT_MAX_MESSAGE_LENGTH, HEADER_LENGTH } from './constants.js';
import { LlrpError } from './errors.js';
import { readHeader } from './header.js';

export class FrameSplitter {
  /** Bytes of the message being assembled across chunks (header first, then the rest once its length is known). */
  private partial: Uint8Array = new Uint8Array(HEADER_LENGTH);
  private partialLen = 0;
  /** Bytes consumed from the stream so far (for error offsets). */
  private consumed = 0;
  private broken: LlrpError | undefined;

  constructor(readonly maxLength: number = DEFAULT_MAX_MESSAGE_LENGTH) {
    if (!(maxLength >= HEADER_LENGTH)) throw new RangeError(`FrameSplitter maxLength ${maxLength} < ${HEADER_LENGTH}`);
  }

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.partialLen;
  }

  /**
   * Feed one chunk. `onFrame` receives each complete message (header included); a frame is a plain Uint8Array, possibly a view into `chunk`,
   * valid for the duration of the call. Returns an error when the stream cannot be framed any more (bad header,
   * length above the cap); the splitter then stays broken until `reset()` — the connection should be closed.
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): LlrpError | undefined {
    if (this.broken) return this.broken;
    let pos = 0;
    const n = chunk.length;
    // Finish a message begun in an earlier chunk.
    if (this.partialLen > 0) {
      if (this.partialLen < HEADER_LENGTH) {
        const take = Math.min(HEADER_LENGTH - this.partialLen, n);
        this.partial.set(chunk.subarray(0, take), this.partialLen);
        this.partialLen += take;
        pos = take;
        if (this.partialLen < HEADER_LENGTH) return undefined;
        const err = this.startBody();
        if (err) return err;
      }
      const need = this.partial.length - this.partialLen;
      const take = Math.min(need, n - pos);
      this.partial.set(chunk.subarray(pos, pos + take), this.partialLen);
      this.partialLen += take;
      pos += take;
      if (this.partialLen < this.partial.length) return undefined;
      const frame = this.partial;
      this.consumed += frame.length;
      this.partial = new Uint8Array(HEADER_LENGTH);
      this.partialLen = 0;
      onFrame(frame);
    }
    // Whole messages inside this chunk: zero-copy views.
    while (n - pos >= HEADER_LENGTH) {
      const h = readHeader(chunk, pos);
      if (!h.ok) return this.fail(h.error.code, h.error.message.replace(/ \(at byte \d+\)$/, ''), this.consumed);
      const len = h.value.length;
      if (len > this.maxLength) {
        return this.fail('too-long', `message length ${len} exceeds the cap of ${this.maxLength} bytes`, this.consumed);
      }
      if (n - pos < len) break;
      this.consumed += len;
      onFrame(new Uint8Array(chunk.buffer, chunk.byteOffset + pos, len)); // plain view: one element kind downstream
      pos += len;
    }
    // Keep the tail.
    if (pos < n) {
      const rest = n - pos;
      if (rest >= HEADER_LENGTH) {
        this.partial.set(chunk.subarray(pos, pos + HEADER_LENGTH), 0);
        this.partialLen = HEADER_LENGTH;
        const err = this.startBody();
        if (err) return err;
        this.partial.set(chunk.subarray(pos + HEADER_LENGTH, n), HEADER_LENGTH);
        this.partialLen = rest;
      } else {
        this.partial.set(chunk.subarray(pos, n), 0);
        this.partialLen = rest;
      }
    }
    return undefined;
  }

  /** Forget everything (after the connection was replaced). */
  reset(): void {
    this.partial = new Uint8Array(HEADER_LENGTH);
    this.partialLen = 0;
    this.consumed = 0;
    this.broken = undefined;
  }

  /** The header is complete in `partial`: validate it and grow `partial` to the whole message. */
  private startBody(): LlrpError | undefined {
    const h = readHeader(this.partial, 0);
    if (!h.ok) return this.fail(h.error.code, h.error.message.replace(/ \(at byte \d+\)$/, ''), this.consumed);
    const len = h.value.length;
    if (len > this.maxLength) {
      return this.fail('too-long', `message length ${len} exceeds the cap of ${this.maxLength} bytes`, this.consumed);
    }
    const whole = new Uint8Array(len);
    whole.set(this.partial.subarray(0, HEADER_LENGTH));
    this.partial = whole;
    return undefined;
  }

  private fail(code: LlrpError['code'], message: string, offset: number): LlrpError {
    this.broken = new LlrpError(code, `LLRP stream: ${message}`, offset);
    return this.broken;
  }
}

