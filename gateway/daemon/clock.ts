// gateway/daemon — reader clocks. Events carry the gateway's time (one clock for every reader and scanner at a site);
// each reader's own UTC clock is watched: a tag.pass keeps the reader's time (readerFirstSeen) when it differs by more
// than `keepReaderTimeMs`, and an offset beyond `offsetWarnMs` (seen in the field: 14 s) is logged and shown in status.
// Pure apart from the log: offsets come in from the reader clients' health, the caller decides when.
import type { EventDraft } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';

export interface ClockOptions {
  offsetWarnMs: number;
  keepReaderTimeMs: number;
}

export class ReaderClocks {
  private readonly offsets = new Map<string, number>();
  private readonly large = new Set<string>();

  constructor(
    private opts: ClockOptions,
    private readonly log: Logger,
    /** Called when a reader's offset crosses the warning threshold either way (the status should be republished). */
    private readonly onChange: () => void = () => {},
  ) {
    if (!(opts.offsetWarnMs > 0) || !(opts.keepReaderTimeMs >= 0)) throw new RangeError(`clock: offsetWarnMs must be > 0 and keepReaderTimeMs >= 0, got ${JSON.stringify(opts)}`);
  }

  setOptions(opts: ClockOptions): void {
    this.opts = opts;
  }

  /** A reader's clock offset (reader UTC minus gateway, ms) as its client last measured it; undefined = not known. */
  observe(reader: string, offsetMs: number | undefined): void {
    if (offsetMs === undefined || !Number.isFinite(offsetMs)) return;
    this.offsets.set(reader, offsetMs);
    const warn = this.opts.offsetWarnMs;
    const abs = Math.abs(offsetMs);
    if (abs > warn && !this.large.has(reader)) {
      this.large.add(reader);
      this.log.warn(
        { reader, clockOffsetMs: Math.round(offsetMs), thresholdMs: warn },
        `reader ${reader}'s clock is ${(abs / 1000).toFixed(1)} s ${offsetMs > 0 ? 'ahead of' : 'behind'} the gateway's: events carry the gateway's time, tag.pass keeps the reader's as readerFirstSeen; check the reader's NTP`,
      );
      this.onChange();
    } else if (abs <= warn / 2 && this.large.has(reader)) {
      // Half the threshold to clear, so an offset hovering at the threshold does not flap.
      this.large.delete(reader);
      this.log.info({ reader, clockOffsetMs: Math.round(offsetMs), thresholdMs: warn }, `reader ${reader}'s clock is back within ${warn} ms of the gateway's`);
      this.onChange();
    }
  }

  offsetOf(reader: string): number | undefined {
    return this.offsets.get(reader);
  }

  /** The offset furthest from zero over all readers, ms (status `clockOffsetMs`); undefined before any is known. */
  largest(): number | undefined {
    let out: number | undefined;
    for (const o of this.offsets.values()) if (out === undefined || Math.abs(o) > Math.abs(out)) out = o;
    return out;
  }

  /** Readers whose offset is beyond the warning threshold now. */
  offReaders(): string[] {
    return [...this.large];
  }

  /** Drop readerFirstSeen from a tag.pass when it is within `keepReaderTimeMs` of firstSeen (it says nothing then). */
  stamp(draft: EventDraft): EventDraft {
    if (draft.kind !== 'tag.pass' || draft.readerFirstSeen === undefined) return draft;
    const diff = Date.parse(draft.readerFirstSeen) - Date.parse(draft.firstSeen);
    if (Math.abs(diff) <= this.opts.keepReaderTimeMs) delete draft.readerFirstSeen;
    return draft;
  }
}
