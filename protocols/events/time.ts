// protocols/events — timestamps on the wire: ISO-8601 UTC with milliseconds.

/** ms since epoch → wire timestamp. */
export function isoTs(ms: number): string {
  return new Date(ms).toISOString();
}

/** wire timestamp → ms since epoch (NaN if it is not one). */
export function tsMs(ts: string): number {
  return Date.parse(ts);
}
