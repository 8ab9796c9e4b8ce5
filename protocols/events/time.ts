// protocols/events — timestamps on the wire: ISO-8601 UTC with milliseconds.

/**
 * The last two conversions (a tiny least-recently-used cache): formatting costs ~1 µs, and the hub's apply path asks
 * for the same instant several times per event (a receipt's posted time, its door activity's recorded time, the
 * inbox row's) between the event's own times, which change from event to event.
 */
const recent: Array<{ ms: number; iso: string }> = [
  { ms: NaN, iso: '' },
  { ms: NaN, iso: '' },
];

/** ms since epoch → wire timestamp. */
export function isoTs(ms: number): string {
  const [a, b] = recent as [{ ms: number; iso: string }, { ms: number; iso: string }];
  if (a.ms === ms) return a.iso;
  if (b.ms === ms) {
    recent.reverse(); // b is now the most recently used
    return b.iso;
  }
  const iso = new Date(ms).toISOString(); // throws RangeError for a time that is not one, as before
  recent[1] = a;
  recent[0] = { ms, iso };
  return iso;
}

/** wire timestamp → ms since epoch (NaN if it is not one). */
export function tsMs(ts: string): number {
  return Date.parse(ts);
}
