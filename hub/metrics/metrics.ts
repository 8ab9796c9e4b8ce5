// hub/metrics — the hub's Prometheus metrics (prom-client, one registry per hub): ingest counters per gateway, ingest
// latency, moves per reason, open variances / exceptions per type, gateway and reader state, outbox depth, the
// status verdict, channel sync (hub/channels' own metrics, fed from its health), HTTP requests. Counters that other
// rooms already count (ingest, moves) are read from them at scrape time, so the hot paths carry nothing extra.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/database.js';
import { ChannelMetrics } from '../channels/metrics.js';
import type { Ingest } from '../ingest/ingest.js';
import { ingestLatencyS, type AppliedEventBus } from '../status/applied-bus.js';
import { openExceptionCounts } from '../status/exceptions.js';
import type { OpsProviders } from '../status/providers.js';
import type { StatusService } from '../status/service.js';

export interface MetricsDeps {
  db: Db;
  ingest: Ingest;
  status: StatusService;
  bus: AppliedEventBus;
  providers: OpsProviders;
  /** Process metrics (CPU, memory, event loop lag); default true. */
  processMetrics?: boolean;
}

export class HubMetrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status_code'>;
  private channelMetrics: ChannelMetrics | undefined;

  constructor(private readonly d: MetricsDeps) {
    const registers = [this.registry];
    if (d.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'dockgate_hub_' });

    const perGateway = (name: string, help: string, pick: (s: ReturnType<Ingest['stats']>['gateways'][string]) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['gateway'],
        registers,
        collect() {
          this.reset();
          for (const [gateway, s] of Object.entries(d.ingest.stats().gateways)) this.inc({ gateway }, pick(s));
        },
      });
    perGateway('dockgate_events_received_total', 'events received in valid batches', (s) => s.received);
    perGateway('dockgate_events_applied_total', 'events applied (new ids)', (s) => s.applied);
    perGateway('dockgate_events_duplicate_total', 'event ids received again (redelivery)', (s) => s.duplicates);
    perGateway('dockgate_events_dead_lettered_total', 'messages or events put into dead letters', (s) => s.deadLettered);
    perGateway('dockgate_ingest_apply_failures_total', 'batch transactions rolled back (message not acknowledged)', (s) => s.applyFailures);

    const latency = new Histogram({
      name: 'dockgate_ingest_latency_seconds',
      help: 'from an event\'s creation on the gateway to the commit that applied it on the hub',
      labelNames: ['gateway'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    d.bus.on((applied) => {
      for (const a of applied) latency.observe({ gateway: a.gateway }, ingestLatencyS(a));
    });

    const movesSql = d.db.prepare('SELECT reason, COUNT(*) AS n, MAX(seq) AS last FROM moves WHERE seq > ? GROUP BY reason');
    const moveCounts = new Map<string, number>();
    let lastSeq = 0;
    new Counter({
      name: 'dockgate_moves_total',
      help: 'ledger moves posted, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        // Only the moves posted since the last scrape are counted (seq is the primary key).
        for (const r of movesSql.all(lastSeq) as Array<{ reason: string; n: number; last: number }>) {
          moveCounts.set(r.reason, (moveCounts.get(r.reason) ?? 0) + r.n);
          lastSeq = Math.max(lastSeq, r.last);
        }
        this.reset();
        for (const [reason, n] of moveCounts) this.inc({ reason }, n);
      },
    });

    new Gauge({
      name: 'dockgate_open_exceptions',
      help: 'door exceptions not resolved, by type',
      labelNames: ['type'],
      registers,
      collect() {
        this.reset();
        for (const [type, n] of Object.entries(openExceptionCounts(d.db).byType)) this.set({ type }, n);
      },
    });
    new Gauge({
      name: 'dockgate_open_variances',
      help: 'open variances by type (from the variances room, when it runs)',
      labelNames: ['type'],
      registers,
      collect() {
        this.reset();
        for (const [type, n] of Object.entries(d.providers.variances?.openByType() ?? {})) this.set({ type }, n);
      },
    });

    // Gateway, reader and verdict gauges come from one status report per scrape (collected in `render`).
    this.gatewayUp = new Gauge({ name: 'dockgate_gateway_up', help: '1 when the gateway is online and not silent longer than status.gatewaySilentS', labelNames: ['gateway'], registers });
    this.gatewaySilent = new Gauge({ name: 'dockgate_gateway_silent_seconds', help: 'seconds since the hub last heard from the gateway', labelNames: ['gateway'], registers });
    this.outboxDepth = new Gauge({ name: 'dockgate_gateway_outbox_depth', help: 'events waiting in the gateway outbox (from its status)', labelNames: ['gateway'], registers });
    this.outboxAge = new Gauge({ name: 'dockgate_gateway_outbox_oldest_age_seconds', help: 'age of the oldest event in the gateway outbox', labelNames: ['gateway'], registers });
    this.clockOffset = new Gauge({ name: 'dockgate_gateway_clock_offset_seconds', help: 'largest reader clock offset the gateway reports', labelNames: ['gateway'], registers });
    this.readerUp = new Gauge({ name: 'dockgate_reader_up', help: '1 while the reader is reading', labelNames: ['gateway', 'reader'], registers });
    this.readerState = new Gauge({ name: 'dockgate_reader_state', help: '1 for the reader\'s current state', labelNames: ['gateway', 'reader', 'state'], registers });
    this.doorReading = new Gauge({ name: 'dockgate_door_reading', help: '1 when the door is not off and its gateway is online, connected and reports a reading reader covering it', labelNames: ['door'], registers });
    this.brokerRefused = new Gauge({ name: 'dockgate_broker_refused', help: '1 while the embedded broker\'s last refusal of a claimed gateway id stands (not connected since); the cause is in the status', labelNames: ['gateway'], registers });
    this.verdict = new Gauge({ name: 'dockgate_status', help: '1 for the current status verdict', labelNames: ['verdict'], registers });

    this.http = new Histogram({
      name: 'dockgate_http_request_duration_seconds',
      help: 'REST API requests by route pattern and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  private readonly gatewayUp: Gauge<'gateway'>;
  private readonly gatewaySilent: Gauge<'gateway'>;
  private readonly outboxDepth: Gauge<'gateway'>;
  private readonly outboxAge: Gauge<'gateway'>;
  private readonly clockOffset: Gauge<'gateway'>;
  private readonly readerUp: Gauge<'gateway' | 'reader'>;
  private readonly readerState: Gauge<'gateway' | 'reader' | 'state'>;
  private readonly doorReading: Gauge<'door'>;
  private readonly brokerRefused: Gauge<'gateway'>;
  private readonly verdict: Gauge<'verdict'>;

  /** Time every request (route pattern, not the raw URL, so labels stay few). Install before the routes. */
  installHttpHook(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      this.http.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }

  private observeStatus(): void {
    const report = this.d.status.report();
    for (const g of [this.gatewayUp, this.gatewaySilent, this.outboxDepth, this.outboxAge, this.clockOffset, this.readerUp, this.readerState, this.doorReading, this.brokerRefused, this.verdict]) g.reset();
    for (const g of report.gateways) {
      const l = { gateway: g.id };
      this.gatewayUp.set(l, g.state === 'online' ? 1 : 0);
      if (g.silentS !== null) this.gatewaySilent.set(l, g.silentS);
      if (g.outbox.depth !== null) this.outboxDepth.set(l, g.outbox.depth);
      if (g.outbox.oldestAgeS !== null) this.outboxAge.set(l, g.outbox.oldestAgeS);
      if (g.clockOffsetMs !== null) this.clockOffset.set(l, g.clockOffsetMs / 1000);
      for (const r of g.readers) {
        this.readerUp.set({ gateway: g.id, reader: r.id }, r.state === 'reading' && g.state === 'online' ? 1 : 0);
        this.readerState.set({ gateway: g.id, reader: r.id, state: r.state }, 1);
      }
    }
    for (const d of report.doors) this.doorReading.set({ door: d.id }, d.reading ? 1 : 0);
    for (const r of report.broker.refusals) this.brokerRefused.set({ gateway: r.gateway }, r.connectedSince ? 0 : 1);
    for (const v of ['ok', 'degraded', 'down']) this.verdict.set({ verdict: v }, report.verdict === v ? 1 : 0);
    if (report.channels.length > 0) {
      // hub/channels may have registered its metrics here already (it is handed this registry); else feed ours.
      if (!this.channelMetrics && !this.registry.getSingleMetric('dockgate_channel_alert')) this.channelMetrics = new ChannelMetrics(this.registry);
      for (const h of report.channels) this.channelMetrics?.observe(h);
    }
  }

  /** The exposition text. */
  async render(): Promise<string> {
    this.observeStatus();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
