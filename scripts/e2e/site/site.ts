// scripts/e2e/site — the running site: hub and gateways as real processes (bundled dockgate-hub / dockgate-gateway),
// optionally Mosquitto, one simulated LLRP reader per door in this process, a TCP relay between gateways and broker,
// the side subscriber, and the fake webhook channel. Start, kill -9, restart, stop.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { freePort } from '../../../hub/broker/test-support.js';
import { FakeShopify } from '../../../hub/channels/testing/fake-shopify.js';
import { FakeWebhookReceiver } from '../../../hub/channels/testing/fake-webhook.js';
import { startLlrpSimulator, type LlrpSimulator } from '../../sim/llrp-reader.js';
import {
  QTY_SKUS,
  SHOP_LOCATION,
  SKUS,
  UNIT_COST,
  shopItem,
  gatewayYaml,
  hubYaml,
  mosquittoConf,
  siteLayout,
  type SimDoor,
  type SimGateway,
  type SimScanner,
} from './layout.js';
import { Observer } from './observer.js';
import { Proc, ROOT, bundle, canConnect, until, type ExitRecord } from './processes.js';
import { TcpRelay } from './relay.js';

export interface SiteOptions {
  dir: string;
  doors: number;
  gateways: number;
  broker: 'embedded' | 'mosquitto';
  /** Add the capped gateway (tiny outbox, cut off from the broker by its own relay). */
  cappedGateway: boolean;
  logLevel?: string;
  /** Gateway Prometheus metrics on free ports (soak). */
  metrics?: boolean;
  /** A serial barcode scanner on a socat pty pair at the first gateway's first receiving door. */
  scanner?: boolean;
  /** A second channel, on a local Shopify stand-in. */
  shopify?: boolean;
  /** Node options for the hub process only (e.g. `--cpu-prof`, `--cpu-prof-dir=…`: the backlog replay's profile). */
  hubNodeArgs?: string[];
  /** Node options for every gateway process (e.g. the backlog replay's `--cpu-prof`). */
  gatewayNodeArgs?: string[];
  /** Start the side subscriber (default true). Without it the broker delivers each events message to the hub alone. */
  observer?: boolean;
  /** The gateways' log level (default logLevel): 'debug' shows their drain rate adapting. */
  gatewayLogLevel?: string;
  /** The gateways' mqtt.drainRatePerSecond (default layout.ts's 20000; 'default': the product's default). */
  drainRatePerSecond?: number | 'default';
  /** Run once the hub is up and the items exist, before any gateway starts (e.g. to open receipts at the doors). */
  beforeGateways?: (api: string) => Promise<void>;
}

const WEBHOOK_SECRET = 'sim-webhook-secret';
const SHOP_TOKEN = 'shpat_sim';

export class Site {
  readonly exits: ExitRecord[] = [];
  readonly doors: SimDoor[];
  readonly gateways: SimGateway[];
  readonly readers = new Map<string, LlrpSimulator>();
  readonly gatewayProcs = new Map<string, Proc>();
  readonly metricsPorts = new Map<string, number>();
  /** When start() spawned the hub's process (its first attempt) and the gateways' (Date.now() ms): what came before is the harness's set-up. */
  readonly spawnedAt: { hub?: number; gateways?: number } = {};
  hub!: Proc;
  mosquitto?: Proc;
  brokerPort = 0;
  httpPort = 0;
  relay!: TcpRelay;
  /** The capped gateway's own relay (cut while its outbox overflows). */
  capRelay?: TcpRelay;
  observer = new Observer();
  webhook = new FakeWebhookReceiver(WEBHOOK_SECRET);
  shop?: FakeShopify;
  hubConfig = '';
  hubDb = '';
  hubCommand: string[] = [];
  scanner?: SimScanner;
  /** socat holding the scanner's pty pair: killed to unplug the scanner, started again to plug it back. */
  socat?: Proc;
  /** Since when the scanner's gateway must report it open again (plugged in, or its gateway restarted). */
  scannerSince = 0;
  private bundles: Array<{ remove(): void }> = [];
  private gatewayFile = '';

  constructor(readonly o: SiteOptions) {
    const l = siteLayout(o.doors, o.gateways, o.cappedGateway);
    this.doors = l.doors;
    this.gateways = l.gateways;
    const door = this.doors.find((d) => d.gateway === 'gw-1' && d.mode === 'receiving');
    if (o.scanner && door) this.scanner = { id: 'scan-1', gateway: 'gw-1', door: door.id, path: join(o.dir, 'scan-1.pty'), wire: join(o.dir, 'scan-1.wire') };
  }

  get api(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get brokerUrl(): string {
    return `mqtt://127.0.0.1:${this.brokerPort}`;
  }

  async start(): Promise<void> {
    const o = this.o;
    mkdirSync(o.dir, { recursive: true });
    const hubBundle = bundle('hub/main.ts', 'dockgate-hub');
    const gwBundle = bundle('gateway/main.ts', 'dockgate-gateway');
    this.bundles.push(hubBundle, gwBundle);
    this.hubCommand = [process.execPath, hubBundle.file];
    this.gatewayFile = gwBundle.file;
    await this.webhook.start();
    if (o.shopify) {
      this.shop = await new FakeShopify({ token: SHOP_TOKEN }).start();
      for (const s of SKUS) this.shop.seed(shopItem(s), SHOP_LOCATION, 0);
    }
    for (const d of this.doors) this.readers.set(d.reader, await startLlrpSimulator({ readerId: d.reader, host: '127.0.0.1', port: 0, reportBatch: 100 }));

    this.brokerPort = await freePort();
    this.httpPort = await freePort();
    if (o.broker === 'mosquitto') {
      const mdir = join(o.dir, 'mosquitto');
      mkdirSync(mdir, { recursive: true });
      writeFileSync(join(mdir, 'mosquitto.conf'), mosquittoConf(this.brokerPort, mdir));
      this.mosquitto = new Proc('mosquitto', 'mosquitto', ['-c', join(mdir, 'mosquitto.conf')], {}, join(o.dir, 'mosquitto.log'), this.exits);
      await this.startMosquitto();
    }
    this.hubDb = join(o.dir, 'hub.db');
    this.hubConfig = join(o.dir, 'hub.yaml');
    writeFileSync(
      this.hubConfig,
      hubYaml({
        dbPath: this.hubDb,
        httpPort: this.httpPort,
        broker: o.broker === 'embedded' ? { type: 'embedded', port: this.brokerPort } : { type: 'external', url: this.brokerUrl },
        gateways: this.gateways,
        doors: this.doors,
        webhookUrl: this.webhook.url,
        webhookSecret: WEBHOOK_SECRET,
        ...(this.shop ? { shopify: { url: this.shop.url, token: SHOP_TOKEN } } : {}),
        logLevel: o.logLevel ?? 'warn',
      }),
    );
    this.hub = new Proc(
      'hub',
      process.execPath,
      [...(o.hubNodeArgs ?? []), hubBundle.file, '--config', this.hubConfig],
      {},
      join(o.dir, 'hub.log'),
      this.exits,
    );
    await this.startHub();
    if (o.observer !== false) await this.observer.start(this.brokerUrl);
    this.relay = await new TcpRelay(() => this.brokerPort).start();
    if (o.cappedGateway) this.capRelay = await new TcpRelay(() => this.brokerPort).start();
    await this.createItems();
    await o.beforeGateways?.(this.api);

    if (this.scanner) {
      const sc = this.scanner;
      this.socat = new Proc(
        'socat',
        'socat',
        ['-d', '-d', `pty,raw,echo=0,link=${sc.path}`, `pty,raw,echo=0,link=${sc.wire}`],
        {},
        join(o.dir, 'socat.log'),
        this.exits,
      );
      await this.plugScanner();
    }
    for (const g of this.gateways) {
      const path = join(o.dir, `${g.id}.yaml`);
      const metricsPort = o.metrics ? await freePort() : undefined;
      if (metricsPort) this.metricsPorts.set(g.id, metricsPort);
      writeFileSync(
        path,
        gatewayYaml({
          gateway: g,
          ...(this.scanner?.gateway === g.id ? { scanner: this.scanner } : {}),
          mqttUrl: `mqtt://127.0.0.1:${g.capped ? this.capRelay!.port : this.relay.port}`,
          outboxPath: join(o.dir, `${g.id}-outbox.db`),
          readerPorts: new Map(g.doors.map((d) => [d.reader, this.readers.get(d.reader)!.port])),
          ...(g.capped ? { maxRows: 100 } : {}),
          ...(metricsPort ? { metricsPort } : {}),
          logLevel: o.gatewayLogLevel ?? o.logLevel ?? 'warn',
          ...(o.drainRatePerSecond !== undefined ? { drainRatePerSecond: o.drainRatePerSecond } : {}),
        }),
      );
      this.gatewayProcs.set(
        g.id,
        new Proc(g.id, process.execPath, [...(o.gatewayNodeArgs ?? []), this.gatewayFile, '--config', path], {}, join(o.dir, `${g.id}.log`), this.exits),
      );
    }
    this.spawnedAt.gateways = Date.now();
    for (const p of this.gatewayProcs.values()) p.start();
    for (const g of this.gateways) await this.waitGatewayReading(g.id);
  }

  /** Plug the scanner in: socat makes the pty pair at the configured paths. */
  async plugScanner(): Promise<void> {
    const sc = this.scanner!;
    rmSync(sc.path, { force: true });
    rmSync(sc.wire, { force: true });
    this.scannerSince = Date.now();
    this.socat!.start();
    await until(() => existsSync(sc.path) && existsSync(sc.wire), 'socat to make the scanner ptys', 15_000);
  }

  /** The scanner is plugged in and its gateway has reported it open since (scans written now are read). */
  get scannerReady(): boolean {
    const st = this.scanner && this.observer.scannerStates.get(this.scanner.id);
    return !!st && st.state === 'open' && st.receivedAt > this.scannerSince && !!this.socat?.alive;
  }

  /** Unplug it: kill -9 socat; the operator's end disappears at once (its stale link could name a reused pty). */
  async unplugScanner(): Promise<void> {
    await this.socat!.kill9();
    rmSync(this.scanner!.wire, { force: true });
  }

  async startMosquitto(): Promise<void> {
    this.mosquitto!.start();
    await until(() => canConnect(this.brokerPort), 'Mosquitto to listen', 15_000);
  }

  /** Start the hub; if it exits while starting (recorded as an unexpected exit, so reported), start it again as
   * systemd's Restart=on-failure would, up to 3 times. */
  async startHub(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startHubOnce();
      } catch (err) {
        if (this.hub.alive || attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async startHubOnce(): Promise<void> {
    this.spawnedAt.hub ??= Date.now();
    this.hub.start();
    await until(
      async () => {
        if (!this.hub.alive) throw new Error(`the hub exited at start; see ${this.hub.logFile}`);
        try {
          return (await fetch(`${this.api}/api/v1/doors`)).ok;
        } catch {
          return false;
        }
      },
      'the hub to answer HTTP',
      60_000,
      100,
    );
  }

  /** Every reader of the gateway is inventorying (the gateway connected and started its ROSpec). */
  async waitGatewayReading(gateway: string, ms = 60_000): Promise<void> {
    const g = this.gateways.find((x) => x.id === gateway)!;
    await until(
      () => {
        if (!this.gatewayProcs.get(gateway)!.alive) throw new Error(`gateway ${gateway} exited; see ${this.gatewayProcs.get(gateway)!.logFile}`);
        return g.doors.every((d) => this.readers.get(d.reader)!.rospecState === 'active' && this.readers.get(d.reader)!.connected);
      },
      `gateway ${gateway} to be reading`,
      ms,
      50,
    );
  }

  private async createItems(): Promise<void> {
    const items = [
      ...SKUS.map((s) => ({ sku: s.sku, name: `Sim item ${s.gtin}`, tracking: 'serial', gtins: [s.gtin], standardCost: UNIT_COST })),
      ...QTY_SKUS.map((q) => ({ sku: q.sku, name: `Sim carton ${q.gtin}`, tracking: 'quantity', gtins: [q.gtin], standardCost: UNIT_COST })),
    ];
    for (const item of items) {
      const res = await fetch(`${this.api}/api/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item) });
      if (res.status !== 201 && res.status !== 409) throw new Error(`could not create item ${item.sku}: ${res.status} ${await res.text()}`);
    }
  }

  /** kill -9 the hub and start it again; in embedded mode the broker dies with it, so the relay holds the gateways
   * back until the observer has subscribed again (else it would miss what they send first). */
  async restartHub(downMs: number): Promise<void> {
    const embedded = this.o.broker === 'embedded';
    await this.hub.kill9();
    if (embedded) this.relay.cut();
    await new Promise((r) => setTimeout(r, downMs));
    await this.startHub();
    if (embedded) {
      await until(() => this.observer.subscribed, 'the observer to subscribe again', 30_000);
      this.relay.restore();
    }
  }

  async restartBroker(downMs: number): Promise<void> {
    if (!this.mosquitto) return;
    await this.mosquitto.kill9();
    this.relay.cut();
    await new Promise((r) => setTimeout(r, downMs));
    await this.startMosquitto();
    await until(() => this.observer.subscribed, 'the observer to subscribe again', 30_000);
    this.relay.restore();
  }

  async restartGateway(id: string, downMs: number): Promise<void> {
    const p = this.gatewayProcs.get(id)!;
    await p.kill9();
    await new Promise((r) => setTimeout(r, downMs));
    if (this.scanner?.gateway === id) this.scannerSince = Date.now();
    p.start();
    await this.waitGatewayReading(id);
  }

  /** Stop everything in order (gateways, hub, broker) with SIGTERM. */
  async stop(): Promise<void> {
    for (const p of this.gatewayProcs.values()) await p.stop('SIGTERM');
    await this.hub?.stop('SIGTERM');
    await this.observer.close();
    await this.mosquitto?.stop('SIGTERM');
    await this.relay?.close();
    await this.capRelay?.close();
    await Promise.all([...this.readers.values()].map((r) => r.close()));
    await this.webhook.close();
    await this.shop?.close();
    await this.socat?.stop('SIGTERM');
    for (const p of [this.hub, this.mosquitto, this.socat, ...this.gatewayProcs.values()]) p?.close();
  }

  /** Last resort when the simulator itself fails: SIGKILL every child still running (synchronous, for process 'exit'). */
  killAll(): void {
    for (const p of [...this.gatewayProcs.values(), this.hub, this.mosquitto, this.socat]) {
      const pid = p?.pid;
      if (pid) process.kill(pid, 'SIGKILL');
    }
  }

  /** Remove the bundles (after the last hubCli). */
  dispose(): void {
    for (const b of this.bundles) b.remove();
  }

  /** Run `dockgate-hub` as a one-off command (e.g. check). */
  hubCli(args: string[]): Promise<{ code: number | null; out: string }> {
    return new Promise((res) => {
      const c = spawn(this.hubCommand[0]!, [...this.hubCommand.slice(1), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.on('exit', (code) => res({ code, out }));
    });
  }
}
