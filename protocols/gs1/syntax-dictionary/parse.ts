// protocols/gs1/syntax-dictionary — parses entry lines of the GS1 Barcode Syntax Dictionary into AI definitions:
// "AIs [Flags] Specification [Attributes...] [# Title]" (format described in the dictionary's own header).

/** One component of an AI's data field, e.g. "N13,csum,gcppos1" or "[X..17]". */
export interface AiComponent {
  /** N numeric, X character set 82, Y character set 39, Z base64url (character set 64). */
  cset: 'N' | 'X' | 'Y' | 'Z';
  min: number;
  max: number;
  optional: boolean;
  /** Names of the GS1 Syntax Test ("linter") procedures that check this component. */
  linters: string[];
}

export interface AiSyntax {
  ai: string;
  title: string;
  /** Flag "*": pre-defined length, no FNC1 separator needed after it. */
  predefinedLength: boolean;
  /** Flag "?": may be a GS1 Digital Link data attribute (query parameter). */
  dlDataAttribute: boolean;
  components: AiComponent[];
  /** Each entry is one "req=" rule: at least one of its alternatives (AIs or patterns joined by "+") must be present. */
  req: string[][][];
  /** AIs or patterns ("310n", "31nn") this AI must not appear with. */
  ex: string[];
  /** When set, the AI is a Digital Link primary key; each inner list is one allowed ordered qualifier sequence. */
  dlPrimaryKey?: string[][];
}

const COMPONENT = /^(\[)?([NXYZ])(?:(\d+)|\.\.(\d+))(\])?((?:,[a-z0-9]+)*)$/;
const FLAGS = /^[*!?"$%&'()+,\-./:;<=>@[\\\]^_`{|}~]+$/;

function component(tok: string, where: string): AiComponent {
  const m = COMPONENT.exec(tok);
  if (!m) throw new Error(`${where}: bad component ${JSON.stringify(tok)}`);
  const [, open, cset, fixed, upTo, close, lint] = m;
  if (Boolean(open) !== Boolean(close)) throw new Error(`${where}: unbalanced [] in ${JSON.stringify(tok)}`);
  return {
    cset: cset as AiComponent['cset'],
    min: fixed ? Number(fixed) : 1,
    max: Number(fixed ?? upTo),
    optional: Boolean(open),
    linters: lint ? lint.slice(1).split(',') : [],
  };
}

function aiRange(tok: string, where: string): string[] {
  const m = /^(\d{2,4})(?:-(\d{2,4}))?$/.exec(tok);
  if (!m) throw new Error(`${where}: bad AI ${JSON.stringify(tok)}`);
  const [, from, to] = m;
  if (!to) return [from!];
  if (to.length !== from!.length || Number(to) < Number(from)) throw new Error(`${where}: bad AI range ${tok}`);
  const out: string[] = [];
  for (let n = Number(from); n <= Number(to); n++) out.push(String(n).padStart(from!.length, '0'));
  return out;
}

/** One entry line → one definition per AI it covers. Throws naming the line on anything it cannot read. */
export function parseEntry(line: string, lineNo = 0): AiSyntax[] {
  const where = `gs1 syntax dictionary entry ${lineNo}`;
  const hash = line.indexOf('#');
  const title = hash >= 0 ? line.slice(hash + 1).trim() : '';
  const toks = (hash >= 0 ? line.slice(0, hash) : line).trim().split(/\s+/);
  const ais = aiRange(toks.shift() ?? '', where);
  const flags = toks[0] !== undefined && FLAGS.test(toks[0]) ? toks.shift()! : '';
  const components: AiComponent[] = [];
  while (toks.length > 0 && COMPONENT.test(toks[0]!)) components.push(component(toks.shift()!, where));
  if (components.length === 0) throw new Error(`${where}: no specification`);
  const req: string[][][] = [];
  const ex: string[] = [];
  let dlPrimaryKey: string[][] | undefined;
  for (const t of toks) {
    const [key, value] = t.split('=', 2) as [string, string | undefined];
    if (key === 'req' && value) req.push(value.split(',').map((alt) => alt.split('+')));
    else if (key === 'ex' && value) ex.push(...value.split(','));
    else if (key === 'dlpkey') dlPrimaryKey = value ? value.split('|').map((seq) => seq.split(',')) : [[]];
    else throw new Error(`${where}: unknown attribute ${JSON.stringify(t)}`);
  }
  return ais.map((ai) => ({
    ai,
    title: title || `AI ${ai}`,
    predefinedLength: flags.includes('*'),
    dlDataAttribute: flags.includes('?'),
    components,
    req,
    ex,
    ...(dlPrimaryKey ? { dlPrimaryKey } : {}),
  }));
}

export function parseDictionary(lines: readonly string[]): AiSyntax[] {
  return lines.flatMap((l, i) => parseEntry(l, i + 1));
}

/** Whether `ai` matches a pattern of the dictionary's pair rules: digits, or "n" for any digit ("310n", "31nn"). */
export function aiMatches(pattern: string, ai: string): boolean {
  if (pattern.length !== ai.length) return false;
  for (let i = 0; i < ai.length; i++) if (pattern[i] !== 'n' && pattern[i] !== ai[i]) return false;
  return true;
}
