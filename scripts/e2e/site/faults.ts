// scripts/e2e/site — carrying out the planned faults at their moments: kill -9 and restart of hub, gateway and broker,
// LLRP links dropped, keepalives stopped, TCP chunks split and coalesced, the channel's API throttling, failing and
// hanging, and garbage published on a gateway's events topic with that gateway's own credentials. Faults that would
// make the portal miss a pallet physically (a dead reader link, a killed gateway's in-memory pass) wait until the
// affected doors are free and their last pass has been emitted; the rest strike whenever they fall.
import mqtt from 'mqtt';
import type { ShopifyFault } from '../../../hub/channels/testing/fake-shopify.js';
import { topics } from '../../../protocols/events/index.js';
import type { DayRunner } from './day.js';
import { SITE } from './layout.js';
import type { Fault } from './plan.js';
import { sleep, until } from './processes.js';
import type { Site } from './site.js';

export interface FaultLog {
  fault: Fault;
  startedAt: number;
  tookMs: number;
  note: string;
}

/** Garbage of three kinds: not JSON, JSON of the wrong shape, a batch whose event breaks the schema. */
const GARBAGE = [
  Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7b]),
  Buffer.from('{"v":1,"gateway":"x","events":"not a list"'),
  Buffer.from(JSON.stringify({ v: 1, gateway: 'x', stream: 's', events: [{ id: 'not-a-uuid', kind: 'tag.pass', seq: -1 }] })),
];

export class FaultRunner {
  readonly log: FaultLog[] = [];
  corruptionsSent = 0;

  constructor(
    private readonly site: Site,
    private readonly day: DayRunner,
    private readonly faults: Fault[],
    private readonly absenceMs: number,
    private readonly say: (line: string) => void,
  ) {}

  private doorsOf(gateway: string): string[] {
    return this.site.doors.filter((d) => d.gateway === gateway).map((d) => d.id);
  }

  /** Hold the doors, and let their last pass be emitted (the portal's absence time) before the fault. */
  private async quiet<T>(doors: string[], fn: () => Promise<T>): Promise<T> {
    return this.day.locks.with(doors, async () => {
      const last = Math.max(0, ...doors.map((d) => this.day.stats.lastPassEnd.get(d) ?? 0));
      const wait = last + this.absenceMs + 500 - Date.now();
      if (wait > 0) await sleep(wait);
      return fn();
    });
  }

  async run(t0: number): Promise<void> {
    for (const f of this.faults) {
      const wait = t0 + f.at - Date.now();
      if (wait > 0) await sleep(wait);
      if (this.day.stopping) return;
      const started = Date.now();
      const note = await this.strike(f);
      this.log.push({ fault: f, startedAt: started - t0, tookMs: Date.now() - started, note });
      this.say(`  fault @${((started - t0) / 1000).toFixed(1)}s ${f.kind} ${f.target}: ${note} (${Date.now() - started} ms)`);
    }
  }

  private async strike(f: Fault): Promise<string> {
    const s = this.site;
    switch (f.kind) {
      case 'hub-kill':
        await s.restartHub(f.param);
        return `kill -9, down ${f.param} ms, restarted`;
      case 'broker-kill':
        await s.restartBroker(f.param);
        return `kill -9 Mosquitto, down ${f.param} ms, restarted`;
      case 'gateway-kill':
        return this.quiet(this.doorsOf(f.target), async () => {
          await s.restartGateway(f.target, f.param);
          return `kill -9, down ${f.param} ms, restarted and reading`;
        });
      case 'llrp-drop': {
        const door = s.doors.find((d) => d.id === f.target)!;
        const reader = s.readers.get(door.reader)!;
        return this.quiet([door.id], async () => {
          const before = reader.stats.connections;
          reader.misbehave.dropConnection();
          await until(() => reader.stats.connections > before && reader.rospecState === 'active' && reader.connected, `the gateway to reconnect ${door.reader}`, 30_000);
          return `dropped ${door.reader}'s connection; the gateway reconnected`;
        });
      }
      case 'keepalive-stop': {
        const door = s.doors.find((d) => d.id === f.target)!;
        const reader = s.readers.get(door.reader)!;
        return this.quiet([door.id], async () => {
          const before = reader.stats.connections;
          reader.misbehave.stopKeepalives(true);
          try {
            await until(() => reader.stats.connections > before, `the gateway to give up on ${door.reader}'s silent keepalives`, 30_000);
          } finally {
            reader.misbehave.stopKeepalives(false);
          }
          await until(() => reader.rospecState === 'active' && reader.connected, `${door.reader} to inventory again`, 30_000);
          return `stopped ${door.reader}'s keepalives; the gateway noticed and reconnected`;
        });
      }
      case 'split':
      case 'coalesce': {
        const door = s.doors.find((d) => d.id === f.target)!;
        const reader = s.readers.get(door.reader)!;
        const set = f.kind === 'split' ? reader.misbehave.splitBytes : reader.misbehave.coalesce;
        set(true);
        await sleep(f.param);
        set(false);
        return `${door.reader} ${f.kind === 'split' ? 'split every message at every byte' : 'coalesced messages'} for ${f.param} ms`;
      }
      case 'channel-fault': {
        if (f.target === 'shop' && s.shop) {
          // Throttled (429, then THROTTLED in a 200), failing (500, then applied-but-502), hanging (late, then applied-but-late).
          const variants: ShopifyFault[][] = [[{ kind: 'http429' }, { kind: 'throttle' }], [{ kind: 'http500' }, { kind: 'apply-then-500' }], [{ kind: 'hang', ms: 2500 }, { kind: 'apply-then-hang', ms: 2500 }]];
          const v = variants[f.param % variants.length]!;
          s.shop.faults.push(...v);
          return `Shopify's next answers: ${v.map((x) => x.kind).join(', ')}`;
        }
        const variants: Array<Array<number | `hang:${number}`>> = [[429, 429], [500, 503], ['hang:2500']];
        const v = variants[f.param % variants.length]!;
        s.webhook.faults.push(...v);
        return `the webhook channel's next answers: ${v.join(', ')}`;
      }
      case 'scanner-unplug': {
        const sc = s.scanner!;
        // The operator has the door: the scanner is pulled, a carton is scanned into nothing, then it is plugged back.
        return this.day.locks.with([sc.door], async () => {
          await s.unplugScanner();
          const during = f.scan ? this.day.scan(f.scan, false, true) : Promise.resolve();
          await sleep(f.param);
          await s.plugScanner();
          const back = await until(() => s.scannerReady, `the gateway to open ${sc.id} again`, 30_000).then(() => true, () => false);
          await during;
          return `unplugged ${sc.id} (socat killed) for ${f.param} ms, plugged back${back ? ', the gateway reopened it' : ' — the gateway did NOT report it open within 30 s'}${f.scan ? `; a carton scanned meanwhile was scanned again` : ''}`;
        });
      }
      case 'corrupt': {
        const g = s.gateways.find((x) => x.id === f.target)!;
        const client = await mqtt.connectAsync(s.brokerUrl, { clientId: `rogue-${g.id}-${Date.now()}`, username: g.id, password: g.password, reconnectPeriod: 0, connectTimeout: 5000 });
        const payload = GARBAGE[f.param % GARBAGE.length]!;
        await client.publishAsync(topics.events(SITE, g.id), payload, { qos: 1 });
        await client.endAsync();
        this.corruptionsSent++;
        return `published ${payload.length} bytes of garbage on ${g.id}'s events topic with its credentials`;
      }
    }
  }
}
