// hub/db — WAL checkpoints off the hub's thread. SQLite's automatic checkpoint runs inside the commit that crosses
// wal_autocheckpoint, on the hub's one thread: it copies the WAL's pages home and fsyncs the database file while every
// message, request and timer waits. Started, the hub's connection turns that off and a worker thread with a connection
// of its own runs a PASSIVE checkpoint (never blocks the writer nor a reader) every `everyMs`, on the other core.
// Durability is the commit's (WAL, synchronous=FULL): a checkpoint only moves committed pages home, and a crash in the
// middle of one is recovered from the WAL as before. Should the worker fail, the hub's connection checkpoints itself
// again (wal_autocheckpoint as openDatabase sets it). And one that writes without a pause (a catch-up) gets its WAL
// started over now and then: see `startOver`.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../protocols/logging/index.js';
import { repeatTimer, type Runtime, type Timer } from '../../runtime/runtime.js';
import { WAL_AUTOCHECKPOINT_PAGES, type Db } from './database.js';

/** Plain JS (an eval'd worker runs without the TypeScript loader): open the database, checkpoint when told, close. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  const [r] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ by: 'worker', busy: r.busy, log: r.log, checkpointed: r.checkpointed });
});
`;

export interface CheckpointResult {
  /** Which connection ran it: the worker's, or the hub's own between two of its transactions (`startOver`). */
  by: 'worker' | 'hub';
  /** 1 when the checkpoint could not start (another checkpoint held the lock). */
  busy: number;
  /** Frames in the WAL, and how many of them are home in the database file now. */
  log: number;
  checkpointed: number;
}

export interface CheckpointerOptions {
  /** How often the worker checkpoints (ms). */
  everyMs?: number;
  /** WAL frames from which the hub's connection finishes a checkpoint itself so that the WAL starts over (`startOver`). */
  startOverFrames?: number;
  /** Every checkpoint's result, the worker's and the hub's own. */
  onCheckpoint?: (r: CheckpointResult) => void;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly timer: Timer;
  private waiting = false;
  private closed = false;
  private failed = false;
  private readonly done: Promise<void>;

  /** Starts the worker on the database at `path`, which `db` (the hub's connection) has open in WAL mode. */
  constructor(
    private readonly db: Db,
    path: string,
    private readonly log: Logger,
    runtime: Pick<Runtime, 'setTimer'>,
    { everyMs = 200, startOverFrames = WAL_AUTOCHECKPOINT_PAGES, onCheckpoint }: CheckpointerOptions = {},
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { path, driver } });
    this.worker.on('message', (r: CheckpointResult) => {
      this.waiting = false;
      onCheckpoint?.(r);
      if (r.log >= startOverFrames) {
        const own = this.startOver();
        if (own) onCheckpoint?.(own);
      }
    });
    this.done = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.once('error', (err) => this.fail(err));
    this.worker.once('exit', (code) => (this.closed ? undefined : this.fail(new Error(`checkpoint worker exited (${code})`))));
    db.pragma('wal_autocheckpoint = 0');
    this.timer = repeatTimer(runtime, everyMs, () => this.tick()); // cancelled by close() or a failure
  }

  /** Whether checkpoints run on the worker (false once it failed: the hub's connection checkpoints itself again). */
  get running(): boolean {
    return !this.closed && !this.failed;
  }

  private tick(): void {
    if (this.waiting || !this.running) return;
    this.waiting = true;
    this.worker.postMessage('checkpoint');
  }

  /**
   * SQLite starts the WAL over from its beginning only when a write transaction begins with every frame already home,
   * and a hub that writes without a pause (a catch-up) begins its next group before the worker's checkpoint has reached
   * the WAL's end: the WAL grew for the whole drain (1.2 GiB for 1,000,000 receipts, more than the database itself),
   * every frame in a new file block the kernel allocates and zeroes (the zeroing alone 6 % of the hub's CPU in `perf`),
   * and the file stays that large on disk. So once the WAL holds `startOverFrames`, the hub's connection, here between
   * two of its transactions (a message handler never runs inside one), checkpoints itself what was written since the
   * worker's checkpoint (PASSIVE: it never waits; the worker is idle until its next tick): then its next write starts
   * the WAL over, in blocks already in the page cache. Undefined when it could not run (inside a transaction, closed).
   */
  private startOver(): CheckpointResult | undefined {
    if (!this.running || !this.db.open || this.db.inTransaction) return undefined;
    const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as Array<Omit<CheckpointResult, 'by'>>;
    this.log.debug({ ...r }, 'WAL checkpointed on the hub connection so that it starts over');
    return { by: 'hub', busy: r!.busy, log: r!.log, checkpointed: r!.checkpointed };
  }

  private fail(err: Error): void {
    if (this.failed || this.closed) return;
    this.failed = true;
    this.timer.cancel();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    this.log.error({ err: err.message }, 'WAL checkpoint worker failed: the hub checkpoints on its own thread again');
  }

  /** Stops the worker (before the hub's connection closes: its close then checkpoints what is left). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer.cancel();
    if (!this.failed) this.worker.postMessage('close');
    await this.done;
  }
}
