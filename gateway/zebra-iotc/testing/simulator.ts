// gateway/zebra-iotc/testing — a Zebra reader's IoT Connector as the broker sees it: a real MQTT client on a real
// broker that answers control commands (start, stop, get_mode, set_mode) on the control topic and management
// commands (get_status, get_config, set_config, set_gpo, get_gpoStatus, get_gpiStatus) on the management topic —
// a command sent to the wrong interface is refused as unknown there — keeps a mode and a configuration, runs or not,
// publishes tag data events and GPI/heartbeat management events in ZIOTC's JSON, and misbehaves on request
// (silence, refusals, a disconnected radio, garbage). Shapes from Zebra's RAW MQTT Payloads, as in ../events.ts.
import mqtt, { type MqttClient } from 'mqtt';
import { defaultTopics, type ZebraTopics } from '../events.js';

export interface SimRead {
  antenna: number;
  epc: string;
  rssi: number;
}

export interface ZebraIotcSimulatorOptions {
  brokerUrl: string;
  readerName: string;
  /** Its endpoints' topics when not the defaults for readerName. */
  topics?: Partial<ZebraTopics>;
  antennas?: number;
  gpos?: number;
  /** Heartbeat period on the management-events topic, ms. Default 500. */
  heartbeatMs?: number;
  /** Reader clock. Default Date.now. */
  now?: () => number;
}

export interface ZebraIotcSimulator {
  readonly topics: ZebraTopics;
  readonly mode: Record<string, unknown> | undefined;
  readonly running: boolean;
  readonly gpo: Map<number, boolean>;
  /** The last set_config payload. */
  readonly config: Record<string, unknown> | undefined;
  /** Commands seen, in order, as `control:start`, `management:get_status` … */
  readonly commands: string[];
  tags(reads: SimRead[]): void;
  gpi(pin: number, high: boolean): void;
  misbehave: {
    /** Answer nothing and publish nothing (heartbeats included) until turned off. */
    silence(on: boolean): void;
    /** Refuse set_mode with this description (undefined: accept again). */
    refuseMode(description: string | undefined): void;
    /** Refuse set_config with this description (undefined: accept again). */
    refuseConfig(description: string | undefined): void;
    /** The radio module connected (default) or not: get_status says so, start fails, tags are not read. */
    radio(connected: boolean): void;
    /** The radio stops inventorying as if someone else sent stop. */
    stopRadio(): void;
    raw(text: string): void;
  };
  close(): Promise<void>;
}

/** Zebra's timestamp style: milliseconds and a numeric offset without a colon. */
function zebraTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export async function startZebraIotcSimulator(o: ZebraIotcSimulatorOptions): Promise<ZebraIotcSimulator> {
  const now = o.now ?? Date.now;
  const topics = { ...defaultTopics(o.readerName), ...o.topics };
  const antennas = o.antennas ?? 4;
  const gpos = o.gpos ?? 3;
  const client: MqttClient = await mqtt.connectAsync(o.brokerUrl, { clientId: `ziotc-${o.readerName}`, reconnectPeriod: 200 });
  let mode: Record<string, unknown> | undefined;
  let running = false;
  let silent = false;
  let refuseMode: string | undefined;
  let refuseConfig: string | undefined;
  let radioConnected = true;
  let config: Record<string, unknown> | undefined;
  const bootMs = now();
  let eventNum = 0;
  const gpo = new Map<number, boolean>();
  const commands: string[] = [];
  const pub = (topic: string, obj: unknown) => void client.publish(topic, JSON.stringify(obj), { qos: 1 });

  await client.subscribeAsync([topics.controlCommands, topics.managementCommands], { qos: 1 });
  client.on('message', (topic, payload) => {
    if (silent) return;
    let c: { command?: unknown; command_id?: unknown; payload?: Record<string, unknown> };
    try {
      c = JSON.parse(payload.toString('utf8')) as typeof c;
    } catch {
      return;
    }
    if (typeof c.command !== 'string' || typeof c.command_id !== 'string') return;
    const control = topic === topics.controlCommands;
    commands.push(`${control ? 'control' : 'management'}:${c.command}`);
    const respond = (ok: boolean, p: unknown = {}) =>
      pub(control ? topics.controlResponses : topics.managementResponses, { command: c.command, command_id: c.command_id, payload: p, response: ok ? 'success' : 'failure' });
    const p = c.payload ?? {};
    const unknown = () => respond(false, { description: `unknown command ${String(c.command)}` });
    if (control) {
      switch (c.command) {
        case 'start':
          if (!radioConnected) return respond(false, { description: 'radio is not connected' });
          if (!mode) return respond(false, { description: 'no operating mode is set' });
          running = true;
          return respond(true);
        case 'stop':
          if (!running) return respond(false, { description: 'the radio is not running' });
          running = false;
          return respond(true);
        case 'set_mode': {
          if (refuseMode) return respond(false, { description: refuseMode });
          const ants = p.antennas;
          if (!Array.isArray(ants) || ants.some((a) => !Number.isInteger(a) || a < 1 || a > antennas)) return respond(false, { description: `antennas must be 1–${antennas}` });
          mode = p;
          return respond(true);
        }
        case 'get_mode':
          return respond(true, mode ?? {});
        default:
          return unknown();
      }
    }
    switch (c.command) {
      case 'get_status':
        return respond(true, {
          uptime: `0 days ${new Date(now() - bootMs).toISOString().slice(11, 19)}`,
          systemTime: zebraTime(now()),
          radioConnection: radioConnected ? 'connected' : 'disconnected',
          antennas: Object.fromEntries(Array.from({ length: antennas }, (_, i) => [String(i + 1), 'connected'])),
          temperature: 38,
          radioActivitiy: running ? 'active' : 'inactive',
          powerSource: 'DC',
        });
      case 'get_config':
        return respond(true, config ?? {});
      case 'set_config': {
        if (refuseConfig) return respond(false, { description: refuseConfig });
        const rg = p['READER-GATEWAY'] as { managementEventConfig?: { heartbeat?: { interval?: unknown } } } | undefined;
        const interval = rg?.managementEventConfig?.heartbeat?.interval;
        if (interval !== undefined && (!Number.isInteger(interval) || (interval as number) < 1)) return respond(false, { description: 'heartbeat interval must be a whole number of seconds ≥ 1' });
        config = p;
        return respond(true);
      }
      case 'set_gpo':
        if (!Number.isInteger(p.port) || (p.port as number) < 1 || (p.port as number) > gpos) return respond(false, { description: `port must be 1–${gpos}` });
        if (typeof p.state !== 'boolean') return respond(false, { description: 'state must be true or false' });
        gpo.set(p.port as number, p.state);
        return respond(true);
      case 'get_gpoStatus':
        return respond(true, Object.fromEntries(Array.from({ length: gpos }, (_, i) => [String(i + 1), gpo.get(i + 1) ? 'HIGH' : 'LOW'])));
      default:
        return unknown();
    }
  });
  const heartbeat = setInterval(() => silent || pub(topics.managementEvents, { type: 'heartbeat', timestamp: zebraTime(now()), data: { radio_control: { radioConnection: radioConnected ? 'connected' : 'disconnected', radioActivity: running ? 'active' : 'inactive', numTagReads: eventNum } } }), o.heartbeatMs ?? 500);

  return {
    topics,
    get mode() {
      return mode;
    },
    get running() {
      return running;
    },
    get config() {
      return config;
    },
    gpo,
    commands,
    tags(reads) {
      if (!running || silent || !radioConnected) return;
      pub(
        topics.data,
        reads.map((r) => ({ data: { eventNum: ++eventNum, format: 'epc', idHex: r.epc.toLowerCase(), antenna: r.antenna, peakRssi: r.rssi, seenCount: 1 }, timestamp: zebraTime(now()), type: 'SIMPLE' })),
      );
    },
    gpi(pin, high) {
      pub(topics.managementEvents, { type: 'GPI', timestamp: zebraTime(now()), data: { pin, state: high ? 'HIGH' : 'LOW' } });
    },
    misbehave: {
      silence(on) {
        silent = on;
      },
      refuseMode(d) {
        refuseMode = d;
      },
      refuseConfig(d) {
        refuseConfig = d;
      },
      radio(connected) {
        radioConnected = connected;
        if (!connected) running = false;
      },
      stopRadio() {
        running = false;
      },
      raw(text) {
        client.publish(topics.data, text, { qos: 1 });
      },
    },
    async close() {
      clearInterval(heartbeat);
      await client.endAsync(true);
    },
  };
}
