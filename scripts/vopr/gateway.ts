// scripts/vopr — a gateway of the whole-chain simulator: the real outbox (a SQLite file) and the real publisher, its
// MQTT client the simulated broker's (through the publisher's `connect` seam) and its timers the simulated runtime's.
// Passes of tagged units through its receiving door are appended at random moments. Every deletion the publisher asks
// of the outbox is checked first against the hub's committed ledger (a read-only connection that sees only commits):
// an outbox may confirm only what the hub has applied.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Event, EventDraft } from '../../protocols/events/index.js';
import { encodeSgtin } from '../../protocols/epc/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import type { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { Outbox } from '../../gateway/outbox/index.js';
import { Publisher, type PublisherOptions, type PublisherOutbox } from '../../gateway/publisher/index.js';
import type { SimBroker } from './broker.js';
import { SimMqttClient } from './clients.js';
import { GTIN, SITE } from './hub.js';

export interface GatewayPlan {
  id: string;
  door: string;
  /** Passes to produce. */
  events: number;
  /** Passes per append: 1..maxBurst. */
  maxBurst: number;
  /** Time between appends: 0..maxGapMs. */
  maxGapMs: number;
  /** Serials of this gateway's units start above this, so every EPC of the run is distinct. */
  serialBase: number;
  publisher: Pick<PublisherOptions, 'batch' | 'maxInFlight' | 'drainRatePerSecond' | 'confirmTimeoutMs' | 'reconnect' | 'pollMs'>;
}

export class SimGateway {
  outbox: Outbox;
  publisher: Publisher;
  /** Every event the outbox made, by seq - 1. */
  readonly produced: Event[] = [];
  /** Guarantee violations seen while running. */
  readonly violations: string[] = [];
  crashes = 0;
  private readonly path: string;
  /** When the run started (times in messages are from here). */
  private readonly t0: number;
  private client: SimMqttClient | undefined;
  private verifiedThrough = 0;
  private alive = false;
  /** Which gateway process is running: a dead one's publisher must not reach the outbox file any more. */
  private epoch = 0;
  /** The outbox's last seq when each dead process died: what its publisher keeps seeing. */
  private readonly lastSeqAtDeath = new Map<number, number>();
  private stopped = false;

  constructor(
    dir: string,
    private readonly rt: SimulatedRuntime,
    private readonly broker: SimBroker,
    readonly plan: GatewayPlan,
    /** This gateway's stream id (a fresh outbox gets it instead of random bits). */
    streamId: string,
    /** How many moves the hub has committed for an EPC (read-only, committed state only). */
    private readonly committedMoves: (epc: string) => number,
  ) {
    this.path = join(dir, `${plan.id}.outbox.db`);
    this.t0 = rt.now();
    this.outbox = SimGateway.openOutbox(this.path, streamId);
    this.publisher = this.newPublisher();
  }

  /**
   * A new outbox whose stream id is `streamId` instead of random bits: the hub orders streams by id (its
   * acknowledgements at start go out in that order), so a random id would make a seed replay differently.
   */
  private static openOutbox(path: string, streamId: string): Outbox {
    Outbox.open({ path, logger: silentLogger() }).close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'stream'").run(streamId);
    db.close();
    return Outbox.open({ path, logger: silentLogger() });
  }

  get done(): boolean {
    return this.produced.length >= this.plan.events;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  start(): void {
    this.alive = true;
    this.publisher.start();
    this.next();
  }

  /**
   * kill -9 of the gateway: its socket breaks, its publisher's memory is gone, the outbox file keeps what committed
   * (every append is one transaction, and appends happen between crash points here). It starts again after `restartMs`.
   */
  crash(restartMs: number): void {
    if (!this.alive) return;
    this.alive = false;
    this.crashes++;
    this.lastSeqAtDeath.set(this.epoch, this.outbox.lastSeq());
    this.epoch++;
    this.client?.kill(this.rt.random() < 0.5);
    this.outbox.close();
    this.rt.setTimer(restartMs, () => {
      this.outbox = Outbox.open({ path: this.path, logger: silentLogger() });
      this.publisher = this.newPublisher();
      this.alive = true;
      this.publisher.start();
    });
  }

  /** Stop producing and drop the publisher (end of run); the outbox file is closed. */
  close(): void {
    this.stopped = true;
    this.epoch++;
    if (this.alive) this.outbox.close();
    this.alive = false;
  }

  private newPublisher(): Publisher {
    return new Publisher({
      site: SITE,
      gateway: this.plan.id,
      mqtt: { url: 'mqtt://vopr.invalid:1883', clientId: this.plan.id },
      confirm: 'hub',
      ...this.plan.publisher,
      outbox: this.guarded(this.epoch),
      runtime: this.rt,
      connect: () => (this.client = new SimMqttClient(this.broker, this.plan.id)),
      logger: silentLogger(),
    });
  }

  /**
   * The outbox as the publisher of process `epoch` sees it, each deletion checked against what the hub committed.
   * Once that process is dead its publisher (whose timers still fire on the shared runtime) sees an outbox that
   * lends nothing and deletes nothing, frozen at the seq it had when the process died.
   */
  private guarded(epoch: number): PublisherOutbox {
    const live = () => epoch === this.epoch;
    const o = this.outbox;
    return {
      stream: o.stream,
      peekRows: (limit, after) => (live() ? o.peekRows(limit, after) : []),
      lastSeq: () => (live() ? o.lastSeq() : this.lastSeqAtDeath.get(epoch)!),
      depth: () => (live() ? o.depth() : 0),
      confirmThrough: (through) => {
        if (!live()) return 0;
        this.checkCommitted(through);
        return o.confirmThrough(through);
      },
      ack: (keys) => {
        if (!live()) return 0;
        for (const k of keys) if (typeof k === 'number') this.checkCommitted(k, k);
        return o.ack(keys);
      },
    };
  }

  /** Every event of seqs from..through must be committed at the hub before its row may go. */
  private checkCommitted(through: number, from = this.verifiedThrough + 1): void {
    for (let seq = from; seq <= through; seq++) {
      const e = this.produced[seq - 1];
      if (!e) {
        this.violations.push(`${this.plan.id}: outbox confirmed seq ${seq}, which it never made`);
        continue;
      }
      if (e.kind === 'tag.pass' && this.committedMoves(e.epc) === 0) {
        this.violations.push(`${this.plan.id}: outbox confirmed seq ${seq} (event ${e.id}) before the hub committed it (t=${this.rt.now() - this.t0} ms)`);
      }
    }
    if (from === this.verifiedThrough + 1) this.verifiedThrough = Math.max(this.verifiedThrough, through);
  }

  private next(): void {
    if (this.stopped || this.done) return;
    this.rt.setTimer(Math.floor(this.rt.random() * (this.plan.maxGapMs + 1)), () => {
      if (this.stopped) return;
      if (!this.alive) return this.next(); // passes while the gateway is down are not seen (its reads are gone)
      const n = Math.min(this.plan.events - this.produced.length, 1 + Math.floor(this.rt.random() * this.plan.maxBurst));
      const drafts: EventDraft[] = [];
      for (let i = 0; i < n; i++) drafts.push(this.pass(this.plan.serialBase + this.produced.length + i + 1));
      this.produced.push(...this.outbox.append(drafts, this.rt.now()));
      this.publisher.kick();
      this.next();
    });
  }

  private pass(serial: number): EventDraft {
    const epc = encodeSgtin({ gtin: GTIN, companyPrefixLength: 7, serial: String(serial) });
    if (!epc.ok) throw new Error(`sim: cannot encode serial ${serial}: ${epc.reason}`);
    const ts = new Date(this.rt.now()).toISOString();
    return {
      kind: 'tag.pass',
      door: this.plan.door,
      direction: 'in',
      epc: epc.hex,
      firstSeen: ts,
      lastSeen: ts,
      reads: 5,
      peakRssi: -55,
      antennas: [{ reader: 'r1', antenna: 1, reads: 5, peakRssi: -55 }],
      confidence: 0.9,
    };
  }
}
