// gateway/impinj-iot/testing — an Impinj R700 on its IoT Device Interface, as a real HTTP server on a free loopback
// port, built from Impinj's published API description (v1.7: /status, /profiles/stop, /profiles/inventory/presets/
// {id} PUT and /start, /device/gpos, /data/stream; ErrorResponse {message, invalidPropertyId?, detail?}; HTTP basic
// auth; the stream is newline-delimited ReaderEvent JSON with a CR-LF keep-alive when idle). Plays reads for the
// tests, with its own clock, and misbehaves on request (drop, silence, refuse, garbage).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { SEARCH_MODES } from '../events.js';

export interface SimRead {
  antenna: number;
  epc: string;
  /** dBm */
  rssi: number;
  tid?: string;
}

export interface ImpinjIotSimulatorOptions {
  username?: string;
  password?: string;
  gpos?: number;
  antennas?: number;
  /** Keep-alive CR-LF period on an idle stream, ms. Default 500. */
  keepaliveMs?: number;
  /** Reader clock, ms. Default Date.now. */
  now?: () => number;
}

export interface ImpinjIotSimulator {
  readonly port: number;
  readonly url: string;
  /** Presets PUT, by id. */
  readonly presets: Map<string, Record<string, unknown>>;
  /** The running preset, if any. */
  readonly running: string | undefined;
  readonly gpo: Map<number, 'high' | 'low'>;
  /** Requests seen, `METHOD /path`. */
  readonly requests: string[];
  readonly streams: number;
  /** Tag events written to streams. */
  tags(reads: SimRead[]): void;
  gpi(port: number, high: boolean): void;
  misbehave: {
    /** End every open stream abruptly (the TCP connection is destroyed). */
    dropStreams(): void;
    /** Open streams get nothing more, keep-alives included, until they are replaced. */
    silence(): void;
    /** Answer the next n requests 503 with an ErrorResponse. */
    unavailable(n: number): void;
    /** Write this raw line to every open stream. */
    rawLine(text: string): void;
    /** Its MQTT output dies (the broker sees an ungraceful disconnect and publishes the will). */
    dropMqtt(): void;
    /** Its REST API takes requests and answers none (a hung reader application) until turned off. */
    hang(on: boolean): void;
  };
  /** The MQTT configuration PUT, if any. */
  readonly mqttConfig: Record<string, unknown> | undefined;
  close(): Promise<void>;
}

export async function startImpinjIotSimulator(o: ImpinjIotSimulatorOptions = {}): Promise<ImpinjIotSimulator> {
  const now = o.now ?? Date.now;
  const gpos = o.gpos ?? 3;
  const antennas = o.antennas ?? 4;
  const presets = new Map<string, Record<string, unknown>>();
  const gpo = new Map<number, 'high' | 'low'>();
  const requests: string[] = [];
  let running: string | undefined;
  let unavailable = 0;
  let hung = false;
  let streamsOpened = 0;
  const streams = new Set<{ res: ServerResponse; silent: boolean; keepalive: NodeJS.Timeout }>();
  let mqttConfig: Record<string, unknown> | undefined;
  let mqttClient: MqttClient | undefined;

  const iso = (ms: number) => new Date(ms).toISOString();
  const send = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string, invalidPropertyId?: string) => send(res, status, { message, ...(invalidPropertyId ? { invalidPropertyId } : {}) });
  const write = (obj: unknown) => {
    const line = `${JSON.stringify(obj)}\n`;
    for (const s of streams) if (!s.silent) s.res.write(line);
    if (mqttClient && mqttConfig) mqttClient.publish(String(mqttConfig.eventTopic), JSON.stringify(obj), { qos: 1 });
  };
  async function applyMqtt(c: Record<string, unknown>): Promise<void> {
    if (mqttClient) await mqttClient.endAsync(true);
    mqttClient = undefined;
    mqttConfig = c;
    if (c.active !== true) return;
    const will = typeof c.willTopic === 'string' && c.willTopic ? { topic: c.willTopic, payload: Buffer.from(String(c.willMessage ?? 'connection lost')), qos: 1 as const, retain: false } : undefined;
    mqttClient = await mqtt.connectAsync(`mqtt://${String(c.brokerHostname)}:${Number(c.brokerPort ?? 1883)}`, { clientId: String(c.clientId), reconnectPeriod: 0, ...(will ? { will } : {}) });
  }

  /** A reason the preset is refused (as the reader's 400), or undefined. */
  function checkPreset(p: unknown): [string, string] | undefined {
    if (p === null || typeof p !== 'object') return ['the request body is not an InventoryPreset object', ''];
    const cfgs = (p as { antennaConfigs?: unknown }).antennaConfigs;
    if (!Array.isArray(cfgs) || cfgs.length === 0) return ['antennaConfigs is required and must not be empty', '/antennaConfigs'];
    for (const [i, c] of (cfgs as Array<Record<string, unknown>>).entries()) {
      const at = `/antennaConfigs/${i}`;
      if (!Number.isInteger(c.antennaPort) || (c.antennaPort as number) < 1 || (c.antennaPort as number) > antennas) return [`antennaPort must be 1–${antennas}`, `${at}/antennaPort`];
      if (!Number.isInteger(c.transmitPowerCdbm) || (c.transmitPowerCdbm as number) < 1000 || (c.transmitPowerCdbm as number) > 3300) return ['transmitPowerCdbm must be 1000–3300', `${at}/transmitPowerCdbm`];
      if (!Number.isInteger(c.rfMode)) return ['rfMode must be an integer', `${at}/rfMode`];
      if (![0, 1, 2, 3].includes(c.inventorySession as number)) return ['inventorySession must be 0–3', `${at}/inventorySession`];
      if (!SEARCH_MODES.includes(c.inventorySearchMode as never)) return ['inventorySearchMode is not a supported search mode', `${at}/inventorySearchMode`];
      if (!Number.isInteger(c.estimatedTagPopulation) || (c.estimatedTagPopulation as number) < 1) return ['estimatedTagPopulation must be a positive integer', `${at}/estimatedTagPopulation`];
    }
    return undefined;
  }

  async function body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0]!;
      requests.push(`${req.method} ${path}`);
      if (o.username !== undefined) {
        const want = `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}`;
        if (req.headers.authorization !== want) return error(res, 401, 'Authentication failed: the user name or password is not valid');
      }
      if (hung) return; // the request stays open, unanswered
      if (unavailable > 0) {
        unavailable--;
        return error(res, 503, 'The reader is busy; try again later');
      }
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && path === '/api/v1/status') {
        return send(res, 200, { status: running ? 'running' : 'idle', time: iso(now()), serialNumber: '37020000000', ...(running ? { activePreset: { id: running, profile: 'inventory' } } : {}) });
      }
      if (req.method === 'POST' && path === '/api/v1/profiles/stop') {
        if (!running) return error(res, 403, 'No preset is running');
        running = undefined;
        write({ timestamp: iso(now()), eventType: 'inventoryStatus', inventoryStatusEvent: { inventoryStatus: 'idle' } });
        return send(res, 204);
      }
      if ((m = /^\/api\/v1\/profiles\/inventory\/presets\/([^/]+)$/.exec(path)) && req.method === 'PUT') {
        if (running === decodeURIComponent(m[1]!)) return error(res, 409, 'The preset is running; stop it first');
        let p: unknown;
        try {
          p = await body(req);
        } catch {
          return error(res, 400, 'The request body is not valid JSON');
        }
        const bad = checkPreset(p);
        if (bad) return error(res, 400, bad[0], bad[1] || undefined);
        presets.set(decodeURIComponent(m[1]!), p as Record<string, unknown>);
        return send(res, 204);
      }
      if ((m = /^\/api\/v1\/profiles\/inventory\/presets\/([^/]+)\/start$/.exec(path)) && req.method === 'POST') {
        const id = decodeURIComponent(m[1]!);
        if (!presets.has(id)) return error(res, 404, `Preset ${id} was not found`);
        if (running) return error(res, 409, `Preset ${running} is already running`);
        running = id;
        write({ timestamp: iso(now()), eventType: 'inventoryStatus', inventoryStatusEvent: { inventoryStatus: 'running' } });
        return send(res, 204);
      }
      if (req.method === 'PUT' && path === '/api/v1/mqtt') {
        const b = (await body(req)) as Record<string, unknown> | undefined;
        if (!b || typeof b.brokerHostname !== 'string') return error(res, 400, 'brokerHostname is required', '/brokerHostname');
        if (typeof b.eventTopic !== 'string' || !b.eventTopic) return error(res, 400, 'eventTopic is required', '/eventTopic');
        if (typeof b.clientId !== 'string' || !b.clientId) return error(res, 400, 'clientId is required', '/clientId');
        try {
          await applyMqtt(b);
        } catch (e) {
          return error(res, 502, `cannot reach the MQTT broker: ${(e as Error).message}`);
        }
        return send(res, 204);
      }
      if (req.method === 'PUT' && path === '/api/v1/device/gpos') {
        const b = (await body(req)) as { gpoConfigurations?: Array<{ gpo?: unknown; state?: unknown }> } | undefined;
        const list = b?.gpoConfigurations;
        if (!Array.isArray(list)) return error(res, 400, 'gpoConfigurations is required', '/gpoConfigurations');
        for (const [i, g] of list.entries()) {
          if (!Number.isInteger(g.gpo) || (g.gpo as number) < 1 || (g.gpo as number) > gpos) return error(res, 400, `gpo must be 1–${gpos}`, `/gpoConfigurations/${i}/gpo`);
          if (g.state !== 'high' && g.state !== 'low') return error(res, 400, 'state must be high or low', `/gpoConfigurations/${i}/state`);
        }
        for (const g of list) gpo.set(g.gpo as number, g.state as 'high' | 'low');
        return send(res, 204);
      }
      if (req.method === 'GET' && path === '/api/v1/data/stream') {
        streamsOpened++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        const s = { res, silent: false, keepalive: setInterval(() => s.silent || res.write('\r\n'), o.keepaliveMs ?? 500) };
        streams.add(s);
        res.on('close', () => {
          clearInterval(s.keepalive);
          streams.delete(s);
        });
        return;
      }
      return error(res, 404, `${req.method} ${path} is not a resource of this reader`);
    })().catch((e: unknown) => {
      if (!res.headersSent) error(res, 500, (e as Error).message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    presets,
    get running() {
      return running;
    },
    gpo,
    requests,
    get streams() {
      return streamsOpened;
    },
    tags(reads) {
      if (!running) return; // a reader not inventorying reads nothing
      const t = iso(now());
      for (const r of reads) {
        write({
          timestamp: t,
          eventType: 'tagInventory',
          tagInventoryEvent: { epcHex: r.epc.toUpperCase(), ...(r.tid ? { tidHex: r.tid.toUpperCase() } : {}), antennaPort: r.antenna, peakRssiCdbm: Math.round(r.rssi * 100), lastSeenTime: t },
        });
      }
    },
    gpi(p, high) {
      write({ timestamp: iso(now()), eventType: 'gpiTransition', gpiTransitionEvent: { gpi: p, transition: high ? 'low-to-high' : 'high-to-low' } });
    },
    misbehave: {
      dropStreams() {
        for (const s of streams) s.res.socket?.destroy();
      },
      silence() {
        for (const s of streams) s.silent = true;
      },
      unavailable(n) {
        unavailable = n;
      },
      rawLine(text) {
        for (const s of streams) if (!s.silent) s.res.write(`${text}\n`);
        if (mqttClient && mqttConfig) mqttClient.publish(String(mqttConfig.eventTopic), text, { qos: 1 });
      },
      dropMqtt() {
        mqttClient?.stream.destroy();
        mqttClient = undefined;
      },
      hang(on) {
        hung = on;
      },
    },
    get mqttConfig() {
      return mqttConfig;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.res.socket?.destroy();
        void mqttClient?.endAsync(true);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
