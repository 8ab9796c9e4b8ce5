// gateway/daemon — the gateway's own small Prometheus endpoint (prom-client, off unless gateway.yaml has `metrics`):
// reads and reads/s per antenna, passes per door and direction (interrupted ones apart), events written, outbox depth,
// the read journal, GPO writes, MQTT state, readers.
// Counting on the hot path is a typed-array increment per read; everything else is read from the components at scrape.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventDraft } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import type { ReaderHealth } from '../llrp/client.js';
import type { PublisherState } from '../publisher/index.js';
import { systemRuntime, type Runtime } from '../../runtime/runtime.js';

export interface MetricsSources {
  outbox: { depth(): number; bytes(): number; oldestAgeMs(nowMs: number): number; dropped(): number };
  publisher(): PublisherState;
  readers(): ReaderHealth[];
  scanners(): Array<{ id: string; state: string }>;
  journal: { rows(): number; bytes(): number; counts: { commits: number; appended: number; replayed: number; forgotten: number; pruned: number } };
  gpo: { counts: { applied: number; refused: number; expired: number }; pending(): number };
  /** the clock the outbox's age is read on; default the system's */
  runtime?: Pick<Runtime, 'now'>;
}

/** Rates over this window of 1-s samples. */
const RATE_WINDOW = 10;
const READER_STATES = ['connecting', 'configuring', 'reading', 'backoff', 'stopped'] as const;

interface AntennaCounts {
  totals: Float64Array;
  /** Ring of per-second snapshots of totals, RATE_WINDOW + 1 deep. */
  ring: Float64Array[];
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly antennas = new Map<string, AntennaCounts>();
  private ringAt = 0;
  private samples = 0;
  private lastSampleMs = 0;
  private readonly sampleTimes = new Float64Array(RATE_WINDOW + 1);
  private readonly passes = new Map<string, number>();
  private readonly interrupted = new Map<string, number>();
  private readonly events = new Map<string, number>();

  constructor(private readonly src: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'dockgate_gateway_' });
    const antennas = this.antennas;
    const passes = this.passes;
    const interrupted = this.interrupted;
    const events = this.events;
    const rates = () => this.rates();
    new Counter({
      name: 'dockgate_gateway_reads_total',
      help: 'Tag reads received, per reader antenna',
      labelNames: ['reader', 'antenna'],
      registers: [r],
      collect() {
        this.reset();
        for (const [reader, a] of antennas) a.totals.forEach((n, i) => n > 0 && this.inc({ reader, antenna: String(i) }, n));
      },
    });
    new Gauge({
      name: 'dockgate_gateway_reads_per_second',
      help: `Tag reads per second over the last ${RATE_WINDOW} s, per reader antenna`,
      labelNames: ['reader', 'antenna'],
      registers: [r],
      collect() {
        this.reset();
        for (const [reader, perAntenna] of rates()) perAntenna.forEach((v, antenna) => this.set({ reader, antenna: String(antenna) }, v));
      },
    });
    new Counter({
      name: 'dockgate_gateway_passes_total',
      help: 'tag.pass events decided by the portal engine, per door and direction',
      labelNames: ['door', 'direction'],
      registers: [r],
      collect() {
        this.reset();
        for (const [k, n] of passes) {
          const [door, direction] = k.split(' ');
          this.inc({ door: door!, direction: direction! }, n);
        }
      },
    });
    new Counter({
      name: 'dockgate_gateway_interrupted_passes_total',
      help: 'tag.pass events whose evidence spans a reader outage (interrupted: true; also counted in passes_total), per door and direction',
      labelNames: ['door', 'direction'],
      registers: [r],
      collect() {
        this.reset();
        for (const [k, n] of interrupted) {
          const [door, direction] = k.split(' ');
          this.inc({ door: door!, direction: direction! }, n);
        }
      },
    });
    new Counter({
      name: 'dockgate_gateway_events_total',
      help: 'Event drafts handed to the outbox, per kind',
      labelNames: ['kind'],
      registers: [r],
      collect() {
        this.reset();
        for (const [kind, n] of events) this.inc({ kind }, n);
      },
    });
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers: [r],
        collect() {
          this.set(value());
        },
      });
    gauge('dockgate_gateway_outbox_depth', 'Events stored in the outbox: the ones the hub does not yet have for sure (unsent, in flight or unconfirmed)', () =>
      src.outbox.depth(),
    );
    gauge(
      'dockgate_gateway_outbox_unconfirmed_events',
      'Events the broker acknowledged (PUBACK) on this connection that the hub has not yet confirmed (mqtt.confirm: hub)',
      () => src.publisher().unconfirmedEvents,
    );
    gauge(
      'dockgate_gateway_hub_confirmed_seq',
      "The highest seq of this gateway's stream the hub has confirmed applied (0: none since start)",
      () => src.publisher().hubConfirmedSeq,
    );
    gauge('dockgate_gateway_hub_confirmed_events', "Outbox rows deleted on the hub's acknowledgement since start", () => src.publisher().confirmedEvents);
    gauge(
      'dockgate_gateway_hub_confirm_timeouts',
      'Times unconfirmed events were published again because the hub confirmed nothing new for mqtt.confirmTimeoutMs',
      () => src.publisher().confirmTimeouts,
    );
    gauge('dockgate_gateway_outbox_bytes', 'Bytes of event JSON in the outbox', () => src.outbox.bytes());
    gauge(
      'dockgate_gateway_outbox_oldest_age_seconds',
      'Age of the oldest event in the outbox',
      () => src.outbox.oldestAgeMs((src.runtime ?? systemRuntime).now()) / 1000,
    );
    gauge('dockgate_gateway_outbox_dropped_events', 'Events dropped for the outbox size cap since it was created (each recorded by a gap event)', () =>
      src.outbox.dropped(),
    );
    gauge('dockgate_gateway_journal_rows', 'Reads in the read journal: evidence of passages not yet decided (pruned when the pass is stored)', () =>
      src.journal.rows(),
    );
    gauge('dockgate_gateway_journal_bytes', 'Payload bytes of the read journal (text columns + 8 per number; SQLite page overhead not counted)', () =>
      src.journal.bytes(),
    );
    const counter = (name: string, help: string, value: () => number) =>
      new Counter({
        name,
        help,
        registers: [r],
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    counter('dockgate_gateway_journal_commits_total', 'Group commits of the read journal since start (one transaction each)', () => src.journal.counts.commits);
    counter('dockgate_gateway_journal_reads_total', 'Reads written to the read journal since start', () => src.journal.counts.appended);
    counter(
      'dockgate_gateway_journal_replayed_reads_total',
      'Journaled reads replayed into the portal engine at start (passages the previous process had not decided)',
      () => src.journal.counts.replayed,
    );
    counter('dockgate_gateway_journal_forgotten_reads_total', 'Journal rows deleted with their stored pass since start', () => src.journal.counts.forgotten);
    counter(
      'dockgate_gateway_journal_pruned_reads_total',
      'Journal rows dropped as too old (tags never accepted) or beyond the cap since start',
      () => src.journal.counts.pruned,
    );
    new Counter({
      name: 'dockgate_gateway_gpo_writes_total',
      help: 'GPO writes (lights, horns, gpo.set) by outcome: applied (the reader acknowledged), refused (the reader said no), expired (its reader was not back in time); refused and expired ones are also reported as reader events',
      labelNames: ['outcome'],
      registers: [r],
      collect() {
        this.reset();
        for (const [outcome, n] of Object.entries(src.gpo.counts)) this.inc({ outcome }, n);
      },
    });
    gauge('dockgate_gateway_gpo_pending_writes', 'GPO writes waiting for their reader to come back (the latest state per port)', () => src.gpo.pending());
    gauge('dockgate_gateway_mqtt_connected', '1 while connected to the broker', () => (src.publisher().connected ? 1 : 0));
    gauge('dockgate_gateway_mqtt_connects', 'Successful broker connections since start', () => src.publisher().connects);
    gauge('dockgate_gateway_mqtt_failed_attempts', 'Failed connection attempts since the last success', () => src.publisher().attempts);
    gauge('dockgate_gateway_mqtt_inflight_messages', 'Events messages published and not yet acknowledged', () => src.publisher().inFlight);
    gauge('dockgate_gateway_mqtt_published_events', 'Events published since start (re-sends included)', () => src.publisher().publishedEvents);
    gauge('dockgate_gateway_mqtt_acked_events', 'Events acknowledged by the broker since start', () => src.publisher().ackedEvents);
    new Gauge({
      name: 'dockgate_gateway_reader_state',
      help: '1 for the state each reader is in',
      labelNames: ['reader', 'state'],
      registers: [r],
      collect() {
        this.reset();
        for (const h of src.readers()) for (const s of READER_STATES) this.set({ reader: h.id, state: s }, h.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dockgate_gateway_reader_clock_offset_ms',
      help: "Reader clock minus the gateway's, ms",
      labelNames: ['reader'],
      registers: [r],
      collect() {
        this.reset();
        for (const h of src.readers()) if (h.clockOffsetMs !== undefined && Number.isFinite(h.clockOffsetMs)) this.set({ reader: h.id }, h.clockOffsetMs);
      },
    });
    new Gauge({
      name: 'dockgate_gateway_scanner_open',
      help: '1 while a scanner is open',
      labelNames: ['scanner'],
      registers: [r],
      collect() {
        this.reset();
        for (const s of src.scanners()) this.set({ scanner: s.id }, s.state === 'open' ? 1 : 0);
      },
    });
  }

  /** Hot path: one reader's batch of reads. */
  countReads(reads: readonly TagRead[]): void {
    let reader = '';
    let a: AntennaCounts | undefined;
    for (let i = 0; i < reads.length; i++) {
      const read = reads[i]!;
      if (read.reader !== reader || a === undefined) {
        reader = read.reader;
        a = this.antennas.get(reader);
        if (a === undefined) {
          a = { totals: new Float64Array(9), ring: Array.from({ length: RATE_WINDOW + 1 }, () => new Float64Array(9)) };
          this.antennas.set(reader, a);
        }
      }
      const ant = read.antenna;
      if (ant >= a.totals.length) this.grow(a, ant + 1);
      a.totals[ant]! += 1;
    }
  }

  countDrafts(drafts: readonly EventDraft[]): void {
    for (const d of drafts) {
      this.events.set(d.kind, (this.events.get(d.kind) ?? 0) + 1);
      if (d.kind === 'tag.pass') {
        const k = `${d.door} ${d.direction}`;
        this.passes.set(k, (this.passes.get(k) ?? 0) + 1);
        if (d.interrupted) this.interrupted.set(k, (this.interrupted.get(k) ?? 0) + 1);
      }
    }
  }

  /** Take the per-second snapshot the rates come from (the daemon calls this every second). */
  sample(nowMs: number): void {
    this.ringAt = (this.ringAt + 1) % (RATE_WINDOW + 1);
    for (const a of this.antennas.values()) a.ring[this.ringAt]!.set(a.totals);
    this.sampleTimes[this.ringAt] = nowMs;
    this.lastSampleMs = nowMs;
    this.samples++;
  }

  /** reads/s per reader and antenna over the window (or what there is of it). */
  rates(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    if (this.samples < 2) return out;
    const span = Math.min(this.samples - 1, RATE_WINDOW);
    const oldest = (this.ringAt - span + RATE_WINDOW + 1) % (RATE_WINDOW + 1);
    const secs = (this.lastSampleMs - this.sampleTimes[oldest]!) / 1000;
    if (!(secs > 0)) return out;
    for (const [reader, a] of this.antennas) {
      const now = a.ring[this.ringAt]!;
      const then = a.ring[oldest]!;
      const rates: number[] = [];
      for (let i = 0; i < now.length; i++) if (now[i]! > 0) rates[i] = (now[i]! - then[i]!) / secs;
      out.set(reader, rates);
    }
    return out;
  }

  private grow(a: AntennaCounts, n: number): void {
    const widen = (x: Float64Array) => {
      const y = new Float64Array(Math.max(n, x.length * 2));
      y.set(x);
      return y;
    };
    a.totals = widen(a.totals);
    a.ring = a.ring.map(widen);
  }
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serve GET /metrics on host:port (0 = a free port). */
export async function serveMetrics(metrics: GatewayMetrics, host: string, port: number, log: Logger): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => {
        log.error({ err }, 'metrics: collecting failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`metrics: cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  log.info({ host, port: bound }, `metrics on http://${host}:${bound}/metrics`);
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
