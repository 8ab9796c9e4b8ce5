// gateway/zebra-iotc — a Zebra reader run through its IoT Connector, reached over MQTT: connect to the broker the
// reader's ZIOTC endpoints publish to, subscribe to its data, response and management-event topics; over the
// management interface ask its status (the radio must be connected) and set its configuration (heartbeats, GPI
// events, no batching); over the control interface stop, set_mode (antennas, power, metadata), start. Read tag data
// events until the broker link drops, the reader goes silent (no data and no heartbeat for `silenceMs`), a status
// poll goes unanswered or finds the radio disconnected, or a command is refused; back off and do it again.
// Emits the same reads, GPI changes and state changes as LlrpReaderClient; GPOs through the management set_gpo.
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { TagRead } from '../../protocols/reads/index.js';
import { Backoff, type BackoffOptions } from '../../runtime/backoff.js';
import { repeatTimer, systemRuntime, wakeableWait, type Runtime, type Timer } from '../../runtime/runtime.js';
import type { ReaderClientEvents, ReaderHealth, ReaderState } from '../llrp/client.js';
import { ClockOffset } from '../llrp/clock-offset.js';
import {
  configOf,
  defaultTopics,
  modeOf,
  parseEvents,
  parseResponse,
  parseStatus,
  type ZebraModeOptions,
  type ZebraResponse,
  type ZebraTopics,
} from './events.js';

export interface ZebraIotcReaderOptions extends ZebraModeOptions {
  id: string;
  /** The broker the reader's IoT Connector endpoints use, e.g. mqtt://10.0.0.2:1883. */
  brokerUrl: string;
  username?: string;
  password?: string;
  /** The reader name in its topics (tevents/<name> …). */
  readerName: string;
  topics?: Partial<ZebraTopics>;
  /** Nothing from the reader (data, heartbeat) for this long = it is gone. Default 60 s (the gateway asks for a heartbeat every HEARTBEAT_S = 10 s). */
  silenceMs?: number;
  /** How often the reader's status (get_status over management) is asked while reading. Default 30 s. */
  statusPollMs?: number;
  /** How long a command waits for its response. Default 5 s. */
  requestTimeoutMs?: number;
  backoff?: BackoffOptions;
}

export class ZebraIotcReaderClient extends EventEmitter<ReaderClientEvents> {
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly offset = new ClockOffset();
  private readonly topics: ZebraTopics;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private stateNow: ReaderState = 'stopped';
  private reasonNow = 'not started';
  private client: MqttClient | undefined;
  private end: ((reason: string) => void) | undefined;
  private wakeBackoff: (() => void) | undefined;
  private skipBackoff = false;
  private lastHeardMs = 0;
  private lastReportMs: number | undefined;
  private seq = 0;
  private readonly pending = new Map<string, { resolve: (r: ZebraResponse) => void; timer: Timer }>();
  /** Messages that were not a usable event (logged, skipped). */
  badEvents = 0;

  constructor(
    readonly options: ZebraIotcReaderOptions,
    logger: Logger,
    private readonly runtime: Runtime = systemRuntime,
  ) {
    super();
    modeOf(options); // no antennas: throws here
    this.log = logger.child({ component: 'zebra-iotc-client', reader: options.id });
    this.backoff = new Backoff(options.backoff ?? { initialMs: 1000, maxMs: 30_000 }, () => runtime.random());
    this.topics = { ...defaultTopics(options.readerName), ...options.topics };
  }

  get state(): ReaderState {
    return this.stateNow;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stop: the control stop (best effort, bounded), then the broker link. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeBackoff?.();
    if (this.client?.connected) await this.command('control', 'stop', {}).catch(() => undefined);
    this.end?.('stopped by the gateway');
    await this.loopDone;
    this.setState('stopped', 'stopped by the gateway');
  }

  restart(reason: string): void {
    this.log.info({ reason }, 'restart requested');
    this.skipBackoff = true;
    this.wakeBackoff?.();
    this.end?.(`restart: ${reason}`);
  }

  async setGpo(port: number, state: boolean): Promise<void> {
    if (this.stateNow !== 'reading' && this.stateNow !== 'configuring')
      throw new Error(`reader ${this.options.id}: cannot set GPO ${port} while ${this.stateNow}`);
    const r = await this.command('management', 'set_gpo', { port, state });
    if (!r.ok) throw new Error(`reader ${this.options.id}: set_gpo ${port} refused: ${r.reason}`);
  }

  health(): ReaderHealth {
    return {
      id: this.options.id,
      host: this.options.brokerUrl,
      state: this.stateNow,
      reason: this.reasonNow,
      lastReportMs: this.lastReportMs,
      clockOffsetMs: this.offset.offsetMs,
    };
  }

  // ------------------------------------------------------------------

  private setState(state: ReaderState, reason: string): void {
    if (state === this.stateNow && reason === this.reasonNow) return;
    this.stateNow = state;
    this.reasonNow = reason;
    this.log[state === 'backoff' ? 'warn' : 'info']({ state, reason }, `reader ${state}`);
    this.emit('state', { state, reason });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let reason: string;
      try {
        reason = await this.session();
      } catch (e) {
        reason = (e as Error).message;
      }
      await this.closeClient();
      if (!this.running) break;
      if (this.skipBackoff) {
        this.skipBackoff = false;
        continue;
      }
      const delay = this.backoff.next();
      this.setState('backoff', `${reason}; retry in ${Math.round(delay)} ms`);
      const wait = wakeableWait(this.runtime, delay);
      this.wakeBackoff = wait.wake;
      await wait.done;
      this.wakeBackoff = undefined;
      this.skipBackoff = false;
    }
  }

  private async closeClient(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    for (const p of this.pending.values()) p.timer.cancel();
    this.pending.clear();
    if (c) await c.endAsync(true).catch(() => undefined);
  }

  private async session(): Promise<string> {
    const o = this.options;
    this.setState('connecting', `connecting to ${o.brokerUrl}`);
    const ended = new Promise<string>((resolve) => (this.end = resolve));
    const client = await mqtt
      .connectAsync(o.brokerUrl, {
        clientId: `dockgate-${o.id}-${process.pid}-${Math.floor(this.runtime.random() * 0x1000000)
          .toString(16)
          .padStart(6, '0')}`,
        username: o.username,
        password: o.password,
        reconnectPeriod: 0,
        connectTimeout: o.requestTimeoutMs ?? 5000,
      })
      .catch((e: unknown) => {
        throw new Error(`broker ${o.brokerUrl}: ${(e as Error).message}`);
      });
    this.client = client;
    client.on('close', () => this.end?.('the broker link closed'));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    const t = this.topics;
    await client.subscribeAsync([t.data, t.controlResponses, t.managementResponses, t.managementEvents], { qos: 1 });
    this.setState('configuring', 'get_status and set_config over management; stop, set_mode, start over control');
    this.offset.reset();
    const down = await this.radioDown();
    if (down) return down;
    const config = await this.command('management', 'set_config', configOf());
    // The reader keeps the configuration it has: heartbeats and GPI events may still be on. Worth a warning, not a stop.
    if (!config.ok) this.log.warn({ reason: config.reason }, 'set_config refused; reading with the configuration the reader has');
    await this.command('control', 'stop', {}); // whatever ran: a refusal (not running) is fine
    const mode = await this.command('control', 'set_mode', modeOf(o));
    if (!mode.ok) return `set_mode refused: ${mode.reason}`;
    // doNotPersistState: a reader that reboots does not start inventorying on its own before the gateway is back.
    const start = await this.command('control', 'start', { doNotPersistState: true });
    if (!start.ok) return `start refused: ${start.reason}`;
    this.setState('reading', 'started');
    this.backoff.reset();
    this.lastHeardMs = this.runtime.now();
    const silenceMs = o.silenceMs ?? 60_000;
    const watch = repeatTimer(this.runtime, Math.min(1000, silenceMs / 4), () => {
      if (this.runtime.now() - this.lastHeardMs > silenceMs) this.end?.(`nothing from the reader (data or heartbeat) for ${silenceMs} ms`);
    });
    let polling = false;
    const poll = repeatTimer(this.runtime, o.statusPollMs ?? 30_000, () => {
      if (polling) return;
      polling = true;
      this.radioDown()
        .then((why) => why && this.end?.(why))
        .catch((e: unknown) => this.end?.((e as Error).message))
        .finally(() => (polling = false));
    });
    try {
      return await ended;
    } finally {
      watch.cancel();
      poll.cancel();
      this.end = undefined;
    }
  }

  /** get_status over management: why the reader cannot read (refused, not a status, radio disconnected or stopped), or undefined. */
  private async radioDown(): Promise<string | undefined> {
    const r = await this.command('management', 'get_status', {});
    if (!r.ok) return `get_status refused: ${r.reason}`;
    const status = parseStatus(r.payload);
    if (!status) return `get_status answered without radioConnection: ${JSON.stringify(r.payload)?.slice(0, 120)}`;
    if (!status.radioConnected) return "get_status: the reader's radio is disconnected";
    // while reading, an inactive radio was stopped behind the gateway's back (another client, the web page)
    if (this.stateNow === 'reading' && status.radioActive === false) return 'get_status: the radio stopped inventorying';
    return undefined;
  }

  /** Send a command; resolves with the response (failures too), rejects when none comes in time. */
  private command(iface: 'control' | 'management', command: string, payload: Record<string, unknown>): Promise<ZebraResponse> {
    const client = this.client;
    if (!client?.connected) return Promise.reject(new Error(`${command}: not connected to the broker`));
    const id = `${this.options.id}-${this.runtime.now()}-${++this.seq}`;
    const ms = this.options.requestTimeoutMs ?? 5000;
    return new Promise<ZebraResponse>((resolve, reject) => {
      const timer = this.runtime.setTimer(ms, () => {
        this.pending.delete(id);
        reject(new Error(`${command}: no response from the reader within ${ms} ms`));
      });
      this.pending.set(id, { resolve, timer });
      const topic = iface === 'control' ? this.topics.controlCommands : this.topics.managementCommands;
      client.publish(topic, JSON.stringify({ command, command_id: id, payload }), { qos: 1 }, (err) => {
        if (err) {
          timer.cancel();
          this.pending.delete(id);
          reject(new Error(`${command}: publish failed: ${err.message}`));
        }
      });
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const now = this.runtime.now();
    const text = payload.toString('utf8');
    const t = this.topics;
    if (topic === t.controlResponses || topic === t.managementResponses) {
      const r = parseResponse(text);
      const p = r && this.pending.get(r.id);
      if (r && p) {
        p.timer.cancel();
        this.pending.delete(r.id);
        p.resolve(r);
      }
      this.lastHeardMs = now;
      return;
    }
    if (topic !== t.data && topic !== t.managementEvents) return;
    this.lastHeardMs = now;
    const reads: TagRead[] = [];
    for (const item of parseEvents(text, this.options.id, now, this.offset.offsetMs, (r, a) => this.offset.sample(r, a))) {
      if (item.kind === 'tag') reads.push(item.read);
      else if (item.kind === 'gpi') this.emit('gpi', item.change);
      else if (item.kind === 'heartbeat' && item.radioConnected === false && this.stateNow === 'reading')
        this.end?.("heartbeat: the reader's radio is disconnected");
      else if (item.kind === 'bad') {
        this.badEvents++;
        this.log.warn({ topic, reason: item.reason, message: text.slice(0, 200) }, `skipped ${item.reason}`);
      }
    }
    if (reads.length > 0) {
      this.lastReportMs = now;
      this.emit('reads', reads);
    }
  }
}
