// scripts/e2e/site — playing the planned day against the running site: pallets driven through doors by the LLRP
// simulators, put-aways and restocks over REST, channel orders and cancellations, each physical step recorded in the
// ground-truth ledger as it happens. A unit's next step waits until the hub shows the previous one (in a warehouse a
// return comes days after the shipment, far beyond any outage here); a pass the hub has not shown within the deadline
// is driven again (an operator re-drives a pallet the light stack did not confirm), and counted.
import { ExpectedLedger, type Loc } from './expected.js';
import { hubApplied, hubLocations, openHubDb, type HubDb } from './checks.js';
import { gs1Scan, skuOfEpc, type SimDoor } from './layout.js';
import { streamOf, type PalletPattern } from './patterns.js';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { CountPlan, DayPlan, Leg, Order, ReceiptPlan, ScanPlan, Trip } from './plan.js';
import { expectReceipt, heldOn, receiptState, varianceOf } from './receipts.js';
import { sleep, until } from './processes.js';
import type { Site } from './site.js';

/** One mutex per door: a door carries one pallet at a time, and a fault on its reader waits for the door to be free. */
export class DoorLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async with<T>(doors: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...doors].sort();
    const releases: Array<() => void> = [];
    for (const d of sorted) {
      const prev = this.tails.get(d) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      this.tails.set(d, prev.then(() => mine));
      await prev;
      releases.push(release);
    }
    try {
      return await fn();
    } finally {
      for (const r of releases) r();
    }
  }
}

export interface RestMove {
  epc: string;
  from: Loc;
  to: Loc;
  /** sim clock when the hub answered. */
  at: number;
}

export interface DayStats {
  passesPlayed: number;
  unitsPassed: number;
  readsSent: number;
  readsDropped: number;
  redrives: number;
  stuck: string[];
  restMoves: number;
  restRetries: number;
  ordersPlaced: number;
  ordersRefused: string[];
  ordersCancelled: number;
  receiptsClosed: string[];
  /** Cycle counts done: what the count found against what the books had (the truth's units in the reserve). */
  counts: Array<{ id: number; sku: string; book: number; counted: number }>;
  countsSkipped: number;
  /** Cartons scanned (each counted once), and scans written while the scanner was unplugged (scanned again). */
  scans: number;
  scansUnplugged: number;
  variancesResolved: number;
  /** Latest pass end at each door (ms, sim clock): faults on a door wait for the portal's absence time after it. */
  lastPassEnd: Map<string, number>;
}

const CONFIRM_MS = 45_000;
/** The reserve's lock: put-aways into it and its counts take turns, so a count sees the books as the truth has them. */
const RESERVE = 'loc:reserve';
/** The portal's absence plus settle time (defaults), with a margin. */
export const DOOR_CLEAR_MS = 6500;

export class DayRunner {
  readonly truth = new ExpectedLedger(skuOfEpc);
  readonly rest: RestMove[] = [];
  readonly stats: DayStats = { passesPlayed: 0, unitsPassed: 0, readsSent: 0, readsDropped: 0, redrives: 0, stuck: [], restMoves: 0, restRetries: 0, ordersPlaced: 0, ordersRefused: [], ordersCancelled: 0, receiptsClosed: [], counts: [], countsSkipped: 0, scans: 0, scansUnplugged: 0, variancesResolved: 0, lastPassEnd: new Map() };
  /** Units that stay in stock for good (kept back from shipping, or restocked): what channel orders may hold. */
  readonly pinned = new Set<string>();
  readonly locks = new DoorLocks();
  readonly units = new Set<string>();
  private db?: HubDb;
  private t0 = 0;
  stopping = false;

  constructor(
    readonly site: Site,
    readonly plan: DayPlan,
    readonly patterns: PalletPattern[],
    readonly capPatterns: PalletPattern[],
    private readonly say: (line: string) => void,
  ) {}

  hubDb(): HubDb {
    return (this.db ??= openHubDb(this.site.hubDb));
  }

  closeDb(): void {
    this.db?.close();
    this.db = undefined;
  }

  private door(id: string): SimDoor {
    return this.site.doors.find((d) => d.id === id)!;
  }

  elapsed(): number {
    return Date.now() - this.t0;
  }

  private async at(ms: number): Promise<void> {
    const wait = this.t0 + ms - Date.now();
    if (wait > 0) await sleep(wait);
  }

  /** Drive a pallet through a door; the truth ledger records the pass as it happens. */
  async drive(leg: Leg, direction: 'in' | 'out', library: PalletPattern[] = this.patterns, doorHeld = false): Promise<void> {
    const door = this.door(leg.door);
    const reader = this.site.readers.get(door.reader)!;
    const play = async () => {
      const deadline = Date.now() + 60_000;
      while (!(reader.connected && reader.rospecState === 'active')) {
        if (Date.now() > deadline) throw new Error(`reader ${door.reader} of ${door.id} is not inventorying`);
        await sleep(50);
      }
      // One pallet at a time: the next waits until the portal has emitted the last one (absence + settle).
      const clear = (this.stats.lastPassEnd.get(door.id) ?? 0) + DOOR_CLEAR_MS - Date.now();
      if (clear > 0) await sleep(clear);
      const res = await reader.play(streamOf(library[leg.pattern]!, door.reader, direction, leg.units), { speed: 1 });
      this.stats.passesPlayed++;
      this.stats.unitsPassed += leg.units.length;
      this.stats.readsSent += res.sent;
      this.stats.readsDropped += res.dropped;
      this.stats.lastPassEnd.set(door.id, Date.now());
    };
    // A receipt holds its door from open to close (its caller has the lock); any other pallet takes it for its pass.
    if (doorHeld) await play();
    else await this.locks.with([door.id], play);
    for (const u of leg.units) {
      this.units.add(u);
      this.truth.pass(u, door.mode, direction);
    }
  }

  /** Drive, and again while the hub does not show every unit at `target` within the deadline (at most 3 drives). */
  async driveUntilShown(leg: Leg, direction: 'in' | 'out', target: Loc, receipt?: ReceiptPlan): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) this.stats.redrives++;
      await this.drive(leg, direction, this.patterns, !!receipt);
      if (await this.shown(leg.units, target, CONFIRM_MS, receipt)) {
        // Let the door clear: a unit's late repeat pass must reach the hub before its next step (a restock, say).
        const clear = (this.stats.lastPassEnd.get(leg.door) ?? 0) + DOOR_CLEAR_MS - Date.now();
        if (clear > 0) await sleep(clear);
        return true;
      }
      const at = hubLocations(this.hubDb(), leg.units);
      const off = leg.units.filter((u) => (at.get(u) ?? 'supplier') !== target);
      this.say(`  re-drive at ${leg.door} (${direction}): ${off.length} of ${leg.units.length} unit(s) not shown at ${target} after ${CONFIRM_MS / 1000} s: ${off.slice(0, 3).map((u) => `${u}@${at.get(u) ?? 'supplier'}`).join(', ')}`);
    }
    this.stats.stuck.push(`${leg.door} ${direction}: ${leg.units.length} unit(s) not shown at ${target}`);
    return false;
  }

  /** The hub shows every unit at `target` (a unit the receipt holds: on its variance, still at the supplier). */
  async shown(units: readonly string[], target: Loc, ms: number, receipt?: ReceiptPlan): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const at = hubLocations(this.hubDb(), units);
      const held = receipt?.held.length ? heldOn(this.hubDb(), receipt.po) : new Set<string>();
      if (units.every((u) => (held.has(u) ? !at.has(u) : (at.get(u) ?? 'supplier') === target))) return true;
      if (Date.now() > deadline || this.stopping) return false;
      await sleep(200);
    }
  }

  /** POST to the hub until it answers (a hub being restarted refuses connections): same body, same idempotency key. */
  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        const res = await fetch(`${this.site.api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        if (res.status < 500) return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
      } catch {
        // hub down or restarting
      }
      this.stats.restRetries++;
      if (Date.now() > deadline) throw new Error(`POST ${path} got no answer from the hub within 90 s`);
      await sleep(250);
    }
  }

  async restMove(epc: string, from: Loc, to: Loc, key: string): Promise<void> {
    const r = await this.post('/api/v1/moves', { sku: skuOfEpc(epc), qty: 1, from, to, reason: 'transfer', epc, note: 'sim' }, { 'idempotency-key': key });
    if (r.status !== 201 && r.status !== 200) throw new Error(`REST move ${epc} ${from} → ${to} refused: ${r.status} ${JSON.stringify(r.body)}`);
    this.truth.move(epc, from, to);
    this.rest.push({ epc, from, to, at: Date.now() });
    this.stats.restMoves++;
  }

  private async trip(t: Trip): Promise<void> {
    await this.at(t.at);
    if (t.receipt) {
      if (!(await this.receiveAgainst(t, t.receipt))) return;
    } else if (!(await this.driveUntilShown(t.receive, 'in', 'receiving'))) return;
    for (const u of t.putaway) await this.restMove(u, 'receiving', 'stock', `put-${u}`);
    for (const u of t.reserve) await this.locks.with([RESERVE], () => this.restMove(u, 'receiving', 'reserve', `reserve-${u}`));
    for (const u of t.putaway) if (!t.ship?.units.includes(u)) this.pinned.add(u);
    await sleep(t.shipDelay);
    if (!t.ship || this.stopping) return;
    if (!(await this.driveUntilShown(t.ship, 'out', 'customer'))) return;
    if (!t.returns) return;
    await sleep(t.returnDelay);
    if (!(await this.driveUntilShown(t.returns, 'in', 'returns'))) return;
    for (const u of t.restock) {
      await this.restMove(u, 'returns', 'stock', `restock-${u}`);
      this.pinned.add(u);
    }
  }

  /** The pallet against its ASN: create it, open it at the door, drive the pallet (the held units wait on a variance),
   * let every event of the pass reach the hub, close it (shorts are raised), then resolve the held units as planned. */
  private async receiveAgainst(t: Trip, r: ReceiptPlan): Promise<boolean> {
    const created = await this.post('/api/v1/receipts', expectReceipt(r));
    if (created.status !== 201 && created.status !== 200) throw new Error(`receipt ${r.po} refused: ${created.status} ${JSON.stringify(created.body)}`);
    for (const u of r.held) this.truth.held.add(u);
    const door = t.receive.door;
    const ok = await this.locks.with([door], async () => {
      // The pallet before (or a carton scanned) must be applied first: a pass arriving once this is open belongs to it.
      await this.passesApplied(door);
      const opened = await this.post(`/api/v1/receipts/${r.po}/open`, { door });
      // A hub killed after opening but before answering: the retry finds it open here, which is what was asked.
      if (opened.status !== 200 && receiptState(this.hubDb(), r.po) !== `open@${door}`) throw new Error(`receipt ${r.po} not opened at ${door}: ${opened.status} ${JSON.stringify(opened.body)}`);
      const shown = await this.driveUntilShown(t.receive, 'in', 'receiving', r);
      await this.passesApplied(door);
      const closed = await this.post(`/api/v1/receipts/${r.po}/close`, {});
      if (closed.status !== 200 && receiptState(this.hubDb(), r.po) !== 'closed') throw new Error(`receipt ${r.po} not closed: ${closed.status} ${JSON.stringify(closed.body)}`);
      this.stats.receiptsClosed.push(r.po);
      return shown;
    });
    if (!ok || !r.held.length) return ok;
    const v = varianceOf(this.hubDb(), r.po, 'unexpected_item');
    if (!v) throw new Error(`receipt ${r.po}: ${r.held.length} unit(s) of ${r.off} not on the ASN were shown held, but no unexpected_item variance exists`);
    const action = r.accept ? 'accept' : 'dismiss';
    const res = await this.post(`/api/v1/variances/${v.id}/resolve`, { action, reason: `sim: ${r.accept ? 'keep the extra units' : 'send the extra units back'}` });
    if (res.status !== 200 && varianceOf(this.hubDb(), r.po, 'unexpected_item')?.status !== (r.accept ? 'accepted' : 'dismissed')) throw new Error(`variance ${v.id} (${r.po}) not resolved: ${res.status} ${JSON.stringify(res.body)}`);
    this.stats.variancesResolved++;
    if (r.accept) {
      for (const u of r.held) {
        this.truth.move(u, 'supplier', 'receiving');
        this.rest.push({ epc: u, from: 'supplier', to: 'receiving', at: Date.now() });
      }
    }
    return true;
  }

  /** Every event the door's gateway published so far is applied by the hub (a late repeat pass must not reach a
   * closed receipt): the door has cleared, the broker path is up, and the hub applied all the observer saw. */
  private async passesApplied(doorId: string): Promise<void> {
    const gw = this.door(doorId).gateway;
    const clear = (this.stats.lastPassEnd.get(doorId) ?? 0) + DOOR_CLEAR_MS - Date.now();
    if (clear > 0) await sleep(clear);
    const applied = hubApplied(this.hubDb());
    await until(() => !this.site.relay.isCut && this.site.hub.alive && this.site.observer.subscribed, 'the broker path to be up', 90_000, 100);
    await sleep(1000);
    await until(() => [...this.site.observer.events].every(([id, e]) => e.gateway !== gw || this.confirmed.has(id) || (applied(id) ? (this.confirmed.add(id), true) : false)), `the hub to apply every event of ${gw}`, 60_000, 200).catch(() => undefined);
  }

  private readonly confirmed = new Set<string>();

  /** The operator scans a carton at the scanner's door (the door is theirs meanwhile: no pallet, no open receipt). A
   * scan written into an unplugged scanner goes nowhere (its pty is gone): the operator scans it again once the
   * scanner is back. A scan counts once, when the gateway has emitted it. */
  async scan(sc: ScanPlan, waitForIt = true, doorHeld = false): Promise<void> {
    if (waitForIt) await this.at(sc.at);
    const scanner = this.site.scanner;
    if (!scanner) return;
    const go = async () => {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) await until(() => this.site.scannerReady || this.stopping, 'the scanner to be plugged in and open again', 120_000, 100);
        else await until(() => this.site.scannerReady || !this.site.socat?.alive || this.stopping, 'the scanner to be open', 120_000, 100);
        const before = new Set(this.site.observer.scans.keys());
        try {
          // Never create: an unplugged scanner's end is gone, and the write must fail as it would into nothing.
          const fd = openSync(scanner.wire, constants.O_WRONLY | constants.O_NOCTTY);
          try {
            writeSync(fd, Buffer.from(gs1Scan(sc.gtin, sc.qty), 'latin1'));
          } finally {
            closeSync(fd);
          }
        } catch {
          this.stats.scansUnplugged++;
          if (this.stopping) return;
          continue;
        }
        const seen = await until(() => [...this.site.observer.scans.values()].find((x) => x.scanner === scanner.id && !before.has(x.id)), `scan of ${sc.gtin} to be emitted`, 60_000, 100).catch(() => undefined);
        if (!seen) return void this.stats.stuck.push(`scan of ${sc.qty} × ${sc.sku} at ${scanner.door} written but never emitted`);
        if (seen.gtin !== sc.gtin || seen.qty !== sc.qty) this.stats.stuck.push(`scanned ${sc.qty} × ${sc.gtin}, the gateway emitted ${seen.qty} × ${seen.gtin}`);
        this.truth.scan(sc.sku, 'receiving', sc.qty);
        this.stats.scans++;
        return;
      }
    };
    if (doorHeld) await go();
    else await this.locks.with([scanner.door], go);
  }

  private inReserve(): string[] {
    return [...this.truth.where].filter(([, l]) => l === 'reserve').map(([u]) => u);
  }

  /** A cycle count of one SKU in the reserve: the operator counts every unit there by EPC except one that has
   * physically gone (plan), closes the count, and accepts its count_difference variance if the difference is held. */
  private async count(c: CountPlan, n: number): Promise<void> {
    await this.at(c.at);
    const deadline = Date.now() + 60_000;
    while (this.inReserve().length === 0) {
      if (Date.now() > deadline || this.stopping) return void this.stats.countsSkipped++;
      await sleep(500);
    }
    await this.locks.with([RESERVE], async () => {
      const here = this.inReserve();
      const skus = [...new Set(here.map(skuOfEpc))].sort();
      const sku = skus[Math.floor(c.pick * skus.length)]!;
      const units = here.filter((u) => skuOfEpc(u) === sku).sort();
      const lost = c.lose ? units[Math.floor(c.pick * units.length)] : undefined;
      const started = await this.post('/api/v1/counts', { location: 'reserve', skus: [sku], note: `sim count ${n}` });
      const open = () => (this.hubDb().prepare("SELECT id FROM counts WHERE location = 'reserve' AND status = 'open'").get() as { id: number } | undefined)?.id;
      // A hub killed after starting it but before answering: the retry is refused (one open count per location) and the count is there.
      const id = started.status === 201 ? (started.body as { id: number }).id : open();
      if (id === undefined) throw new Error(`count of ${sku} in the reserve not started: ${started.status} ${JSON.stringify(started.body)}`);
      const counted = units.filter((u) => u !== lost);
      if (counted.length) {
        const l = await this.post(`/api/v1/counts/${id}/lines`, { lines: counted.map((epc) => ({ epc })) });
        if (l.status !== 200) throw new Error(`count ${id}: lines refused: ${l.status} ${JSON.stringify(l.body)}`);
      }
      const closed = await this.post(`/api/v1/counts/${id}/close`, {});
      if (closed.status !== 200 && open() === id) throw new Error(`count ${id} not closed: ${closed.status} ${JSON.stringify(closed.body)}`);
      if (lost) {
        const v = this.hubDb().prepare("SELECT id, status FROM variances WHERE reference = ? AND type = 'count_difference' AND sku = ?").get(`count:${id}`, sku) as { id: number; status: string } | undefined;
        if (v?.status === 'open') {
          const res = await this.post(`/api/v1/variances/${v.id}/resolve`, { action: 'accept', reason: 'sim: the unit is gone' });
          if (res.status !== 200 && res.status !== 409) throw new Error(`count variance ${v.id} not accepted: ${res.status} ${JSON.stringify(res.body)}`);
          this.stats.variancesResolved++;
        }
        this.truth.move(lost, 'reserve', 'adjustment');
        this.rest.push({ epc: lost, from: 'reserve', to: 'adjustment', at: Date.now() });
      }
      this.stats.counts.push({ id, sku, book: units.length, counted: counted.length });
    });
  }

  private free(sku: string): number {
    let n = 0;
    for (const u of this.pinned) if (skuOfEpc(u) === sku && this.truth.locationOf(u) === 'stock') n++;
    return n - this.truth.pendingHolds(sku);
  }

  private async order(o: Order): Promise<void> {
    await this.at(o.at);
    if (this.free(o.sku) < o.qty) return; // nothing to sell yet: the customer orders elsewhere
    const hold = `ch:web:${o.id}:${o.sku}`;
    this.truth.hold(hold, o.sku, o.qty); // held before the call: no other order may count these units meanwhile
    const r = await this.post('/api/v1/channels/web/orders', { orderId: o.id, lines: [{ sku: o.sku, qty: o.qty }] });
    if (r.status !== 201 && r.status !== 200) {
      this.truth.voidHold(hold);
      this.truth.holds.delete(hold);
      this.stats.ordersRefused.push(`${o.id} (${o.qty} × ${o.sku}): ${r.status} ${JSON.stringify(r.body)}`);
      return;
    }
    this.stats.ordersPlaced++;
    if (o.cancelAfter === undefined) return;
    await sleep(o.cancelAfter);
    const c = await this.post(`/api/v1/channels/web/orders/${o.id}/cancel`, { skus: [o.sku], reason: 'sim: customer cancelled' });
    if (c.status !== 200) throw new Error(`cancel ${o.id} refused: ${c.status} ${JSON.stringify(c.body)}`);
    this.truth.voidHold(hold);
    this.stats.ordersCancelled++;
  }

  /** The capped gateway: cut off from the broker, it receives more pallets than its outbox holds, then is let back. */
  async overflowCap(absenceMs: number): Promise<void> {
    if (!this.plan.cap.length || !this.site.capRelay) return;
    // Its start-up news (the reader connected) must be delivered first, so that what the overflow drops is passes only.
    await until(() => [...this.site.observer.events.values()].some((e) => e.gateway === 'gw-cap'), 'the capped gateway to deliver its first event', 60_000);
    await sleep(500);
    this.site.capRelay.cut();
    for (const leg of this.plan.cap) await this.drive(leg, 'in', this.capPatterns);
    await sleep(absenceMs); // the last pass is emitted after the portal's absence time
    this.site.capRelay.restore();
    this.say(`capped gateway: ${this.plan.cap.reduce((n, l) => n + l.units.length, 0)} units received while cut off from the broker (outbox cap 100)`);
  }

  async run(): Promise<void> {
    this.t0 = Date.now();
    const jobs: Array<Promise<void>> = [...this.plan.trips.map((t) => this.trip(t)), ...this.plan.orders.map((o) => this.order(o)), ...this.plan.counts.map((c, i) => this.count(c, i)), ...this.plan.scans.map((sc) => this.scan(sc))];
    const results = await Promise.allSettled(jobs);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) throw new Error(`${failed.length} step(s) of the day failed; first: ${(failed[0]!.reason as Error)?.stack ?? String(failed[0]!.reason)}`);
  }

  startedAt(): number {
    return this.t0;
  }
}
