// protocols/epc — the TDS 7-bit string encoding (GS1 AI encodable character set 82, TDS Table A-1) and its URI escaping.

/** Character codes allowed in GS1 alphanumeric keys and in the EPC string fields. */
const ALLOWED = new Uint8Array(128);
for (const c of '!"%&\'()*+,-./:;<=>?_') ALLOWED[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) ALLOWED[c] = 1;
for (let c = 65; c <= 90; c++) ALLOWED[c] = 1;
for (let c = 97; c <= 122; c++) ALLOWED[c] = 1;

/** Whether character code `c` is in GS1 character set 82. */
export function isCset82(c: number): boolean {
  return c < 128 && ALLOWED[c] === 1;
}

/** The first character of `s` outside character set 82, or undefined. */
export function firstBadChar(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) if (!isCset82(s.charCodeAt(i))) return s[i];
  return undefined;
}

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
