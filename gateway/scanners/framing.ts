// gateway/scanners — serial byte stream → scanned codes: line endings, prefix/suffix, inter-byte timeout, garbage
// detection. Pure; the driver calls flush() when its inter-byte timer fires.

export interface FramingOptions {
  /**
   * The bytes that end a code. Default: CR or LF (so CR, LF and CRLF scanners all work; empty lines are skipped).
   * Set e.g. '\x03' (ETX) for STX/ETX framing, or '' for timeout-only framing.
   */
  suffix?: string;
  /** Bytes a scanner puts before every code (e.g. '\x02' STX), stripped when present. */
  prefix?: string;
  /** End a code when no byte came for this long (scanners without line ending). Used by the driver. */
  interByteTimeoutMs?: number;
  /** Longest code kept; longer input is dropped. Default 4096. */
  maxLength?: number;
}

export interface FramerOutput {
  codes: string[];
  problems: string[];
}

/** Characters a real scan contains: printable ASCII plus GS/RS/EOT (GS1 FNC1 and ISO/IEC 15434 envelopes). */
function plausible(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 || c > 0x7e) && c !== 0x1d && c !== 0x1e && c !== 0x04) return false;
  }
  return true;
}

function hexPreview(s: string): string {
  let h = '';
  for (let i = 0; i < Math.min(s.length, 16); i++) h += s.charCodeAt(i).toString(16).padStart(2, '0');
  return h + (s.length > 16 ? '…' : '');
}

export class SerialFramer {
  private buf = '';
  private overlong = false;
  private readonly suffix: string | undefined;
  private readonly prefix: string;
  private readonly maxLength: number;
  /** Totals since creation: what health() reports. */
  readonly counts = { codes: 0, garbage: 0, overlong: 0 };

  constructor(options: FramingOptions = {}) {
    this.suffix = options.suffix;
    this.prefix = options.prefix ?? '';
    this.maxLength = options.maxLength ?? 4096;
    if (this.suffix === '' && !options.interByteTimeoutMs) throw new Error('serial framing: with no suffix, interByteTimeoutMs is required');
  }

  /** Bytes as latin1 text (one char per byte, nothing lost). */
  push(chunk: Uint8Array | string): FramerOutput {
    const out: FramerOutput = { codes: [], problems: [] };
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    if (this.suffix === undefined) {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') this.end(out);
        else this.add(ch, out);
      }
    } else if (this.suffix === '') {
      for (const ch of text) this.add(ch, out);
    } else {
      this.buf += text;
      let i: number;
      while ((i = this.buf.indexOf(this.suffix)) >= 0) {
        const frame = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + this.suffix.length);
        this.emit(frame, out);
      }
      if (this.buf.length > this.maxLength + this.suffix.length) {
        this.buf = '';
        this.overlong = true;
      }
    }
    return out;
  }

  /** The inter-byte timeout expired: whatever is buffered is a code. */
  flush(): FramerOutput {
    const out: FramerOutput = { codes: [], problems: [] };
    this.end(out);
    return out;
  }

  /** Forgets a partial code (the port closed mid-line: a torn code is not trusted). Returns the bytes dropped. */
  discard(): number {
    const n = this.buf.length;
    this.buf = '';
    this.overlong = false;
    return n;
  }

  get pending(): number {
    return this.buf.length;
  }

  private add(ch: string, _out: FramerOutput): void {
    if (this.overlong) return;
    if (this.buf.length >= this.maxLength) {
      this.overlong = true;
      this.buf = '';
      return;
    }
    this.buf += ch;
  }

  private end(out: FramerOutput): void {
    const frame = this.buf;
    this.buf = '';
    this.emit(frame, out);
  }

  private emit(frame: string, out: FramerOutput): void {
    if (this.overlong) {
      this.overlong = false;
      this.counts.overlong++;
      out.problems.push(`code longer than ${this.maxLength} bytes without a line ending dropped`);
      return;
    }
    let f = frame;
    if (this.prefix && f.startsWith(this.prefix)) f = f.slice(this.prefix.length);
    if (f.length === 0) return;
    if (f.length > this.maxLength) {
      this.counts.overlong++;
      out.problems.push(`code of ${f.length} bytes, longer than ${this.maxLength}, dropped`);
      return;
    }
    if (!plausible(f)) {
      this.counts.garbage++;
      out.problems.push(`garbage (${f.length} bytes, hex ${hexPreview(f)}): wrong baud rate or line noise?`);
      return;
    }
    this.counts.codes++;
    out.codes.push(f);
  }
}
