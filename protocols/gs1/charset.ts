// protocols/gs1 — GS1 AI encodable character set 82 (GS1 General Specifications Figure 7.11-1; TDS Table A-1).

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
