// hub/doors — interpreting events: what a pass or a scan at a door means for the ledger. Runs inside the ingest's
// batch transaction (an ApplyFn), so a pass, its move and its exceptions commit together or not at all.
import type { DoorMode, Event, ScanEvent, TagArriveEvent, TagDepartEvent, TagPassEvent } from '../../protocols/events/index.js';
import { decodeEpc } from '../../protocols/epc/index.js';
import type { Db } from '../db/database.js';
import type { AppliedRecord } from '../ingest/store.js';
import {
  getItemByGtin,
  moveSerial,
  postMove,
  readUnit,
  VIRTUAL,
  type Item,
  type MoveReason,
  type Move,
  type PostOptions,
  type UnitRead,
} from '../ledger/index.js';
import { ruleFor, type LocationRole, type MoveRule } from './rules.js';
import { DoorStore, type DoorRow, type DoorSetup, type ExceptionType, type PassOutcome } from './store.js';
import { systemRuntime } from '../../runtime/runtime.js';
import { Question, Signal } from '../../runtime/signal.js';

/** What the interpreter knows about a pass while deciding it; handed to the rooms listening (DoorHooks). */
export interface PassContext {
  event: TagPassEvent | ScanEvent;
  gateway: string;
  door: DoorRow;
  item?: Item;
  epc?: string;
  /** From the EPC or the barcode. */
  gtin?: string;
  sscc?: string;
  qty: number;
  /** in / out, from the pass or implied by the door mode for scans. */
  direction: 'in' | 'out' | 'unknown';
  /** References the scanner's context carried (e.g. a purchase order). */
  references: Record<string, string>;
}

/**
 * How the rooms that follow passes at doors (receiving, shipping, returns, counts) hear them: signals and questions
 * (runtime/signal.ts) heard in the order the rooms listened, which is their declared dependency order (hub/room.ts).
 * Every listener runs inside the batch transaction: its error rolls the event back, and what it writes commits with
 * the pass.
 */
export class DoorHooks {
  /**
   * May take a pass the door rules would not move (an SSCC pallet tag, a count observation) and answer for it: the
   * first room to answer decides the pass; the rooms after it are not asked.
   */
  readonly claim = new Question<[tx: Db, pass: PassContext, nowMs: number], PassOutcome>();
  /**
   * May add a reference and a unit cost to the move the door rules are about to post, and name the location that
   * stands for the customer on this pass (`transit` for a shipment to another site of the fleet): every room's answer
   * counts, a later room's fields over an earlier's.
   */
  readonly enrich = new Question<[tx: Db, pass: PassContext], Enrichment>();
  /** Every outcome of a pass or scan at a door, after it is recorded. */
  readonly outcome = new Signal<[tx: Db, pass: PassContext, outcome: PassOutcome, nowMs: number]>();
  /** A scan at a station (no configured door), e.g. a handheld in count mode: the first room to answer decides it. */
  readonly station = new Question<[tx: Db, event: ScanEvent, gateway: string, nowMs: number], PassOutcome>();
  /** A tag arrived in or departed from a read zone (e.g. a count zone). */
  readonly zone = new Signal<[tx: Db, event: TagArriveEvent | TagDepartEvent, gateway: string, nowMs: number]>();
}

/**
 * The interpreter runs inside the ingest's batch transaction, which any error it throws rolls back (the whole batch,
 * or the one event when the ingest isolates events): postings need no savepoint of their own.
 */
const IN_BATCH: PostOptions = { callerRollsBack: true };

export interface Enrichment {
  reference?: string;
  unitCost?: number;
  /** The location the door rules' `customer` role resolves to on this pass (default: the virtual customer). */
  customer?: string;
}

const VIRTUAL_ROLES: Partial<Record<LocationRole, string>> = {
  supplier: VIRTUAL.supplier,
  customer: VIRTUAL.customer,
  transit: VIRTUAL.transit,
};

export class DoorInterpreter {
  readonly store: DoorStore;
  /** Where the rooms listen for passes, scans and zone events. */
  readonly hooks = new DoorHooks();

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = systemRuntime.now,
  ) {
    this.store = new DoorStore(db);
  }

  /** Make the configured doors known (new doors take the configured mode; known doors keep the mode ops set). */
  configure(doors: readonly DoorSetup[]): void {
    this.db.transaction(() => {
      for (const d of doors) this.store.upsertDoor(d, this.clock());
    })();
  }

  /**
   * The ingest's refusal check, before anything is written: an event at a door the hub gives to another gateway is
   * not applied (the ingest dead-letters it with this reason). A door the hub does not know is no refusal: the pass
   * becomes an unknown_door exception.
   */
  readonly refusal = (event: Event, gateway: string): string | undefined => {
    const doorId = event.kind === 'tag.pass' || event.kind === 'door' || event.kind === 'scan' ? event.door : undefined;
    const door = doorId === undefined ? undefined : this.store.getDoor(doorId);
    return door && door.gateway !== gateway ? `door ${door.id} is watched by gateway ${door.gateway}, not ${gateway}: refused` : undefined;
  };

  /**
   * The ingest's record of applied events for the kinds every apply here records (see AppliedRecord): each pass, scan
   * and zone event writes exactly one door activity row, unique by its event id, so the ingest keeps no inbox row of its
   * own for them (one row and one index fewer per pass).
   */
  readonly record: AppliedRecord = {
    kinds: new Set<Event['kind']>(['tag.pass', 'scan', 'tag.arrive', 'tag.depart']),
    has: (eventId) => this.store.hasActivity(eventId),
  };

  /** The ingest's apply function. */
  readonly apply = (db: Db, event: Event, ctx: { gateway: string }): void => {
    const now = this.clock();
    switch (event.kind) {
      case 'tag.pass':
        this.onPass(db, event, ctx.gateway, now);
        return;
      case 'scan':
        this.onScan(db, event, ctx.gateway, now);
        return;
      case 'door':
        this.store.recordDoorState(event.door, event.state, event.ts, now);
        return;
      case 'tag.arrive':
      case 'tag.depart':
        this.store.recordZoneEvent(event, ctx.gateway, now);
        this.hooks.zone.emit(db, event, ctx.gateway, now);
        return;
      case 'reader':
      case 'scanner':
      case 'gap':
        // Gateway health and gaps are the ingest's and the status surface's business.
        return;
    }
  };

  private onPass(db: Db, event: TagPassEvent, gateway: string, now: number): void {
    const door = this.store.getDoor(event.door);
    if (!door) {
      // Not silent: an exception ops see (status names gateway and door; hub/status/unknown-doors.ts logs it).
      const message = `gateway ${gateway} reported a pass at door ${event.door}, which is not configured on this hub`;
      this.store.recordPass({ event, gateway, door: event.door, outcome: { kind: 'exception', type: 'unknown_door', message } }, now);
      this.store.recordException(event.door, event, 'unknown_door', message, undefined, now);
      return;
    }
    const pass: PassContext = { event, gateway, door, epc: event.epc, qty: 1, direction: event.direction, references: {} };
    const decoded = decodeEpc(event.epc);
    if (decoded.ok && decoded.sscc) pass.sscc = decoded.sscc;
    if (decoded.ok && decoded.gtin) {
      pass.gtin = decoded.gtin;
      pass.item = getItemByGtin(db, decoded.gtin);
    }
    const outcome = this.claimed(db, pass, now) ?? this.decidePass(db, pass, decoded.ok ? undefined : decoded.reason, now);
    this.finish(db, pass, outcome, now);
  }

  private decidePass(db: Db, pass: PassContext, notGs1: string | undefined, now: number): PassOutcome {
    const epc = pass.epc!;
    if (notGs1) return { kind: 'exception', type: 'unknown_tag', message: `EPC ${epc} is ${notGs1}` };
    if (!pass.gtin)
      return {
        kind: 'exception',
        type: 'unknown_tag',
        message: `EPC ${epc} carries no GTIN (${pass.sscc ? `SSCC ${pass.sscc} with no declared contents` : 'not an SGTIN'})`,
      };
    if (!pass.item) return { kind: 'exception', type: 'unknown_tag', message: `GTIN ${pass.gtin} of EPC ${epc} is not in the catalog` };
    if (pass.item.tracking !== 'serial')
      return {
        kind: 'exception',
        type: 'tracking_mismatch',
        message: `SKU ${pass.item.sku} is tracked by quantity, but EPC ${epc} is a serialized tag: make the item serial-tracked or scan it`,
      };
    if (pass.event.kind === 'tag.pass' && pass.event.interrupted) {
      // Its evidence was cut by a reader outage: whatever direction it names is not a confident move.
      return {
        kind: 'exception',
        type: 'unknown_direction',
        message: `pass interrupted by a reader outage (reported ${pass.direction}, confidence ${pass.event.confidence}): nothing moved, ops to decide`,
      };
    }
    const rule = ruleFor(pass.door.mode, pass.direction);
    if (rule.action === 'exception') return { kind: 'exception', type: rule.type, message: rule.message };

    const extra = this.enriched(db, pass);
    const to = this.resolve(rule.to, pass.door, extra);
    // Read once: nothing is written before the move, so moveSerial takes the unit as read here.
    const unit = readUnit(db, epc);
    const serial = unit.serial;
    if (serial && serial.location === to) return { kind: 'repeat', message: `EPC ${epc} is already at ${to}` };
    const from = rule.from === 'current' ? serial?.location : this.resolve(rule.from, pass.door, extra);
    if (from === undefined)
      return { kind: 'exception', type: 'unknown_unit', message: `EPC ${epc} (SKU ${pass.item.sku}) was never received: nothing to ship` };
    if (serial ? serial.location !== from : !(from in INBOUND_ORIGINS)) {
      return {
        kind: 'exception',
        type: 'unexpected_location',
        message: `EPC ${epc} is at ${serial?.location ?? 'no location (never received)'}, but a ${pass.door.mode} door's ${pass.direction} pass moves units from ${from}: nothing moved`,
      };
    }
    return this.post(db, pass, rule, from, to, extra, unit, now);
  }

  private post(db: Db, pass: PassContext, rule: MoveRule, from: string, to: string, extra: Enrichment, unit: UnitRead, now: number): PassOutcome {
    const result = moveSerial(
      db,
      {
        id: `ev:${pass.event.id}`,
        epc: pass.epc!,
        sku: pass.item!.sku,
        from,
        to,
        reason: rule.reason,
        reference: extra.reference ?? null,
        unitCost: extra.unitCost ?? null,
        actor: { kind: 'gateway', id: pass.gateway },
        eventId: pass.event.id,
        occurredAt: (pass.event as TagPassEvent).lastSeen,
        note: rule.reversal ? `reversal: left through ${pass.door.mode} door ${pass.door.id}` : null,
      },
      now,
      { callerRollsBack: true, unit },
    );
    if (result.status === 'already_there') return { kind: 'repeat', message: `EPC ${pass.epc} is already at ${to}` };
    return { kind: 'moved', move: result.move };
  }

  private onScan(db: Db, event: ScanEvent, gateway: string, now: number): void {
    const doorId = event.door;
    const door = doorId ? this.store.getDoor(doorId) : undefined;
    if (!door) {
      // A scan at a station (no door) is context for the receiving/count modules only.
      const outcome = this.hooks.station.first(db, event, gateway, now);
      this.store.recordScan(
        event,
        gateway,
        outcome ?? { kind: 'recorded', message: doorId ? `door ${doorId} is not configured` : 'scan at a station without a door' },
        now,
      );
      return;
    }
    const references: Record<string, string> = {};
    for (const c of event.context ?? []) references[c.type] = c.value;
    const pass: PassContext = { event, gateway, door, qty: event.qty, direction: impliedDirection(door.mode), references };
    if (event.sscc) pass.sscc = event.sscc;
    if (event.gtin) {
      pass.gtin = event.gtin;
      pass.item = getItemByGtin(db, event.gtin);
    }
    const outcome = this.claimed(db, pass, now) ?? this.decideScan(db, pass, now);
    this.finish(db, pass, outcome, now);
  }

  private decideScan(db: Db, pass: PassContext, now: number): PassOutcome {
    const event = pass.event as ScanEvent;
    if (!pass.gtin) return { kind: 'recorded', message: `${event.codeType} code: context only, nothing moved` };
    if (!pass.item) return { kind: 'exception', type: 'unknown_tag', message: `GTIN ${pass.gtin} is not in the catalog` };
    if (pass.item.tracking === 'serial')
      return {
        kind: 'exception',
        type: 'tracking_mismatch',
        message: `SKU ${pass.item.sku} is serial-tracked: its units move by their RFID tags, not by barcode quantity`,
      };
    const rule = ruleFor(pass.door.mode, pass.direction);
    if (rule.action === 'exception') return { kind: 'exception', type: rule.type, message: rule.message };
    const extra = this.enriched(db, pass);
    const from = rule.from === 'current' ? pass.door.stock : this.resolve(rule.from, pass.door, extra);
    const to = this.resolve(rule.to, pass.door, extra);
    const result = postMove(
      db,
      {
        id: `ev:${event.id}`,
        sku: pass.item.sku,
        qty: pass.qty,
        from,
        to,
        reason: rule.reason as MoveReason,
        reference: extra.reference ?? pass.references.purchase_order ?? null,
        unitCost: extra.unitCost ?? null,
        actor: { kind: 'scanner', id: event.scanner },
        eventId: event.id,
        occurredAt: event.ts,
      },
      now,
      IN_BATCH,
    );
    return { kind: 'moved', move: result.move };
  }

  private resolve(role: LocationRole, door: DoorRow, extra: Enrichment): string {
    if (role === 'customer' && extra.customer) return extra.customer;
    const v = VIRTUAL_ROLES[role];
    if (v) return v;
    if (role === 'receiving') return door.receiving;
    if (role === 'returns') return door.returns;
    return door.stock;
  }

  private claimed(db: Db, pass: PassContext, now: number): PassOutcome | undefined {
    return this.hooks.claim.first(db, pass, now);
  }

  private enriched(db: Db, pass: PassContext): Enrichment {
    return Object.assign({}, ...this.hooks.enrich.all(db, pass)) as Enrichment;
  }

  private finish(db: Db, pass: PassContext, outcome: PassOutcome, now: number): void {
    if (pass.event.kind === 'tag.pass')
      this.store.recordPass({ event: pass.event, gateway: pass.gateway, door: pass.door.id, sku: pass.item?.sku, outcome }, now);
    else this.store.recordScan(pass.event, pass.gateway, outcome, now, pass.item?.sku);
    if (outcome.kind === 'exception') this.store.recordException(pass.door.id, pass.event, outcome.type, outcome.message, pass.item?.sku, now);
    this.hooks.outcome.emit(db, pass, outcome, now);
  }
}

/** Locations a unit may come from without having been on the books: the outside world. */
const INBOUND_ORIGINS: Record<string, true> = { [VIRTUAL.supplier]: true, [VIRTUAL.customer]: true, [VIRTUAL.transit]: true };

/** A barcode scan has no direction: the door's mode implies it. */
function impliedDirection(mode: DoorMode): 'in' | 'out' | 'unknown' {
  if (mode === 'receiving' || mode === 'returns') return 'in';
  if (mode === 'shipping') return 'out';
  return 'unknown';
}

export type { PassOutcome, ExceptionType, Move, DoorSetup };
