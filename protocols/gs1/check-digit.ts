// protocols/gs1 — the GS1 mod-10 check digit (GTIN-8/12/13/14, SSCC, GLN, GSIN, GRAI): pure arithmetic.

/**
 * The check digit for `body` (the digits without their check digit), per GS1 General Specifications 7.9.1:
 * weights 3,1,3,1… from the rightmost digit of the body. `body` must be all ASCII digits (asserted).
 */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  let weight = 3;
  for (let i = body.length - 1; i >= 0; i--) {
    const d = body.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new Error(`gs1CheckDigit: non-digit ${JSON.stringify(body[i])} in ${JSON.stringify(body)}`);
    sum += d * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** `body` followed by its check digit. */
export function withCheckDigit(body: string): string {
  return body + String(gs1CheckDigit(body));
}

/** Why `digits` (body + check digit) fails its check, or undefined when it is right. `what` names it in the reason. */
export function checkDigitProblem(digits: string, what: string): string | undefined {
  if (!/^\d{2,}$/.test(digits)) return `${what} ${JSON.stringify(digits)} is not all digits`;
  const expected = gs1CheckDigit(digits.slice(0, -1));
  const got = digits.charCodeAt(digits.length - 1) - 48;
  return got === expected ? undefined : `${what} ${digits} has check digit ${got}, expected ${expected}`;
}
