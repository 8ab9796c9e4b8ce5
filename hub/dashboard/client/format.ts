// hub/dashboard/client — figures as people read them, in the browser's language: money in the site's currency (the hub
// keeps money in its minor units, cents for EUR, yen for JPY: Intl knows how many decimals each currency has), units as
// whole numbers, ratios as percent.

/** Decimals of the currency's minor unit (2 for EUR, 0 for JPY). */
export const currencyDigits = (currency: string): number => new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

export function moneyFormat(currency: string): (minor: number) => string {
  const f = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  const scale = 10 ** currencyDigits(currency);
  return (minor) => f.format(minor / scale);
}

const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export const count = (n: number): string => whole.format(n);
/** "1 SKU", "3 SKUs". */
export const many = (n: number, word: string): string => `${whole.format(n)} ${n === 1 ? word : `${word}s`}`;
export const units = (n: number): string => many(n, 'unit');
export const num = (n: number): string => decimal.format(n);
/** A ratio as percent; null (nothing to divide by) as a dash. */
export const pct = (r: number | null): string => (r === null ? '–' : percent.format(r));
