// protocols/gs1 — the GS1 Syntax Tests ("linters") the Syntax Dictionary names per component: content checks beyond
// length and character set. Each returns why the value fails, or undefined. Pure; `nowMs` anchors two-digit years.
import { checkDigitProblem } from './check-digit.js';
import { gs1Date } from './dates.js';

type Linter = (value: string, what: string, nowMs: number) => string | undefined;

const inRange = (v: string, lo: number, hi: number) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;
const two = (v: string, i: number) => Number(v.slice(i, i + 2));

function fullDate(yyyymmdd: string, zeroDay: boolean): string | undefined {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = two(yyyymmdd, 4);
  const d = two(yyyymmdd, 6);
  if (m < 1 || m > 12) return `date ${yyyymmdd} has month ${m}`;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if ((d === 0 && !zeroDay) || d > last) return `date ${yyyymmdd} has day ${d}`;
  return undefined;
}

const LINTERS: Record<string, Linter> = {
  csum: (v, what) => checkDigitProblem(v, what),
  yymmd0: (v, what, now) => {
    const d = gs1Date(v, now);
    return 'reason' in d ? `${what}: ${d.reason}` : undefined;
  },
  yymmdd: (v, what, now) => {
    if (v.endsWith('00')) return `${what}: date ${v} has day 00, not allowed here`;
    const d = gs1Date(v, now);
    return 'reason' in d ? `${what}: ${d.reason}` : undefined;
  },
  yyyymmdd: (v, what) => {
    const p = fullDate(v, false);
    return p && `${what}: ${p}`;
  },
  yyyymmd0: (v, what) => {
    const p = fullDate(v, true);
    return p && `${what}: ${p}`;
  },
  hhmi: (v, what) => (two(v, 0) <= 23 && two(v, 2) <= 59 ? undefined : `${what}: time ${v} is not HHMI`),
  hh: (v, what) => (inRange(v, 0, 23) ? undefined : `${what}: hour ${v} is not 00-23`),
  mi: (v, what) => (inRange(v, 0, 59) ? undefined : `${what}: minute ${v} is not 00-59`),
  ss: (v, what) => (inRange(v, 0, 59) ? undefined : `${what}: second ${v} is not 00-59`),
  zero: (v, what) => (v === '0' ? undefined : `${what}: must be 0, got ${v}`),
  nonzero: (v, what) => (/^0+$/.test(v) ? `${what}: must not be zero` : undefined),
  yesno: (v, what) => (v === '0' || v === '1' ? undefined : `${what}: must be 0 or 1, got ${v}`),
  hyphen: (v, what) => (v === '-' ? undefined : `${what}: must be "-", got ${JSON.stringify(v)}`),
  winding: (v, what) => (['0', '1', '9'].includes(v) ? undefined : `${what}: winding direction must be 0, 1 or 9, got ${v}`),
  iso5218: (v, what) => (['0', '1', '2', '9'].includes(v) ? undefined : `${what}: ISO/IEC 5218 sex code must be 0, 1, 2 or 9, got ${v}`),
  latitude: (v, what) => (Number(v) <= 1800000000 ? undefined : `${what}: latitude ${v} is out of range`),
  longitude: (v, what) => (Number(v) <= 3600000000 ? undefined : `${what}: longitude ${v} is out of range`),
  nozeroprefix: (v, what) => (v.length > 1 && v.startsWith('0') ? `${what}: must not start with 0` : undefined),
  hasnondigit: (v, what) => (/^\d*$/.test(v) ? `${what}: must contain a non-digit` : undefined),
  pieceoftotal: (v, what) => {
    const piece = two(v, 0);
    const total = two(v, 2);
    return piece >= 1 && piece <= total ? undefined : `${what}: piece ${piece} of total ${total} is impossible`;
  },
  pcenc: (v, what) => (/%(?![0-9A-Fa-f]{2})/.test(v) ? `${what}: bad percent-encoding in ${JSON.stringify(v)}` : undefined),
};

/**
 * Linters the dictionary names that this parser does not apply (code lists it does not carry: ISO 3166/4217, IBAN,
 * GS1 Company Prefix positions, coupon codes, media/package types). A dictionary release that names a linter in
 * neither list fails the syntax dictionary test, so a new check is never silently ignored by accident.
 */
export const LINTERS_NOT_APPLIED: ReadonlySet<string> = new Set([
  'gcppos1', 'gcppos2', 'iso3166', 'iso3166999', 'iso3166alpha2', 'iso4217', 'iban', 'csumalpha', 'mediatype',
  'importeridx', 'packagetype', 'couponcode', 'couponposoffer', 'posinseqslash',
]);

export const LINTERS_APPLIED: ReadonlySet<string> = new Set(Object.keys(LINTERS));

/** Runs linter `name` over `value`; linters in LINTERS_NOT_APPLIED pass. */
export function lint(name: string, value: string, what: string, nowMs: number): string | undefined {
  return LINTERS[name]?.(value, what, nowMs);
}
