// protocols/gs1 — the GS1 application identifiers a dock reads (GS1 General Specifications §3), as a lookup table.

export type AiKind = 'text' | 'number' | 'date' | 'measure' | 'count' | 'key';

export interface AiDef {
  ai: string;
  title: string;
  /** Exact data length, or undefined for variable length (then max applies, min 1). */
  fixed?: number;
  max: number;
  /** Digits only (N) rather than character set 82 (X). */
  numeric: boolean;
  /** The last digit is a GS1 mod-10 check digit over the first `checkLength` digits (+1). */
  checkLength?: number;
  kind: AiKind;
  /** For measures: the unit, e.g. KGM. */
  unit?: string;
}

const table: AiDef[] = [];
const add = (ai: string, title: string, spec: Omit<AiDef, 'ai' | 'title'>) => table.push({ ai, title, ...spec });
const fixedN = (n: number, kind: AiKind = 'number', checkLength?: number) => ({ fixed: n, max: n, numeric: true, kind, checkLength });
const varX = (max: number) => ({ max, numeric: false, kind: 'text' as const });
const varN = (max: number, kind: AiKind = 'number') => ({ max, numeric: true, kind });

add('00', 'SSCC', fixedN(18, 'key', 18));
add('01', 'GTIN', fixedN(14, 'key', 14));
add('02', 'CONTENT', fixedN(14, 'key', 14));
add('10', 'BATCH/LOT', varX(20));
add('11', 'PROD DATE', fixedN(6, 'date'));
add('12', 'DUE DATE', fixedN(6, 'date'));
add('13', 'PACK DATE', fixedN(6, 'date'));
add('15', 'BEST BEFORE or BEST BY', fixedN(6, 'date'));
add('16', 'SELL BY', fixedN(6, 'date'));
add('17', 'USE BY or EXPIRY', fixedN(6, 'date'));
add('20', 'VARIANT', fixedN(2));
add('21', 'SERIAL', varX(20));
add('22', 'CPV', varX(20));
add('235', 'TPX', varX(28));
add('240', 'ADDITIONAL ID', varX(30));
add('241', 'CUST. PART No.', varX(30));
add('250', 'SECONDARY SERIAL', varX(30));
add('251', 'REF. TO SOURCE', varX(30));
add('254', 'GLN EXTENSION COMPONENT', varX(20));
add('30', 'VAR. COUNT', varN(8, 'count'));
add('37', 'COUNT', varN(8, 'count'));
add('400', 'ORDER NUMBER', varX(30));
add('401', 'GINC', varX(30));
add('402', 'GSIN', fixedN(17, 'key', 17));
add('403', 'ROUTE', varX(30));
add('410', 'SHIP TO LOC', fixedN(13, 'key', 13));
add('411', 'BILL TO', fixedN(13, 'key', 13));
add('412', 'PURCHASE FROM', fixedN(13, 'key', 13));
add('413', 'SHIP FOR LOC', fixedN(13, 'key', 13));
add('414', 'LOC No.', fixedN(13, 'key', 13));
add('415', 'PAY TO', fixedN(13, 'key', 13));
add('416', 'PROD/SERV LOC', fixedN(13, 'key', 13));
add('420', 'SHIP TO POST', varX(20));
add('422', 'ORIGIN', fixedN(3));
add('7003', 'EXPIRY TIME', fixedN(10));
add('8003', 'GRAI', { max: 30, numeric: false, kind: 'key', checkLength: 14 });
add('8004', 'GIAI', varX(30));
add('8017', 'GSRNP', fixedN(18, 'key', 18));
add('8018', 'GSRN', fixedN(18, 'key', 18));
add('8020', 'REF No.', varX(25));
add('90', 'INTERNAL', varX(30));
for (let i = 91; i <= 99; i++) add(String(i), 'INTERNAL', varX(90));

/** Measures: AI ppp + d, six digits with d decimals (GS1 GenSpecs §3.6). */
const MEASURES: Array<[string, string, string]> = [
  ['310', 'NET WEIGHT (kg)', 'KGM'],
  ['311', 'LENGTH (m)', 'MTR'],
  ['312', 'WIDTH (m)', 'MTR'],
  ['313', 'HEIGHT (m)', 'MTR'],
  ['314', 'AREA (m²)', 'MTK'],
  ['315', 'NET VOLUME (l)', 'LTR'],
  ['316', 'NET VOLUME (m³)', 'MTQ'],
  ['320', 'NET WEIGHT (lb)', 'LBR'],
  ['330', 'GROSS WEIGHT (kg)', 'KGM'],
  ['331', 'LENGTH (m), log', 'MTR'],
  ['332', 'WIDTH (m), log', 'MTR'],
  ['333', 'HEIGHT (m), log', 'MTR'],
  ['334', 'AREA (m²), log', 'MTK'],
  ['335', 'VOLUME (l), log', 'LTR'],
  ['336', 'VOLUME (m³), log', 'MTQ'],
  ['340', 'GROSS WEIGHT (lb)', 'LBR'],
];
for (const [p, title, unit] of MEASURES) for (let d = 0; d <= 5; d++) add(p + d, title, { ...fixedN(6, 'measure'), unit });

export const AIS: ReadonlyMap<string, AiDef> = new Map(table.map((d) => [d.ai, d]));

// Invariant: the table is prefix-free (no AI is the start of another), so reading an AI is unambiguous.
for (const a of AIS.keys()) for (const b of AIS.keys()) if (a !== b && b.startsWith(a)) throw new Error(`gs1 AI table: ${a} is a prefix of ${b}`);

/** The AI at the start of `s` from `pos`, or undefined. */
export function aiAt(s: string, pos: number): AiDef | undefined {
  for (let len = 2; len <= 4; len++) {
    const d = AIS.get(s.substr(pos, len));
    if (d) return d;
  }
  return undefined;
}
