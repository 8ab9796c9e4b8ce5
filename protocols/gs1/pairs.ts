// protocols/gs1 — AI pair rules of the GS1 General Specifications (§4.13), as the Syntax Dictionary states them:
// invalid pairs ("ex") and mandatory associations ("req"). Pure: a list of AIs in, the first broken rule out.
import type { AiDef } from './ais.js';
import { aiMatches } from './syntax-dictionary/parse.js';

const list = (xs: string[], last: string) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} ${last} ${xs[xs.length - 1]}`);
const group = (g: string[]) => g.map((p) => `(${p})`).join(' with ');

/** Why `defs` (the AIs of one code, each once) break an invalid-pair rule, or undefined. */
export function invalidPairProblem(defs: readonly AiDef[]): string | undefined {
  for (const d of defs) {
    for (const pattern of d.ex) {
      const other = defs.find((o) => o.ai !== d.ai && aiMatches(pattern, o.ai));
      if (other) return `AIs (${d.ai}) ${d.title} and (${other.ai}) ${other.title} must not appear together (GS1 invalid pair)`;
    }
  }
  return undefined;
}

/** Why `defs` miss a mandatory association (an AI that needs another with it), or undefined. */
export function missingRequisiteProblem(defs: readonly AiDef[]): string | undefined {
  const present = (pattern: string) => defs.some((o) => aiMatches(pattern, o.ai));
  for (const d of defs) {
    for (const rule of d.req) {
      if (rule.some((alternative) => alternative.every(present))) continue;
      return `AI (${d.ai}) ${d.title} needs ${list(rule.map(group), 'or')} in the same code (GS1 mandatory association)`;
    }
  }
  return undefined;
}
