// protocols/gs1 — GS1 YYMMDD dates to ISO strings, with the GS1 century rule and DD=00 meaning the month's last day.

/**
 * The full year for a two-digit year, per GS1 General Specifications §7.12: relative to the current year, a difference
 * of 51…99 means the previous century, −99…−50 the next one, anything else this century.
 */
export function fullYear(yy: number, nowMs: number): number {
  const current = new Date(nowMs).getUTCFullYear();
  const century = Math.floor(current / 100) * 100;
  const diff = yy - (current % 100);
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** YYMMDD → YYYY-MM-DD, or a reason. */
export function gs1Date(yymmdd: string, nowMs: number): { iso: string } | { reason: string } {
  if (!/^\d{6}$/.test(yymmdd)) return { reason: `date ${JSON.stringify(yymmdd)} is not YYMMDD` };
  const yy = Number(yymmdd.slice(0, 2));
  const mm = Number(yymmdd.slice(2, 4));
  let dd = Number(yymmdd.slice(4, 6));
  if (mm < 1 || mm > 12) return { reason: `date ${yymmdd} has month ${mm}` };
  const year = fullYear(yy, nowMs);
  const last = daysInMonth(year, mm);
  if (dd === 0) dd = last;
  else if (dd > last) return { reason: `date ${yymmdd} has day ${dd}, ${year}-${String(mm).padStart(2, '0')} has ${last}` };
  return { iso: `${year}-${String(mm).padStart(2, '0')}-${String(dd).padStart(2, '0')}` };
}
