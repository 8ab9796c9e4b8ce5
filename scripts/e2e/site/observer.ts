// scripts/e2e/site — the side subscriber: a separate MQTT client on the broker that records every event the gateways
// delivered (deduplicated by id), so the simulator can build an expected ledger from what the gateways really emitted
// and account for every seq of every stream (delivered, or inside a reported gap).
import mqtt, { type MqttClient } from 'mqtt';
import { parse } from '../../../protocols/events/index.js';
import { SITE } from './layout.js';

export interface SeenPass {
  id: string;
  gateway: string;
  epc: string;
  door: string;
  direction: 'in' | 'out' | 'unknown';
  lastSeenMs: number;
  /** When the observer received it (sim clock). */
  receivedAt: number;
}

export interface SeenScan {
  id: string;
  gateway: string;
  scanner: string;
  door: string | undefined;
  gtin: string | undefined;
  qty: number;
  receivedAt: number;
}

export class Observer {
  readonly scans = new Map<string, SeenScan>();
  /** The latest state each scanner's gateway reported, and when the observer got it. */
  readonly scannerStates = new Map<string, { state: string; receivedAt: number }>();
  readonly events = new Map<string, { gateway: string; stream: string; seq: number; kind: string }>();
  readonly passes = new Map<string, SeenPass>();
  readonly gaps = new Map<string, { gateway: string; stream: string; fromSeq: number; toSeq: number; count: number }>();
  duplicates = 0;
  unparsable = 0;
  subscribedAt = 0;
  private client?: MqttClient;

  async start(url: string): Promise<void> {
    const client = mqtt.connect(url, { clientId: 'sim-observer', clean: false, reconnectPeriod: 50, connectTimeout: 3000, protocolVersion: 4 });
    this.client = client;
    client.on('connect', (ack) => {
      // A persistent session that survived keeps its subscription; subscribe anyway (idempotent).
      client.subscribe(`dockgate/${SITE}/gw/+/events`, { qos: 1 }, (err) => {
        if (!err) this.subscribedAt = Date.now();
      });
      void ack;
    });
    client.on('close', () => (this.subscribedAt = 0));
    client.on('error', () => undefined);
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    const deadline = Date.now() + 15_000;
    while (!this.subscribedAt) {
      if (Date.now() > deadline) throw new Error(`observer: could not subscribe at ${url}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get subscribed(): boolean {
    return this.subscribedAt > 0 && !!this.client?.connected;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const gateway = topic.split('/')[3] ?? '?';
    // What the hub dead-letters (the sim's corrupt payloads among them) is no pass: judge it by the same contract.
    const parsed = parse(topic, payload);
    if (!parsed.ok || parsed.kind !== 'events') return void this.unparsable++;
    const batch = parsed.value;
    const now = Date.now();
    for (const e of batch.events) {
      if (!e || typeof e.id !== 'string') continue;
      if (this.events.has(e.id)) {
        this.duplicates++;
        continue;
      }
      this.events.set(e.id, { gateway, stream: e.stream, seq: e.seq, kind: e.kind });
      if (e.kind === 'tag.pass') this.passes.set(e.id, { id: e.id, gateway, epc: e.epc, door: e.door, direction: e.direction, lastSeenMs: Date.parse(e.lastSeen), receivedAt: now });
      if (e.kind === 'scan') this.scans.set(e.id, { id: e.id, gateway, scanner: e.scanner, door: e.door, gtin: e.gtin, qty: e.qty, receivedAt: now });
      if (e.kind === 'scanner') this.scannerStates.set(e.scanner, { state: e.state, receivedAt: now });
      if (e.kind === 'gap') this.gaps.set(e.id, { gateway, stream: e.stream, fromSeq: e.fromSeq, toSeq: e.toSeq, count: e.toSeq - e.fromSeq + 1 });
    }
  }

  /** Per stream: seqs neither delivered nor inside a reported gap (holes in what the observer saw). */
  holes(): Array<{ stream: string; gateway: string; seqs: number[] }> {
    const byStream = new Map<string, { gateway: string; seqs: Set<number>; max: number }>();
    for (const e of this.events.values()) {
      const s = byStream.get(e.stream) ?? { gateway: e.gateway, seqs: new Set<number>(), max: 0 };
      s.seqs.add(e.seq);
      s.max = Math.max(s.max, e.seq);
      byStream.set(e.stream, s);
    }
    for (const g of this.gaps.values()) for (let q = g.fromSeq; q <= g.toSeq; q++) byStream.get(g.stream)?.seqs.add(q);
    const out: Array<{ stream: string; gateway: string; seqs: number[] }> = [];
    for (const [stream, s] of byStream) {
      const missing: number[] = [];
      for (let q = 1; q <= s.max; q++) if (!s.seqs.has(q)) missing.push(q);
      if (missing.length) out.push({ stream, gateway: s.gateway, seqs: missing });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true).catch(() => undefined);
  }
}
