// protocols/epc — the characters of EPC string fields (GS1 character set 82) and their URI escaping (TDS Table A-1).

export { isCset82, firstBadChar } from '../gs1/charset.js';

/** Characters that the EPC URI forms escape as %XX (TDS Table A-1). */
const ESCAPE: Record<string, string> = { '"': '%22', '%': '%25', '&': '%26', '/': '%2F', '<': '%3C', '>': '%3E', '?': '%3F' };
const NEEDS_ESCAPE = /["%&/<>?]/;
const NEEDS_ESCAPE_ALL = /["%&/<>?]/g;

export function uriEscape(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(NEEDS_ESCAPE_ALL, (c) => ESCAPE[c]!) : s;
}

/** Undo uriEscape; undefined when a % escape is malformed. Any %XX is accepted (the TDS allows escaping more). */
export function uriUnescape(s: string): string | undefined {
  if (!s.includes('%')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      out += s[i];
      continue;
    }
    const hh = s.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hh)) return undefined;
    out += String.fromCharCode(parseInt(hh, 16));
    i += 2;
  }
  return out;
}
