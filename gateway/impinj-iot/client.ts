// gateway/impinj-iot — a reader on the Impinj IoT Device Interface: its whole life like the LLRP client's. Ask its
// status, stop what runs, PUT the gateway's inventory preset, start it, then consume the HTTP event stream
// (/api/v1/data/stream) until it ends, errs or stalls (no byte, keep-alive CR-LF included, for `stallMs`: Impinj's
// guidance is 90 s); back off with jitter and do it again, forever. Emits the same reads, GPI changes and state
// changes as LlrpReaderClient; GPOs through PUT /device/gpos.
import { EventEmitter } from 'node:events';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import type { TagRead } from '../../protocols/reads/index.js';
import { Backoff, type BackoffOptions } from '../../runtime/backoff.js';
import { repeatTimer, systemRuntime, wakeableWait, type Runtime, type Timer } from '../../runtime/runtime.js';
import type { ReaderClientEvents, ReaderHealth, ReaderState } from '../llrp/client.js';
import { ClockOffset } from '../llrp/clock-offset.js';
import { errorText, parseStreamLine, presetOf, type ImpinjPresetOptions } from './events.js';

export interface ImpinjIotReaderOptions extends ImpinjPresetOptions {
  id: string;
  /** e.g. https://r700-door1.local or http://10.0.0.5:8080 (the /api/v1 prefix is added). */
  baseUrl: string;
  username?: string;
  password?: string;
  /** The preset id the gateway owns on the reader. Default `dockgate`. */
  presetId?: string;
  /** No byte on the stream for this long = the link is dead. Default 90 s (Impinj's guidance). */
  stallMs?: number;
  /** Each REST request's limit. Default 5 s. */
  requestTimeoutMs?: number;
  backoff?: BackoffOptions;
  /**
   * Take events from the reader's MQTT output instead of its HTTP stream: the gateway sets the reader's MQTT
   * configuration (PUT /mqtt: broker host and port as the reader reaches it, event topic, QoS 1, a will on
   * <topic>/status) and subscribes on `brokerUrl` (the same broker as the gateway reaches it).
   */
  mqtt?: { brokerUrl: string; readerBrokerHost: string; readerBrokerPort: number; topic: string; username?: string; password?: string };
}

class HttpRefused extends Error {}

export class ImpinjIotReaderClient extends EventEmitter<ReaderClientEvents> {
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly offset = new ClockOffset();
  private readonly api: string;
  private readonly auth: string | undefined;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private stateNow: ReaderState = 'stopped';
  private reasonNow = 'not started';
  private abort: AbortController | undefined;
  private wakeBackoff: (() => void) | undefined;
  private skipBackoff = false;
  private lastReportMs: number | undefined;
  /** Stream lines that were not a usable event (logged, skipped). */
  badLines = 0;

  constructor(
    readonly options: ImpinjIotReaderOptions,
    logger: Logger,
    private readonly runtime: Runtime = systemRuntime,
  ) {
    super();
    presetOf(options); // a bad antenna/session/search mode throws here, at construction
    this.log = logger.child({ component: 'impinj-iot-client', reader: options.id });
    this.backoff = new Backoff(options.backoff ?? { initialMs: 1000, maxMs: 30_000 }, () => runtime.random());
    this.api = `${options.baseUrl.replace(/\/+$/, '')}/api/v1`;
    this.auth = options.username !== undefined ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}` : undefined;
  }

  get state(): ReaderState {
    return this.stateNow;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stop: end the stream, stop the preset (best effort, bounded), wait for the loop. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeBackoff?.();
    this.abort?.abort(new Error('stopped by the gateway'));
    await this.loopDone;
    await this.request('POST', '/profiles/stop').catch((e: unknown) => this.log.warn({ err: (e as Error).message }, 'stopping the preset failed'));
    this.setState('stopped', 'stopped by the gateway');
  }

  restart(reason: string): void {
    this.log.info({ reason }, 'restart requested');
    this.skipBackoff = true;
    this.wakeBackoff?.();
    this.abort?.abort(new Error(`restart: ${reason}`));
  }

  /** Set a GPO; rejects when not reading or the reader refuses (its error message). */
  async setGpo(port: number, state: boolean): Promise<void> {
    if (this.stateNow !== 'reading' && this.stateNow !== 'configuring')
      throw new Error(`reader ${this.options.id}: cannot set GPO ${port} while ${this.stateNow}`);
    await this.request('PUT', '/device/gpos', { gpoConfigurations: [{ gpo: port, state: state ? 'high' : 'low', control: 'static' }] });
  }

  health(): ReaderHealth {
    return {
      id: this.options.id,
      host: this.options.baseUrl,
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

  /** One session: configure, then read the stream until it ends; resolves with why it ended. */
  private async session(): Promise<string> {
    const o = this.options;
    const preset = o.presetId ?? 'dockgate';
    this.setState('connecting', `connecting to ${o.baseUrl}`);
    const status = (await this.request('GET', '/status')) as { status?: unknown } | undefined;
    this.setState('configuring', 'stopping what runs, writing and starting the preset');
    this.offset.reset();
    if (status?.status !== 'idle') await this.request('POST', '/profiles/stop');
    await this.request('PUT', `/profiles/inventory/presets/${encodeURIComponent(preset)}`, presetOf(o));
    if (o.mqtt) return this.viaMqtt(o.mqtt, preset);
    await this.request('POST', `/profiles/inventory/presets/${encodeURIComponent(preset)}/start`);
    return this.stream();
  }

  /** Events over the reader's MQTT output; the link is watched by the reader's will and a status poll every stallMs. */
  private async viaMqtt(m: NonNullable<ImpinjIotReaderOptions['mqtt']>, preset: string): Promise<string> {
    const o = this.options;
    const willTopic = `${m.topic}/status`;
    await this.request('PUT', '/mqtt', {
      active: true,
      brokerHostname: m.readerBrokerHost,
      brokerPort: m.readerBrokerPort,
      clientId: `impinj-${o.id}`,
      eventTopic: m.topic,
      eventQualityOfService: 1,
      keepAliveIntervalSeconds: 10,
      cleanSession: false,
      ...(m.username !== undefined ? { username: m.username, password: m.password ?? '' } : {}),
      willTopic,
      willMessage: 'connection lost',
      connectMessage: 'connected',
    });
    const ac = (this.abort = new AbortController());
    const client = await mqtt
      .connectAsync(m.brokerUrl, {
        clientId: `dockgate-${o.id}-${process.pid}`,
        username: m.username,
        password: m.password,
        reconnectPeriod: 0,
        connectTimeout: o.requestTimeoutMs ?? 5000,
      })
      .catch((e: unknown) => {
        throw new Error(`broker ${m.brokerUrl}: ${(e as Error).message}`);
      });
    let poll: Timer | undefined;
    try {
      const ended = new Promise<string>((resolve) => {
        ac.signal.addEventListener('abort', () => resolve((ac.signal.reason as Error).message));
        client.on('close', () => resolve('the broker link closed'));
        client.on('message', (topic, payload) => {
          if (topic === willTopic) {
            if (payload.toString('utf8') === 'connection lost') resolve('the reader lost its broker connection (its will)');
            return;
          }
          this.onLines(payload.toString('utf8').split('\n'));
        });
      });
      await client.subscribeAsync([m.topic, willTopic], { qos: 1 });
      await this.request('POST', `/profiles/inventory/presets/${encodeURIComponent(preset)}/start`);
      this.setState('reading', `events over MQTT on ${m.topic}`);
      this.backoff.reset();
      const stallMs = o.stallMs ?? 90_000;
      poll = repeatTimer(this.runtime, stallMs, () => {
        this.request('GET', '/status').then(
          (st) => (st as { status?: unknown } | undefined)?.status === 'running' || ac.abort(new Error('the reader reports its inventory is not running')),
          (e: unknown) => ac.abort(new Error(`status poll: ${(e as Error).message}`)),
        );
      });
      return `mqtt: ${await ended}`;
    } finally {
      poll?.cancel();
      this.abort = undefined;
      await client.endAsync(true).catch(() => undefined);
    }
  }

  private async stream(): Promise<string> {
    const ac = (this.abort = new AbortController());
    const stallMs = this.options.stallMs ?? 90_000;
    let stall: Timer | undefined;
    const arm = () => {
      stall?.cancel();
      stall = this.runtime.setTimer(stallMs, () => ac.abort(new Error(`the event stream was silent for ${stallMs} ms`)));
    };
    try {
      arm();
      const res = await fetch(`${this.api}/data/stream`, { headers: this.headers(), signal: ac.signal });
      if (!res.ok || !res.body) throw new HttpRefused(`GET /data/stream: ${errorText(res.status, res.statusText, await res.text())}`);
      this.setState('reading', 'event stream open');
      this.backoff.reset();
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let rest = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'the reader ended the event stream';
        arm();
        rest += dec.decode(value, { stream: true });
        const lines = rest.split('\n');
        rest = lines.pop()!;
        this.onLines(lines);
      }
    } catch (e) {
      const why = ac.signal.aborted ? (ac.signal.reason as Error).message : (e as Error).message;
      return `event stream: ${why}`;
    } finally {
      stall?.cancel();
      this.abort = undefined;
    }
  }

  private onLines(lines: string[]): void {
    const now = this.runtime.now();
    const reads: TagRead[] = [];
    const sample = (r: number, a: number) => this.offset.sample(r, a);
    for (const line of lines) {
      const item = parseStreamLine(line, this.options.id, now, this.offset.offsetMs, sample);
      switch (item.kind) {
        case 'tag':
          reads.push(item.read);
          break;
        case 'gpi':
          this.emit('gpi', item.change);
          break;
        case 'bad':
          this.badLines++;
          this.log.warn({ reason: item.reason, line: line.slice(0, 200) }, `event stream: skipped ${item.reason}`);
          break;
        case 'inventory':
          if (!item.running && this.running) this.log.warn('the reader reports its inventory stopped');
          break;
        default:
      }
    }
    if (reads.length > 0) {
      this.lastReportMs = now;
      this.emit('reads', reads);
    }
  }

  private headers(json = false): Record<string, string> {
    return { ...(this.auth ? { authorization: this.auth } : {}), ...(json ? { 'content-type': 'application/json' } : {}), accept: 'application/json' };
  }

  /** One REST call; a non-2xx answer rejects with the method, path and the reader's error message. */
  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.api}${path}`, {
      method,
      headers: this.headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 5000),
    }).catch((e: unknown) => {
      throw new Error(`${method} ${path}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`);
    });
    const text = await res.text();
    if (!res.ok) throw new HttpRefused(`${method} ${path}: ${errorText(res.status, res.statusText, text)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}
