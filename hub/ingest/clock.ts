// hub/ingest — times nobody can believe. A gateway that boots without its clock (a Pi with no RTC: 1970) or with a
// wrong one (2099) stamps events the ledger must not book as-is. An event whose ts lies outside the window around the
// hub's receive time is booked at the receive time; the gateway's time is kept as evidence (clock_exceptions) and
// the status verdict names the gateway. Pure: the receive time is a parameter.
import { isoTs, type EventBatch } from '../../protocols/events/index.js';

export interface ClockCorrection {
  eventId: string;
  stream: string;
  seq: number;
  gatewayTs: string;
  bookedTs: string;
}

/** Event fields that carry the gateway's clock besides ts. */
const TIME_FIELDS = ['firstSeen', 'lastSeen'] as const;

/** The batch with every implausible ts replaced by the receive time, and what was replaced. */
export function believableTimes(batch: EventBatch, receivedAtMs: number, windowMs: number): { batch: EventBatch; corrected: ClockCorrection[] } {
  const corrected: ClockCorrection[] = [];
  const bookedTs = isoTs(receivedAtMs);
  const events = batch.events.map((e) => {
    const t = Date.parse(e.ts);
    if (Number.isFinite(t) && Math.abs(t - receivedAtMs) <= windowMs) return e;
    corrected.push({ eventId: e.id, stream: e.stream, seq: e.seq, gatewayTs: e.ts, bookedTs });
    // A pass's firstSeen/lastSeen come from the same wrong clock: moved by the same offset, their spacing kept.
    const shift = (v: unknown) => (typeof v === 'string' && Number.isFinite(t) && Number.isFinite(Date.parse(v)) ? isoTs(Date.parse(v) - t + receivedAtMs) : bookedTs);
    const out: Record<string, unknown> = { ...e, ts: bookedTs };
    for (const key of TIME_FIELDS) if (key in out) out[key] = shift(out[key]);
    return out as typeof e;
  });
  return corrected.length === 0 ? { batch, corrected } : { batch: { ...batch, events }, corrected };
}
