// scripts/vopr — the hub of the whole-chain simulator: the real ingest (hub/ingest) applying gateway events through the
// real door interpreter to the real ledger, on a real SQLite file, as hub/app.ts builds them, with crash points:
// - between any two SQL statements of a transaction (the statement is not run; the transaction never commits);
// - after a commit, before each PUBACK goes out; before each acknowledgement is published.
// Each PUBACK (its events committed?) and each HubAck (its seqs committed?) is checked against the file when it goes out.
// Statements inside a transaction may also fail as on a full disk (SQLITE_FULL): the transaction rolls back and the
// hub lives on; the message must not be acknowledged, and comes again.
// A crash is what kill -9 leaves: the process stops there (its socket breaks, nothing more is sent, nothing more
// commits) and the database file holds what committed. The hub restarts after a delay: a new connection to the same
// file, a new Ingest, its persistent session redelivering what it had not acknowledged.
// Statements outside a transaction (the acknowledger reading how far a stream is applied, a status row) get no crash
// point of their own: a crash just before or after one is the same as one at the MQTT edge next to it.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { EventBatch, HubAck } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import type { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { HUB_MIGRATIONS } from '../../hub/app.js';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { DoorInterpreter } from '../../hub/doors/interpreter.js';
import { Ingest, type GatewayIngestStats } from '../../hub/ingest/index.js';
import { createItem, createLocation, withBatchedInvariants } from '../../hub/ledger/index.js';
import type { SimBroker } from './broker.js';
import { SimHubMqtt } from './clients.js';

export const SITE = 'vopr-site';
export const SKU = 'PAL-1';
export const GTIN = '09506000134352';

export interface HubFaults {
  /** Probability that the hub dies at a statement inside a transaction. */
  crashPerStatement: number;
  /** Probability that a statement inside a transaction fails as a full disk does (SQLITE_FULL). */
  diskFullPerStatement: number;
  /** At most this many statements inside transactions after that one fail too (a full disk stays full a while). */
  diskFullBurst: number;
  /**
   * Probability that a transaction fails as on a full disk at its commit, after every statement in it ran (the
   * ingest's stream positions written), and how many transactions after it fail the same way (at most).
   */
  commitFull: number;
  commitFullBurst: number;
  /** Probability that it dies before a PUBACK, or before a publish. */
  crashAtEdge: number;
  /** How long a dead hub stays down. */
  restartMs: number;
  reconnectMs: number;
}

/** Thrown at a crash point inside a transaction: the transaction rolls back, as the dead process never committed. */
export class SimCrash extends Error {
  constructor() {
    super('sim: the hub process died here');
    this.name = 'SimCrash';
  }
}

/**
 * The db with `point()` called before every statement it runs (statements are wrapped as they are prepared), and
 * `commit()` after the body of each outermost transaction, before its COMMIT (a throw there rolls it all back).
 */
function withCrashPoints(db: Db, point: () => void, commit: () => void): Db {
  let depth = 0;
  const wrapStatement = (st: object): object => {
    const proxy: object = new Proxy(st, {
      get(target, key) {
        const v = Reflect.get(target, key, target) as unknown;
        if (typeof v !== 'function') return v;
        const fn = v as (...a: unknown[]) => unknown;
        if (key === 'run' || key === 'get' || key === 'all' || key === 'iterate')
          return (...a: unknown[]) => {
            point();
            return fn.apply(target, a);
          };
        return (...a: unknown[]) => {
          const r = fn.apply(target, a);
          return r === target ? proxy : r; // pluck(), raw(), expand() chain
        };
      },
    });
    return proxy;
  };
  return new Proxy(db, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (key === 'prepare') return (...a: unknown[]) => wrapStatement(fn.apply(target, a) as object);
      if (key === 'transaction')
        return (body: (...a: unknown[]) => unknown) =>
          target.transaction((...a: unknown[]) => {
            depth++; // a transaction inside one is a savepoint: only the outermost commits
            try {
              const r = body(...a);
              if (depth === 1) commit();
              return r;
            } finally {
              depth--;
            }
          });
      if (key === 'exec')
        return (...a: unknown[]) => {
          point();
          return fn.apply(target, a);
        };
      return fn.bind(target);
    },
  });
}

/** A room of the hub process beside the ingest (the channel sync): started with each process, killed with it. */
export interface HubRoom {
  /** A process started: `db` is its connection (no crash points), `writes` the one its ingest writes through. */
  boot(db: Db, writes: Db): void;
  /** The process died (or the run ended): the room stops where it stands. */
  crash(): void;
}

export interface GatewayDoor {
  gateway: string;
  door: string;
}

/** A gateway's counters summed over every hub process that ran (each counts only what it committed). */
export type IngestTotals = Pick<GatewayIngestStats, 'received' | 'applied' | 'duplicates' | 'deadLettered' | 'seqConflicts' | 'missingSeqs'>;

export class SimHub {
  readonly path: string;
  crashes = 0;
  /** Statements failed with a full disk. */
  diskFull = 0;
  /** Statements inside transactions still to fail before the full disk has room again. */
  private fullFor = 0;
  /** Commits still to fail (commitFull). */
  private commitFullFor = 0;
  /** When the run started (times in messages are from here). */
  private readonly t0: number;
  private db: Db | undefined;
  private mqtt: SimHubMqtt | undefined;
  private ingest: Ingest | undefined;
  private alive = false;
  /** Which hub process is running: a dead one's leftover work (queued in setImmediate) must not count as alive. */
  private epoch = 0;
  private faultsOn = true;
  private readonly totals = new Map<string, IngestTotals>();
  /** Failures the simulator itself hit (not a guarantee broken, but the run cannot be trusted). */
  readonly errors: string[] = [];
  /** PUBACKs of messages whose events had not committed, HubAcks naming seqs not committed (guarantee 4 broken). */
  readonly violations: string[] = [];
  /** Rooms started and killed with each hub process. */
  readonly rooms: HubRoom[] = [];
  /** How many moves have committed for an EPC (a read-only connection); set by watch(). */
  private committedMoves: ((epc: string) => number) | undefined;
  /** How far a stream is committed with no seq missing below (a read-only connection); set by watch(). */
  private committedThrough: ((stream: string) => number) | undefined;

  constructor(
    dir: string,
    private readonly rt: SimulatedRuntime,
    private readonly broker: SimBroker,
    private readonly faults: HubFaults,
    private readonly doors: readonly GatewayDoor[],
  ) {
    this.path = join(dir, 'hub.db');
    this.t0 = rt.now();
    const db = openDatabase(this.path);
    migrate(db, HUB_MIGRATIONS, silentLogger());
    const t0 = rt.now();
    createLocation(db, { id: 'dc', name: 'DC', kind: 'zone' }, t0);
    // Sellable: a cross-dock site sells what it receives, so the pallets the ingest applies move channel stock.
    createLocation(db, { id: 'receiving', name: 'Receiving', kind: 'receiving', parent: 'dc', sellable: true }, t0);
    createLocation(db, { id: 'stock', name: 'Stock', kind: 'stock', parent: 'dc', sellable: true }, t0);
    createLocation(db, { id: 'returns', name: 'Returns', kind: 'returns', parent: 'dc' }, t0);
    for (const d of doors) createLocation(db, { id: `dock-${d.door}`, name: d.door, kind: 'door', parent: 'dc' }, t0);
    createItem(db, { sku: SKU, name: 'Pallet unit', tracking: 'serial', gtins: [GTIN], standardCost: 1200 }, t0);
    db.close();
  }

  /** A connection for setting up a room's tables before the first boot (the caller closes it). */
  setupConnection(): Db {
    return openDatabase(this.path);
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Faults off: no more crashes (the heal phase). */
  heal(): void {
    this.faultsOn = false;
    this.fullFor = 0;
    this.commitFullFor = 0;
  }

  /** Start a hub process on the file. */
  boot(): void {
    this.fullFor = 0; // a burst belongs to the turn it started in: left over, it would fail every start's first write
    this.commitFullFor = 0;
    this.db?.close(); // the last process's connection: what it had not committed is gone with it
    const db = openDatabase(this.path);
    this.db = db;
    const epoch = ++this.epoch;
    const crashing = withCrashPoints(
      db,
      () => this.statement(epoch),
      () => this.commit(epoch),
    );
    const edge = () => this.edge(epoch);
    const pubacked = (topic: string, payload: Buffer) => this.checkPuback(topic, payload);
    const publishing = (topic: string, payload: Buffer) => this.checkAck(topic, payload);
    const mqtt = new SimHubMqtt(this.rt, this.broker, 'hub', { beforePuback: edge, beforePublish: edge, pubacked, publishing }, this.faults.reconnectMs);
    this.mqtt = mqtt;
    const clock = () => this.rt.now();
    this.alive = true;
    try {
      const doors = new DoorInterpreter(crashing, clock);
      doors.configure(
        this.doors.map((d) => ({
          id: d.door,
          mode: 'receiving',
          gateway: d.gateway,
          location: `dock-${d.door}`,
          receiving: 'receiving',
          stock: 'stock',
          returns: 'returns',
        })),
      );
      const ingest = new Ingest({
        db: crashing,
        mqtt,
        site: SITE,
        apply: doors.apply,
        batchScope: withBatchedInvariants,
        refuse: doors.refusal,
        record: doors.record,
        clock,
        logger: silentLogger(),
      });
      this.ingest = ingest;
      for (const r of this.rooms) r.boot(db, crashing);
      // A start that fails (its subscriptions were not confirmed) ends the process; its supervisor starts it again.
      ingest.start().catch(() => epoch === this.epoch && this.crash());
    } catch (err) {
      // Died while starting (crash() has scheduled the next start), or a write failed: the start fails, the process
      // ends and its supervisor starts it again.
      if (!(err instanceof SimCrash)) this.crash();
    }
  }

  /** Kill the hub process now (if alive) and restart it after the configured delay. */
  crash(): void {
    if (!this.alive) return;
    this.alive = false;
    this.crashes++;
    if (this.ingest) {
      this.book(this.ingest);
      void this.ingest.stop(); // its acknowledger stops: nothing of the dead process runs on
    }
    this.ingest = undefined;
    for (const r of this.rooms) r.crash();
    // What it wrote to its socket before dying (PUBACKs, acknowledgements) still goes out, or is reset with it.
    this.mqtt!.kill(this.rt.random() < 0.5);
    this.rt.setTimer(this.faults.restartMs, () => this.boot());
  }

  /** Counters of every hub process so far, per gateway (the live one's included). */
  ingestTotals(): Map<string, IngestTotals> {
    const out = new Map([...this.totals].map(([k, v]) => [k, { ...v }]));
    if (this.alive && this.ingest) this.book(this.ingest, out);
    return out;
  }

  /** Stop for good (end of run): the file is left as it is. */
  close(): void {
    if (this.alive && this.ingest) {
      this.book(this.ingest);
      void this.ingest.stop();
    }
    if (this.alive) for (const r of this.rooms) r.crash();
    this.mqtt?.kill(true);
    this.alive = false;
    this.db?.close();
    this.db = undefined;
  }

  /** A read-only connection to the file: sees only what committed. */
  static auditor(path: string): Db {
    return new Database(path, { readonly: true, fileMustExist: true });
  }

  /** Check every PUBACK against what `auditor` (a read-only connection) sees committed. */
  watch(auditor: Db): void {
    this.committedMoves = movesByEpc(auditor);
    this.committedThrough = committedThrough(auditor);
  }

  /** A HubAck the hub publishes must name only seqs its database has committed (a rolled-back batch's are not). */
  private checkAck(topic: string, payload: Buffer): void {
    if (!this.committedThrough || !topic.endsWith('/ack')) return;
    const ack = JSON.parse(payload.toString()) as HubAck;
    const committed = this.committedThrough(ack.stream);
    if (ack.through > committed)
      this.violations.push(
        `the hub acknowledged stream ${ack.stream} through seq ${ack.through}; committed through ${committed} (t=${this.rt.now() - this.t0} ms)`,
      );
  }

  private checkPuback(topic: string, payload: Buffer): void {
    if (!this.committedMoves || !topic.endsWith('/events')) return;
    const batch = JSON.parse(payload.toString()) as EventBatch;
    for (const e of batch.events) {
      if (e.kind === 'tag.pass' && this.committedMoves(e.epc) === 0)
        this.violations.push(`the hub PUBACKed ${batch.gateway} seq ${e.seq} before it committed (t=${this.rt.now() - this.t0} ms)`);
    }
  }

  private statement(epoch: number): void {
    if (!this.alive || epoch !== this.epoch) throw new SimCrash();
    if (!this.db!.inTransaction || !this.faultsOn) return;
    if (this.fullFor > 0) {
      this.fullFor--;
      return this.diskIsFull();
    }
    const r = this.rt.random();
    if (r < this.faults.crashPerStatement) {
      this.crash();
      throw new SimCrash();
    }
    // The disk refuses a write: the transaction rolls back, the process lives on, the message must come again.
    // A burst: the next transactions of the turn (a failed group's messages taken again one by one) fail too, while
    // one after the burst commits — so an acknowledgement follows a rollback with no crash between them.
    if (r < this.faults.crashPerStatement + this.faults.diskFullPerStatement) {
      this.fullFor = Math.floor(this.rt.random() * (this.faults.diskFullBurst + 1));
      this.diskIsFull();
    }
  }

  /**
   * Before an outermost transaction commits (every statement in it ran): the disk may be full now (the transaction
   * rolls back, the process lives on), and stay full for the next few commits while transactions in between still run.
   */
  private commit(epoch: number): void {
    if (!this.alive || epoch !== this.epoch) throw new SimCrash();
    if (!this.faultsOn) return;
    if (this.commitFullFor > 0) {
      this.commitFullFor--;
      return this.diskIsFull();
    }
    if (this.rt.random() < this.faults.commitFull) {
      this.commitFullFor = Math.floor(this.rt.random() * (this.faults.commitFullBurst + 1));
      this.diskIsFull();
    }
  }

  private diskIsFull(): never {
    this.diskFull++;
    throw Object.assign(new Error('sim: database or disk is full'), { code: 'SQLITE_FULL' });
  }

  private edge(epoch: number): boolean {
    if (!this.alive || epoch !== this.epoch) return true;
    if (!this.faultsOn || !(this.rt.random() < this.faults.crashAtEdge)) return false;
    this.crash();
    return true;
  }

  private book(ingest: Ingest, into = this.totals): void {
    for (const [gw, s] of Object.entries(ingest.stats().gateways)) {
      const t = into.get(gw) ?? { received: 0, applied: 0, duplicates: 0, deadLettered: 0, seqConflicts: 0, missingSeqs: 0 };
      t.received += s.received;
      t.applied += s.applied;
      t.duplicates += s.duplicates;
      t.deadLettered += s.deadLettered;
      t.seqConflicts += s.seqConflicts;
      t.missingSeqs += s.missingSeqs;
      into.set(gw, t);
    }
  }
}

/** How far a stream is committed with no seq missing below (0: not known), read through `auditor`. */
function committedThrough(auditor: Db): (stream: string) => number {
  const q = auditor.prepare(`SELECT last_seq AS last, (SELECT MIN(from_seq) FROM stream_gaps g WHERE g.stream = s.stream AND g.kind = 'missing') AS hole
    FROM streams s WHERE s.stream = ?`);
  return (stream) => {
    const row = q.get(stream) as { last: number; hole: number | null } | undefined;
    if (!row) return 0;
    return row.hole === null ? row.last : row.hole - 1; // worked out here, not with the ingest's own code it checks
  };
}

/** How many moves have committed for an EPC, read through `auditor`. */
export function movesByEpc(auditor: Db): (epc: string) => number {
  const q = auditor.prepare('SELECT COUNT(*) AS n FROM moves WHERE epc = ?').pluck();
  return (epc) => q.get(epc) as number;
}
