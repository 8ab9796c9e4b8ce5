// gateway/daemon — the assembly: one gateway.yaml in, a running dock-door gateway out. Reader reads and GPI go to the
// portal engine (ticked on a timer with the wall clock); its drafts and scan drafts go through the clock stamp to the
// outbox writer, whose writes kick the publisher. Reader and scanner state changes become `reader`/`scanner` events
// and the retained status; hub commands drive GPOs. stop() is the orderly shutdown, reload() the safe SIGHUP part.
import type { EventDraft } from '../../protocols/events/index.js';
import { componentLogger, resolveLevel, type Logger } from '../../protocols/logging/index.js';
import type { ReaderState } from '../../protocols/events/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import { repeatTimer, systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';
import type { GatewayConfig } from '../config/schema.js';
import { portalConfigOf } from '../config/portal.js';
import { Outbox, OutboxWriter } from '../outbox/index.js';
import { PortalEngine } from '../portal/index.js';
import { Publisher } from '../publisher/index.js';
import { HidScanner, ScannerSession, SerialScanner, type HidModule } from '../scanners/index.js';
import { ReaderClocks } from './clock.js';
import { CommandRunner, doorOutputsOf } from './commands.js';
import { GatewayMetrics, serveMetrics, type MetricsServer } from './metrics.js';
import { hidScannerOptionsOf, publisherOptionsOf, scannerSessionOptionsOf, serialScannerOptionsOf } from './options.js';
import { createReaderClient, type ReaderClient } from './readers.js';
import { StatusReporter, buildStatus } from './status.js';

export const GATEWAY_VERSION = '0.1.0';

/**
 * The read journal's group commit: reads taken since the last commit go in one transaction this often. A crash loses
 * at most this much of the newest reads; 250 ms writes a quarter of what a commit per 50 ms tick would (SD cards:
 * `npm run bench -- journal`).
 */
export const JOURNAL_COMMIT_MS = 250;

/** Journaled evidence older than this at start-up is decided as interrupted (the gateway was down too long). */
export const REPLAY_FRESH_MS = 60_000;

export interface GatewayDaemonOptions {
  logger: Logger;
  /** node-hid, when it loaded (checkHidSupport); HID scanners need it. */
  hid?: HidModule;
  /** Gateway time, timers and randomness, handed to the parts that take them. Default: the system's. */
  runtime?: Runtime;
  /** Portal engine tick period. Default 50 ms. */
  tickMs?: number;
  /** Status republish period. Default 30 s. */
  statusRefreshMs?: number;
  /** On stop: how long the publisher may take to get in-flight and fresh events acknowledged. Default 3 s. */
  shutdownFlushMs?: number;
}

type Scanner = SerialScanner | HidScanner;

/** Wait for `p`, but no longer than `ms` on the runtime's timers; says whether it finished. */
async function within(runtime: Pick<Runtime, 'setTimer'>, p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: Timer | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((res) => (t = runtime.setTimer(ms, () => res(false))))]);
  t?.cancel();
  return r;
}

export class GatewayDaemon {
  readonly outbox: Outbox;
  readonly engine: PortalEngine;
  readonly publisher: Publisher;
  readonly readers = new Map<string, ReaderClient>();
  readonly scanners = new Map<string, Scanner>();
  readonly metrics: GatewayMetrics;
  readonly commands: CommandRunner;
  readonly clocks: ReaderClocks;
  private readonly writer: OutboxWriter;
  private readonly status: StatusReporter;
  private readonly log: Logger;
  private readonly root: Logger;
  private readonly runtime: Runtime;
  /** Gateway wall clock, ms: the runtime's, in the shape the older parts take. */
  private readonly clock: () => number;
  private readonly startedAtMs: number;
  private config: GatewayConfig;
  private metricsServer: MetricsServer | undefined;
  private tickTimer: Timer | undefined;
  private houseTimer: Timer | undefined;
  private lastTickMs: number;
  private lastWriteMs: number;
  private stopping = false;
  private writerClosed = false;
  private readonly readerEventState = new Map<string, ReaderState>();
  /** Reads taken as evidence since the last group commit (JOURNAL_COMMIT_MS). */
  private journalBuf: TagRead[] = [];
  private lastJournalPruneMs = 0;
  private lastJournalCommitMs = 0;
  private readonly scannerEventState = new Map<string, string>();

  /** Open the outbox and build every component (nothing connects yet: see start()). Throws on a bad setting. */
  constructor(
    config: GatewayConfig,
    private readonly opts: GatewayDaemonOptions,
  ) {
    this.config = config;
    this.root = opts.logger;
    this.log = componentLogger(opts.logger, 'daemon');
    this.runtime = opts.runtime ?? systemRuntime;
    this.clock = () => this.runtime.now();
    this.startedAtMs = this.clock();
    this.lastTickMs = this.lastWriteMs = this.startedAtMs;
    const hidScanners = config.scanners.filter((s) => s.type === 'hid').map((s) => s.id);
    if (hidScanners.length > 0 && !opts.hid) throw new Error(`HID scanners configured (${hidScanners.join(', ')}) but node-hid is not available`);

    this.engine = new PortalEngine(portalConfigOf(config), opts.logger);
    this.outbox = Outbox.open({
      path: config.outbox.path,
      logger: componentLogger(opts.logger, 'outbox'),
      maxRows: config.outbox.maxRows,
      maxBytes: config.outbox.maxBytes,
    });
    try {
      this.publisher = new Publisher({
        ...publisherOptionsOf(config),
        outbox: this.outbox,
        runtime: this.runtime,
        logger: componentLogger(opts.logger, 'mqtt'),
      });
    } catch (err) {
      this.outbox.close();
      throw err;
    }
    this.writer = new OutboxWriter(this.outbox, {
      logger: componentLogger(opts.logger, 'outbox-writer'),
      runtime: this.runtime,
      onWritten: () => {
        this.lastWriteMs = this.clock();
        this.publisher.kick();
      },
    });
    this.clocks = new ReaderClocks(config.clock, componentLogger(opts.logger, 'clock'), () => this.status.changed());
    this.status = new StatusReporter({
      build: () => this.buildStatus(),
      publish: (s) => this.publisher.publishStatus(s),
      logger: componentLogger(opts.logger, 'status'),
      refreshMs: opts.statusRefreshMs,
      runtime: this.runtime,
    });
    this.commands = new CommandRunner(
      {
        doors: config.portal.doors.map((d) => d.id),
        outputs: doorOutputsOf(config.readers),
        hasReader: (id) => this.readers.has(id),
        isReading: (id) => this.readers.get(id)?.state === 'reading',
        notApplied: (id, reason) => this.emit([{ kind: 'reader', reader: id, state: this.readers.get(id)?.state ?? 'stopped', error: reason.slice(0, 1024) }]),
        setGpo: (id, port, state) => this.readers.get(id)!.setGpo(port, state),
        restartReader: (id, reason) => this.readers.get(id)!.restart(reason),
        reportStatus: () => this.status.now(),
        statusChanged: () => this.status.changed(),
      },
      { logger: componentLogger(opts.logger, 'commands'), runtime: this.runtime },
    );
    this.metrics = new GatewayMetrics({
      outbox: this.outbox,
      publisher: () => this.publisher.state(),
      readers: () => [...this.readers.values()].map((r) => r.health()),
      scanners: () => [...this.scanners.values()].map((s) => s.health()),
      journal: this.outbox.journal,
      gpo: { counts: this.commands.gpo, pending: () => this.commands.pendingGpo() },
      runtime: this.runtime,
    });

    for (const r of config.readers) {
      const client = createReaderClient(r, opts.logger, this.runtime);
      client.on('reads', (reads) => {
        this.metrics.countReads(reads);
        const engine = this.engine;
        const buf = this.journalBuf;
        for (let i = 0; i < reads.length; i++) if (engine.ingest(reads[i]!)) buf.push(reads[i]!);
      });
      client.on('gpi', (change) => this.engine.gpi(change));
      client.on('state', (change) => this.onReaderState(r.id, change.state, change.reason));
      this.readers.set(r.id, client);
    }
    this.replayJournal();
    for (const s of config.scanners) {
      const scanner: Scanner =
        s.type === 'serial'
          ? new SerialScanner(serialScannerOptionsOf(s), opts.logger, undefined, this.runtime)
          : new HidScanner(hidScannerOptionsOf(s), opts.logger, async () => opts.hid!, this.runtime);
      const session = new ScannerSession(scannerSessionOptionsOf(s), this.clock);
      const slog = componentLogger(opts.logger, 'scanner', { scanner: s.id });
      scanner.on('code', (code) => {
        const out = session.scan(code);
        if (out.rejected) slog.warn({ raw: out.draft.raw, reason: out.rejected }, `scan not accepted as what it claims: ${out.rejected}`);
        this.emit([out.draft]);
      });
      scanner.on('state', (change) => this.onScannerState(s.id, change.state, change.reason));
      this.scanners.set(s.id, scanner);
    }
  }

  /** Connect: publisher, readers, scanners, the engine's tick, status, metrics. */
  async start(): Promise<void> {
    const c = this.config;
    if (c.metrics) this.metricsServer = await serveMetrics(this.metrics, c.metrics.host, c.metrics.port, componentLogger(this.root, 'metrics'));
    this.publisher.on('connect', () => this.status.now());
    this.publisher.onCommand((cmd) => this.commands.handle(cmd));
    this.publisher.start();
    for (const r of this.readers.values()) r.start();
    for (const s of this.scanners.values()) s.start();
    const tickMs = this.opts.tickMs ?? 50;
    this.tickTimer = repeatTimer(this.runtime, tickMs, () => this.tick());
    this.houseTimer = repeatTimer(this.runtime, 1000, () => this.housekeeping());
    this.status.start();
    this.log.info(
      {
        version: GATEWAY_VERSION,
        stream: this.outbox.stream,
        readers: [...this.readers.keys()],
        scanners: [...this.scanners.keys()],
        doors: c.portal.doors.map((d) => d.id),
        outboxDepth: this.outbox.depth(),
        tickMs,
      },
      'gateway running',
    );
  }

  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  /** The watchdog's question: is the event loop turning (the engine ticks) and does the outbox take writes? */
  healthy(): boolean {
    const now = this.clock();
    if (now - this.lastTickMs > 5000) return false;
    if (this.writer.waiting() > 0 && now - this.lastWriteMs > 10_000) return false;
    try {
      this.outbox.oldestAgeMs(now); // a read of the database
    } catch {
      return false;
    }
    return true;
  }

  /**
   * SIGHUP: apply what is safe to change while running — log level, portal tuning (engine.retune: open passages carry
   * on), clock thresholds. Everything else (readers, scanners, mqtt, outbox, metrics, doors, ids) is reported as
   * needing a restart and left as it runs.
   */
  reload(next: GatewayConfig): { applied: string[]; needsRestart: string[] } {
    const prev = this.config;
    const applied: string[] = [];
    const needsRestart: string[] = [];
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (next.logLevel !== prev.logLevel) {
      this.root.level = resolveLevel(next.logLevel);
      applied.push('logLevel');
    }
    if (!same(next.portal, prev.portal)) {
      try {
        this.engine.retune(portalConfigOf(next));
        applied.push('portal parameters');
      } catch (err) {
        needsRestart.push(`portal (${(err as Error).message})`);
      }
    }
    if (!same(next.clock, prev.clock)) {
      this.clocks.setOptions(next.clock);
      applied.push('clock');
    }
    for (const k of ['site', 'gateway', 'readers', 'scanners', 'mqtt', 'outbox', 'metrics'] as const) if (!same(next[k], prev[k])) needsRestart.push(k);
    // Keep what runs: only the applied parts of the new config take over.
    this.config = { ...prev, logLevel: next.logLevel, clock: next.clock, ...(applied.includes('portal parameters') ? { portal: next.portal } : {}) };
    this.log.info(
      { applied, needsRestart },
      `configuration reloaded: applied ${applied.join(', ') || 'nothing (no safe key changed)'}${needsRestart.length ? `; changed but needing a restart: ${needsRestart.join(', ')}` : ''}`,
    );
    return { applied, needsRestart };
  }

  /**
   * Orderly stop: readers close with CLOSE_CONNECTION, scanners close, the engine's open passages are decided and
   * written, the publisher gets `shutdownFlushMs` to have in-flight and fresh events acknowledged, the outbox closes.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.tickTimer?.cancel();
    this.houseTimer?.cancel();
    this.status.stop();
    this.commands.stop();
    const readersClosed = await within(this.runtime, Promise.all([...this.readers.values()].map((r) => r.stop())), 2500);
    if (!readersClosed) this.log.warn('readers did not close within 2.5 s; going on');
    await within(this.runtime, Promise.all([...this.scanners.values()].map((s) => s.stop())), 1000);
    this.emit(this.engine.tick(this.clock()));
    this.emit(this.engine.flush());
    const made = this.writer.close();
    this.writerClosed = true;
    this.publisher.kick();
    await this.publisher.stop({ flushMs: this.opts.shutdownFlushMs ?? 3000 });
    this.log.info({ finalEvents: made.length, outboxDepth: this.outbox.depth(), lastSeq: this.outbox.lastSeq() }, 'outbox closing');
    this.outbox.close();
    await this.metricsServer?.close();
  }

  // ------------------------------------------------------------------------------------------------------------

  /**
   * Start-up: the journal's reads (passages the previous process had not decided when it died) go back into the
   * engine, which decides them on its first ticks. Evidence older than REPLAY_FRESH_MS is marked interrupted.
   */
  private replayJournal(): void {
    const reads = this.outbox.journal.replay();
    if (reads.length === 0) return;
    let last = -Infinity;
    for (const r of reads) {
      this.engine.ingest(r);
      if (r.arrival! > last) last = r.arrival!;
    }
    const age = this.clock() - last;
    if (age > REPLAY_FRESH_MS) for (const id of this.readers.keys()) this.engine.readerDown(id, last);
    this.log.info(
      { reads: reads.length, ageMs: Math.round(age), interrupted: age > REPLAY_FRESH_MS },
      'read journal replayed: passages in progress at the last stop are decided now',
    );
  }

  /** Group commit of the reads taken as evidence since the last commit (every JOURNAL_COMMIT_MS). */
  private journalReads(now: number): void {
    const buf = this.journalBuf;
    if (buf.length > 0 && now - this.lastJournalCommitMs >= JOURNAL_COMMIT_MS) {
      this.lastJournalCommitMs = now;
      this.journalBuf = [];
      try {
        this.outbox.journal.append(buf);
      } catch (err) {
        this.log.error(
          { err, reads: buf.length },
          'read journal: write failed; these reads are not durable (their passes still go out unless the gateway dies)',
        );
      }
    }
    if (now - this.lastJournalPruneMs >= 60_000) {
      this.lastJournalPruneMs = now;
      try {
        const n = this.outbox.journal.prune(now);
        if (n > 0) this.log.info({ rows: n }, 'read journal: dropped rows of tags never accepted (too old) or beyond its cap');
      } catch (err) {
        this.log.error({ err }, 'read journal: prune failed');
      }
    }
  }

  private tick(): void {
    const now = this.clock();
    this.lastTickMs = now;
    this.journalReads(now);
    const drafts = this.engine.tick(now);
    if (drafts.length > 0) this.emit(drafts);
  }

  private housekeeping(): void {
    const now = this.clock();
    this.metrics.sample(now);
    for (const [id, r] of this.readers) this.clocks.observe(id, r.health().clockOffsetMs);
  }

  /** Drafts to the outbox (through the clock stamp and the counters). */
  private emit(drafts: EventDraft[]): void {
    if (drafts.length === 0) return;
    if (this.writerClosed) {
      this.log.warn({ kinds: drafts.map((d) => d.kind) }, 'event after the outbox closed (shutting down): not stored');
      return;
    }
    this.metrics.countDrafts(drafts);
    for (const d of drafts) this.writer.add(this.clocks.stamp(d));
  }

  /**
   * Reader events: `reading` (connected), `backoff` (the link failed: once per failing run, not per retry), `stopped`.
   * The transitional connecting/configuring states and every retry show in the status, not as events.
   */
  private onReaderState(reader: string, state: ReaderState, reason: string): void {
    const last = this.readerEventState.get(reader);
    // The portal learns of outages: a passage whose evidence spans one is published as interrupted.
    if (state === 'reading') {
      this.engine.readerUp(reader, this.clock());
      void this.commands.readerReady(reader); // GPO writes that waited for it
    } else if (last === 'reading') this.engine.readerDown(reader, this.clock());
    if ((state === 'reading' || state === 'backoff' || state === 'stopped') && state !== last) {
      this.readerEventState.set(reader, state);
      this.emit([{ kind: 'reader', reader, state, reason: reason.slice(0, 1024) }]);
    }
    this.status.changed();
  }

  private onScannerState(scanner: string, state: 'open' | 'closed' | 'unavailable', reason: string): void {
    if (this.scannerEventState.get(scanner) !== state) {
      this.scannerEventState.set(scanner, state);
      this.emit([{ kind: 'scanner', scanner, state, reason: reason.slice(0, 1024) }]);
    }
    this.status.changed();
  }

  private buildStatus() {
    return buildStatus(
      {
        gateway: this.config.gateway,
        version: GATEWAY_VERSION,
        startedAtMs: this.startedAtMs,
        stream: this.outbox.stream,
        readers: () => [...this.readers.values()].map((r) => r.health()),
        readerDoors: (id) => [...new Set(this.config.readers.find((r) => r.id === id)?.antennas.map((a) => a.door) ?? [])],
        scanners: () => [...this.scanners.values()].map((s) => s.health()),
        outbox: this.outbox,
        clockOffsetMs: () => this.clocks.largest(),
        doors: () => this.commands.doorStates(),
      },
      this.clock(),
    );
  }
}
