// protocols/hid — keyboard-wedge scanners: boot keyboard reports (modifier byte, reserved, 6 usage ids) → scanned codes.
import { LAYOUTS, type LayoutName } from './layouts.js';

const ENTER = 0x28;
const KP_ENTER = 0x58;
const ERROR_ROLLOVER = 0x01;
const MOD_CTRL = 0x01 | 0x10;
const MOD_SHIFT = 0x02 | 0x20;
const MOD_LALT = 0x04;
const MOD_ALTGR = 0x40;
const KEYPAD_DIGIT: Record<number, number> = { 0x59: 1, 0x5a: 2, 0x5b: 3, 0x5c: 4, 0x5d: 5, 0x5e: 6, 0x5f: 7, 0x60: 8, 0x61: 9, 0x62: 0 };
/** Ctrl + key → control character, by key position (scanners send FNC1/GS as Ctrl+]). */
const CTRL: Record<number, string> = { 0x2f: '\x1b', 0x31: '\x1c', 0x32: '\x1c', 0x30: '\x1d', 0x23: '\x1e', 0x2d: '\x1f' };

export interface KeyboardDecoderOptions {
  layout?: LayoutName;
  /** Reports start with a report id byte (numbered reports): 9 bytes instead of 8. Default: auto (length 9 → id). */
  reportId?: boolean;
  /** Longest code kept without an Enter; longer input is dropped with a reason. Default 4096. */
  maxLength?: number;
}

export interface KeyboardOutput {
  codes: string[];
  /** Problems met in this report (unknown usage, bad length, overlong code): logged and counted by the driver. */
  problems: string[];
}

/**
 * Stateful: a key counts when it appears in a report without being in the previous one (press), so a scanner that
 * sends press/release pairs and one that rolls keys over both decode. Enter (main or keypad) ends a code.
 * Alt held + keypad digits types the character with that decimal code (Alt+029 = GS, how many scanners send FNC1).
 */
export class KeyboardDecoder {
  private readonly layout;
  private readonly maxLength: number;
  private readonly reportId?: boolean;
  private prev = new Set<number>();
  private buf = '';
  private altCode = '';
  private overlong = false;

  constructor(options: KeyboardDecoderOptions = {}) {
    const layout = LAYOUTS[options.layout ?? 'us'];
    if (!layout) throw new Error(`keyboard layout ${JSON.stringify(options.layout)} is not one of ${Object.keys(LAYOUTS).join(', ')}`);
    this.layout = layout;
    this.maxLength = options.maxLength ?? 4096;
    this.reportId = options.reportId;
  }

  /** Characters typed since the last Enter (a code in progress). */
  get pending(): string {
    return this.buf;
  }

  /** Drops a code in progress (device closed, idle timeout). */
  reset(): void {
    this.buf = '';
    this.altCode = '';
    this.prev.clear();
    this.overlong = false;
  }

  push(report: Uint8Array): KeyboardOutput {
    const out: KeyboardOutput = { codes: [], problems: [] };
    const withId = this.reportId ?? report.length === 9;
    const r = withId ? report.subarray(1) : report;
    if (r.length < 3 || r.length > 8) {
      out.problems.push(`keyboard report of ${report.length} bytes, expected 8 (or 9 with a report id)`);
      return out;
    }
    const mods = r[0]!;
    const now = new Set<number>();
    for (let i = 2; i < r.length; i++) if (r[i]! !== 0) now.add(r[i]!);
    if (now.has(ERROR_ROLLOVER)) return out; // phantom state: ignore, keep previous keys

    // Alt released with a keypad code pending → that character
    if (!(mods & MOD_LALT) && this.altCode) {
      this.type(String.fromCharCode(Number(this.altCode) & 0xff), out);
      this.altCode = '';
    }
    for (const u of now) {
      if (this.prev.has(u)) continue;
      this.press(u, mods, out);
    }
    this.prev = now;
    return out;
  }

  private press(u: number, mods: number, out: KeyboardOutput): void {
    if (u === ENTER || u === KP_ENTER) {
      if (this.overlong) out.problems.push(`code longer than ${this.maxLength} characters without Enter dropped`);
      else if (this.buf.length > 0) out.codes.push(this.buf);
      this.buf = '';
      this.overlong = false;
      return;
    }
    if (mods & MOD_LALT && !(mods & MOD_CTRL) && KEYPAD_DIGIT[u] !== undefined) {
      this.altCode += String(KEYPAD_DIGIT[u]);
      return;
    }
    if (mods & MOD_CTRL && !(mods & MOD_LALT)) {
      if (u >= 0x04 && u <= 0x1d) return this.type(String.fromCharCode(u - 0x03), out); // Ctrl+A..Z → 0x01..0x1A
      const c = CTRL[u];
      if (c) return this.type(c, out);
    }
    if (mods & MOD_ALTGR || (mods & MOD_CTRL && mods & MOD_LALT)) {
      const c = this.layout.altGr.get(u);
      if (c !== undefined) return this.type(c, out);
      out.problems.push(`usage 0x${u.toString(16)} with AltGr has no character in this layout`);
      return;
    }
    const k = this.layout.keys.get(u);
    if (!k) {
      out.problems.push(`usage 0x${u.toString(16)} has no character in this layout`);
      return;
    }
    this.type(k[mods & MOD_SHIFT ? 1 : 0], out);
  }

  private type(c: string, _out: KeyboardOutput): void {
    if (this.overlong) return;
    if (this.buf.length >= this.maxLength) {
      this.overlong = true;
      this.buf = '';
      return;
    }
    this.buf += c;
  }
}

/** The boot keyboard reports (press, release) that type `text` + Enter on a layout: for tests and simulators. */
export function keyboardReports(text: string, layout: LayoutName = 'us'): Uint8Array[] {
  const l = LAYOUTS[layout];
  const reverse = new Map<string, [number, number]>();
  for (const [u, [a, b]] of l.keys) {
    if (!reverse.has(a)) reverse.set(a, [u, 0]);
    if (!reverse.has(b)) reverse.set(b, [u, 0x02]);
  }
  for (const [u, c] of l.altGr) if (!reverse.has(c)) reverse.set(c, [u, MOD_ALTGR]);
  for (const [u, c] of Object.entries(CTRL)) if (!reverse.has(c)) reverse.set(c, [Number(u), 0x01]);
  const reports: Uint8Array[] = [];
  const release = new Uint8Array(8);
  for (const ch of text + '\n') {
    const key = ch === '\n' ? ([ENTER, 0] as [number, number]) : reverse.get(ch);
    if (!key) throw new Error(`keyboardReports: ${JSON.stringify(ch)} cannot be typed on layout ${layout}`);
    reports.push(Uint8Array.from([key[1], 0, key[0], 0, 0, 0, 0, 0]), release);
  }
  return reports;
}
