// gateway/publisher — test support: real brokers on free ports (embedded aedes; a Mosquitto process with a temp
// config), a TCP proxy that can cut live connections, and an MQTT subscriber that collects what arrives.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Aedes, type AedesOptions } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { untilEvent } from '../testing/steps.js';

/**
 * What `until` listens to: `changed()`, called by everything whose state its conditions read — the rig's publisher
 * after every step, subscribers and test hubs on every message, the rig's captured log on every line, and a test's own
 * broker hooks (one that holds a message). `until` re-checks its condition on each call, never on a timer.
 */
const notices = new EventEmitter().setMaxListeners(0);

/** Something `until` conditions may read has changed. */
export function changed(): void {
  notices.emit('changed');
}

/**
 * Wait for a condition: checked now and after every `changed()` (no polling). The deadline only turns a hang into a
 * failure naming what was awaited.
 */
export async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  await untilEvent(cond, what, [{ emitter: notices, events: ['changed'] }], ms);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface AedesBroker {
  broker: Aedes;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startAedes(opts: AedesOptions = {}): Promise<AedesBroker> {
  const broker = await Aedes.createBroker(opts);
  const server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    broker,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close();
        broker.close(() => resolve());
      }),
  };
}

export interface Mosquitto {
  port: number;
  url: string;
  /** SIGKILL (a crash) or SIGTERM (a clean stop that saves persistence). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same port with the same persistence. */
  start(): Promise<void>;
  /** Replace the acl_file and make Mosquitto reload it (SIGHUP). */
  setAcl(text: string): void;
  log(): string;
}

export interface MosquittoTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Clients must present a certificate signed by the CA; its CN becomes the user name. */
  requireCertificate: boolean;
}

/**
 * Mosquitto 2 with `listener <port> 127.0.0.1`, persistence in `dir`; `users` makes it refuse anonymous clients;
 * `tls` makes the listener TLS-only (mqtts://); `acl` is the text of an acl_file (rewrite it, then `reload()`);
 * `extra` are more mosquitto.conf lines (e.g. `autosave_interval 3600`).
 */
export async function startMosquitto(
  dir: string,
  { users, tls, acl, extra = [] }: { users?: Record<string, string>; tls?: MosquittoTls; acl?: string; extra?: string[] } = {},
): Promise<Mosquitto> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  // As root, Mosquitto would switch to the `mosquitto` user, who cannot read our private temp dir.
  const lines = [
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    `listener ${port} 127.0.0.1`,
    'persistence true',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
  ];
  if (users) {
    const pw = join(dir, 'passwd');
    writeFileSync(pw, '');
    for (const [u, p] of Object.entries(users)) execFileSync('mosquitto_passwd', ['-b', pw, u, p]);
    lines.push('allow_anonymous false', `password_file ${pw}`);
  } else if (tls?.requireCertificate) lines.push('allow_anonymous false');
  else lines.push('allow_anonymous true');
  if (acl !== undefined) {
    writeFileSync(join(dir, 'acl'), acl);
    lines.push(`acl_file ${join(dir, 'acl')}`);
  }
  if (tls) {
    lines.push(`cafile ${tls.caFile}`, `certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`);
    if (tls.requireCertificate) lines.push('require_certificate true', 'use_identity_as_username true');
  }
  lines.push(...extra);
  writeFileSync(conf, lines.join('\n') + '\n');
  let proc: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    const p = proc;
    // Ready when it says so: Mosquitto logs "mosquitto version … running" once its listeners are open (no polling).
    const from = log.length;
    await untilEvent(
      () => /mosquitto version \S+ running/.test(log.slice(from)) || p.exitCode !== null || p.signalCode !== null,
      `mosquitto to listen on ${port}`,
      [
        { emitter: p.stderr!, events: ['data'] },
        { emitter: p.stdout!, events: ['data'] },
        { emitter: p, events: ['exit'] },
      ],
      10_000,
    );
    if (p.exitCode !== null || p.signalCode !== null) throw new Error(`mosquitto exited (${p.exitCode ?? p.signalCode}): ${log}`);
  };
  await start();
  return {
    port,
    url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    start,
    log: () => log,
    setAcl: (text: string) => {
      writeFileSync(join(dir, 'acl'), text);
      proc?.kill('SIGHUP');
    },
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}

/** A TCP proxy in front of a broker: `cut()` destroys every live connection (a dead socket, a pulled cable). */
export class TcpProxy {
  private server: net.Server;
  private sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((inbound) => {
      const outbound = net.connect(this.targetPort, '127.0.0.1');
      this.sockets.add(inbound);
      this.sockets.add(outbound);
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      const done = () => {
        inbound.destroy();
        outbound.destroy();
        this.sockets.delete(inbound);
        this.sockets.delete(outbound);
      };
      inbound.on('error', done).on('close', done);
      outbound.on('error', done).on('close', done);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `mqtt://127.0.0.1:${this.port}`;
  }

  connections(): number {
    return this.sockets.size / 2;
  }

  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A subscriber (persistent session when `clientId` is given) that records every message. */
export async function subscriber(
  url: string,
  topicFilter: string,
  clientId?: string,
  extra: IClientOptions = {},
): Promise<{ client: MqttClient; messages: Received[]; close(): Promise<void> }> {
  const messages: Received[] = [];
  const client = mqtt.connect(url, {
    clientId: clientId ?? `test-sub-${Math.random().toString(36).slice(2)}`,
    clean: !clientId,
    reconnectPeriod: 50,
    ...extra,
  });
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  client.on('error', () => undefined);
  client.on('message', changed);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(topicFilter, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  });
  return { client, messages, close: () => client.endAsync(true) };
}
