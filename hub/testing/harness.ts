// hub/testing — a real hub for tests (not used in production): temp SQLite file, embedded broker and HTTP on free
// ports, a small site, and a gateway-like MQTT client that publishes batches exactly as a gateway does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { WIRE_VERSION, isoTs, newEventId, topics, type Event, type EventDraft } from '../../protocols/events/index.js';
import { silentLogger, type Logger } from '../../protocols/logging/index.js';
import { startHub, type Hub, type HubModules } from '../app.js';
import { parseHubConfig } from '../config/load.js';
import type { HubConfig } from '../config/schema.js';
import { systemRuntime } from '../../runtime/runtime.js';

export const TEST_SITE = 'test-site';
export const TEST_GATEWAY = 'gw-1';
export const TEST_GATEWAY_PASSWORD = 'gw-1-secret';

/** A site with one receiving, one shipping and one returns door, all watched by gw-1. */
export const BASE_SITE_YAML = `
locations:
  - { id: dc, kind: zone }
  - { id: dock-1, kind: door, parent: dc }
  - { id: dock-2, kind: door, parent: dc }
  - { id: dock-3, kind: door, parent: dc }
  - { id: receiving, kind: receiving, parent: dc }
  - { id: stock, kind: stock, parent: dc, sellable: true }
  - { id: returns, kind: returns, parent: dc }
doors:
  - { id: door-1, mode: receiving, gateway: gw-1, location: dock-1 }
  - { id: door-2, mode: shipping, gateway: gw-1, location: dock-2 }
  - { id: door-3, mode: returns, gateway: gw-1, location: dock-3 }
`;

export interface TestHub {
  hub: Hub;
  dir: string;
  dbPath: string;
  mqttUrl: string;
  stop(): Promise<void>;
}

export async function startTestHub(
  opts: {
    site?: string;
    yaml?: string;
    /** The broker and http sections (YAML flow mappings); default: embedded broker and HTTP on loopback, free ports. */
    broker?: string;
    http?: string;
    modules?: HubModules;
    modulesFor?: (config: HubConfig) => HubModules;
    clock?: () => number;
    logger?: Logger;
    dir?: string;
    env?: Record<string, string>;
  } = {},
): Promise<TestHub> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'dockgate-hub-'));
  const dbPath = join(dir, 'hub.db');
  const yaml = `site: ${opts.site ?? TEST_SITE}
database: { path: ${dbPath} }
broker: ${opts.broker ?? '{ type: embedded, tcp: { host: 127.0.0.1, port: 0 } }'}
http: ${opts.http ?? '{ host: 127.0.0.1, port: 0 }'}
${opts.yaml ?? BASE_SITE_YAML}`;
  const external = opts.broker?.includes('external') ?? false;
  const env = { ...(external ? {} : { DOCKGATE_GATEWAY_PASSWORDS: `${TEST_GATEWAY}:${TEST_GATEWAY_PASSWORD}` }), ...opts.env };
  const config = parseHubConfig(yaml, { env, baseDir: dir });
  const hub = await startHub(
    config,
    opts.logger ?? silentLogger(),
    opts.modulesFor?.(config) ?? opts.modules ?? {},
    opts.clock ? { ...systemRuntime, now: opts.clock } : systemRuntime,
  );
  return {
    hub,
    dir,
    dbPath,
    mqttUrl:
      hub.broker && config.broker.type === 'embedded'
        ? `mqtt://${config.broker.tcp.host === '0.0.0.0' ? '127.0.0.1' : config.broker.tcp.host}:${hub.broker.port}`
        : '',
    async stop() {
      await hub.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A gateway-like publisher: stamps drafts with id/stream/seq/ts and publishes batches with QoS 1. */
export class TestGateway {
  readonly client: MqttClient;
  private seq = 0;

  private constructor(
    client: MqttClient,
    readonly gateway: string,
    readonly stream: string,
    private readonly clock: () => number,
    readonly site: string = TEST_SITE,
  ) {
    this.client = client;
  }

  static async connect(
    url: string,
    opts: { gateway?: string; password?: string; stream?: string; clock?: () => number; site?: string } = {},
  ): Promise<TestGateway> {
    const gateway = opts.gateway ?? TEST_GATEWAY;
    const client = await mqtt.connectAsync(url, {
      clientId: `test-${gateway}-${Math.random().toString(36).slice(2)}`,
      username: gateway,
      password: opts.password ?? TEST_GATEWAY_PASSWORD,
      reconnectPeriod: 0,
      clean: true,
    });
    return new TestGateway(
      client,
      gateway,
      opts.stream ?? `test-stream-${Math.random().toString(36).slice(2, 10)}`,
      opts.clock ?? Date.now,
      opts.site ?? TEST_SITE,
    );
  }

  /** Stamp drafts as the outbox would. */
  stamp(drafts: EventDraft[]): Event[] {
    return drafts.map((d) => {
      const now = this.clock();
      return { ...d, id: newEventId(now), stream: this.stream, seq: ++this.seq, ts: isoTs(now) } as Event;
    });
  }

  /** Publish events as one batch; resolves on the broker's PUBACK (the hub has committed by then). */
  async publish(events: Event[]): Promise<void> {
    await this.client.publishAsync(
      topics.events(this.site, this.gateway),
      JSON.stringify({ v: WIRE_VERSION, gateway: this.gateway, stream: this.stream, events }),
      { qos: 1 },
    );
  }

  async send(drafts: EventDraft[]): Promise<Event[]> {
    const events = this.stamp(drafts);
    await this.publish(events);
    return events;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
