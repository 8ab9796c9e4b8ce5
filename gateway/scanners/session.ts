// gateway/scanners — a scanner session: the scanner's door/station pairing and its context codes; turns each scanned
// code into a `scan` event draft. Pure: the clock is injected.
import { isoTs, type EventDraft, type ScanContext } from '../../protocols/events/index.js';
import { createScanParser, type CodePattern, type ParsedScan, type ScanParser, type ScanParserOptions } from '../../protocols/gs1/index.js';

export type ScanDraft = Extract<EventDraft, { kind: 'scan' }>;

/** A scanned code as a driver reports it. */
export interface ScannedCode {
  raw: string;
  /** AIM identifier given apart from the data (HID POS). */
  symbology?: string;
  /** Gateway ms when the code ended. */
  ts: number;
}

/** Codes of pattern `codeType` set context `type` (default: the pattern name) to capture group `group` (default 1, else the whole code). */
export interface ContextRule {
  codeType: string;
  type?: string;
  group?: number;
  /** The context value is a door id: following scans carry it as their door. */
  setsDoor?: boolean;
  /** A code of this type clears all context instead of setting one. */
  clears?: boolean;
}

export interface ScannerSessionOptions {
  /** The scanner's config id. */
  scanner: string;
  /** The door or station the scanner is paired to. */
  door?: string;
  patterns?: readonly CodePattern[];
  context?: readonly ContextRule[];
  /** Context ends after this long without a scan. Default 5 minutes. */
  contextTimeoutMs?: number;
  /** GS1 mandatory AI associations: 'enforce' (default) or 'ignore'. */
  gs1Requisites?: ScanParserOptions['gs1Requisites'];
}

export interface ScanOutcome {
  draft: ScanDraft;
  /** Why the code was not accepted as what it claims to be (bad check digit, bad date…); the draft says codeType 'invalid'. */
  rejected?: string;
}

const ID = /^[a-z0-9-]{1,64}$/;
const MAX_CONTEXT = 8;
const MAX_RAW = 4096;

export class ScannerSession {
  private readonly parse: ScanParser;
  private readonly rules: Map<string, ContextRule>;
  private readonly timeoutMs: number;
  private contexts: ScanContext[] = [];
  private doorOverride: string | undefined;
  private lastScanAt = -Infinity;

  constructor(
    private readonly options: ScannerSessionOptions,
    private readonly clock: () => number,
  ) {
    if (!ID.test(options.scanner)) throw new Error(`scanner id ${JSON.stringify(options.scanner)} must match [a-z0-9-]+`);
    if (options.door !== undefined && !ID.test(options.door)) throw new Error(`scanner ${options.scanner}: door ${JSON.stringify(options.door)} must match [a-z0-9-]+`);
    this.parse = createScanParser({ patterns: options.patterns ?? [], ...(options.gs1Requisites ? { gs1Requisites: options.gs1Requisites } : {}) });
    const names = new Set((options.patterns ?? []).map((p) => p.name));
    this.rules = new Map();
    for (const r of options.context ?? []) {
      if (!names.has(r.codeType)) throw new Error(`scanner ${options.scanner}: context rule refers to pattern ${JSON.stringify(r.codeType)}, which is not configured`);
      this.rules.set(r.codeType, r);
    }
    this.timeoutMs = options.contextTimeoutMs ?? 300_000;
    if (!(this.timeoutMs > 0)) throw new Error(`scanner ${options.scanner}: contextTimeoutMs must be > 0`);
  }

  /** The context in force now (after expiry). */
  context(): ScanContext[] {
    this.expire(this.clock());
    return [...this.contexts];
  }

  /** The door scans currently refer to: a door label's, else the paired one. */
  door(): string | undefined {
    this.expire(this.clock());
    return this.doorOverride ?? this.options.door;
  }

  scan(code: ScannedCode): ScanOutcome {
    const now = this.clock();
    this.expire(now);
    this.lastScanAt = now;
    const raw = code.raw.length > MAX_RAW ? code.raw.slice(0, MAX_RAW) : code.raw;
    const parsed = this.parse(raw, now, code.symbology);
    let rejected = parsed.ok ? undefined : parsed.reason;
    if (code.raw.length > MAX_RAW) rejected = `code of ${code.raw.length} characters cut to ${MAX_RAW}`;

    const rule = parsed.ok ? this.rules.get(parsed.codeType) : undefined;
    if (rule) {
      const problem = this.apply(rule, parsed, code.ts);
      if (problem) rejected = problem;
    }
    return rejected ? { draft: this.draft(parsed, code), rejected } : { draft: this.draft(parsed, code) };
  }

  private apply(rule: ContextRule, parsed: ParsedScan, ts: number): string | undefined {
    if (rule.clears) {
      this.contexts = [];
      this.doorOverride = undefined;
      return undefined;
    }
    const m = parsed.match ?? [parsed.data];
    const value = (m[rule.group ?? (m.length > 1 ? 1 : 0)] ?? '').slice(0, 256);
    const type = rule.type ?? rule.codeType;
    if (rule.setsDoor) {
      if (!ID.test(value)) return `door label ${JSON.stringify(parsed.raw)} gives door ${JSON.stringify(value)}, not a door id [a-z0-9-]+`;
      this.doorOverride = value;
    }
    this.contexts = this.contexts.filter((c) => c.type !== type);
    this.contexts.push({ type, value, scannedAt: isoTs(ts) });
    if (this.contexts.length > MAX_CONTEXT) this.contexts.shift();
    return undefined;
  }

  private expire(now: number): void {
    if (now - this.lastScanAt > this.timeoutMs && (this.contexts.length || this.doorOverride)) {
      this.contexts = [];
      this.doorOverride = undefined;
    }
  }

  private draft(p: ParsedScan, code: ScannedCode): ScanDraft {
    const d: ScanDraft = { kind: 'scan', scanner: this.options.scanner, raw: p.raw, codeType: p.codeType, qty: 1 };
    const door = this.doorOverride ?? this.options.door;
    if (door) d.door = door;
    const symbology = p.symbology ?? code.symbology;
    if (symbology) d.symbology = symbology.slice(0, 32);
    const g = p.gs1;
    if (p.gtin) d.gtin = p.gtin;
    else if (g?.contentGtin) d.gtin = g.contentGtin;
    if (g) {
      if (g.sscc) d.sscc = g.sscc;
      if (g.batch) d.batch = g.batch;
      if (g.expiry) d.expiry = g.expiry;
      if (g.serial) d.serial = g.serial;
      if (g.count !== undefined) {
        d.count = g.count;
        if (g.count >= 1) d.qty = g.count;
      }
      d.ais = { ...g.ais };
    }
    if (this.contexts.length) d.context = this.contexts.map((c) => ({ ...c }));
    return d;
  }
}
