// gateway/daemon — commands from the hub (`cmd` topic, already checked against the contract by the publisher): light
// stacks and horns mapped to reader GPO ports per door from gateway.yaml, raw GPO writes, reader restarts, door mode
// hints and status reports. A command that cannot be carried out (unknown door or reader, no such output, stale, the
// reader refuses) is logged with the reason and dropped; nothing here throws to the caller.
import type { Command, DoorMode, GatewayDoor, LightColor } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import { systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';
import type { ReaderConfig } from '../config/schema.js';

export interface GpoTarget {
  reader: string;
  port: number;
}

export interface DoorOutputs {
  green?: GpoTarget;
  red?: GpoTarget;
  amber?: GpoTarget;
  horn?: GpoTarget;
}

const ROLE_KEY = { 'light-green': 'green', 'light-red': 'red', 'light-amber': 'amber', horn: 'horn' } as const;
const LIGHTS = ['green', 'red', 'amber'] as const;

/** Each door's light stack and horn outputs, from the readers' gpo lists. */
export function doorOutputsOf(readers: readonly ReaderConfig[]): Map<string, DoorOutputs> {
  const out = new Map<string, DoorOutputs>();
  for (const r of readers) {
    for (const g of r.gpo) {
      const d = out.get(g.door) ?? {};
      d[ROLE_KEY[g.role]] = { reader: r.id, port: g.port };
      out.set(g.door, d);
    }
  }
  return out;
}

export interface CommandTargets {
  doors: readonly string[];
  outputs: Map<string, DoorOutputs>;
  hasReader(reader: string): boolean;
  /** Whether the reader is connected and configured (a GPO write can go now). */
  isReading(reader: string): boolean;
  /** A GPO write that could not be applied (refused, or the reader not back before its expiry): report it to the hub. */
  notApplied(reader: string, reason: string): void;
  /** Resolves when the reader acknowledged the GPO write; rejects (with the reason) otherwise. */
  setGpo(reader: string, port: number, state: boolean): Promise<void>;
  restartReader(reader: string, reason: string): void;
  /** Publish the status now. */
  reportStatus(): void;
  /** The door states changed: republish the status (debounced). */
  statusChanged(): void;
}

export interface CommandRunnerOptions {
  logger: Logger;
  /** The gateway's time and timers (timed lights and pulses, GPO expiry). Default: the system's. */
  runtime?: Runtime;
  /** Actuator commands (light, horn, gpo.set, reader.restart) older than this are dropped. Default 60 s. */
  maxAgeMs?: number;
  /** How long a GPO write waits for its reader to come back (latest state per port wins). Default maxAgeMs. */
  gpoExpiryMs?: number;
}

interface DoorState {
  mode?: DoorMode;
  /** What the light shows now, and what it goes back to after a timed colour. */
  light?: LightColor;
  steady?: LightColor;
  lightTimer?: Timer;
}

export class CommandRunner {
  private readonly log: Logger;
  private readonly runtime: Runtime;
  private readonly maxAgeMs: number;
  private readonly doors = new Map<string, DoorState>();
  private readonly timers = new Map<string, Timer>();
  /** GPO writes waiting for their reader to come back: the latest state per reader#port, with its expiry. */
  private readonly latched = new Map<string, { t: GpoTarget; state: boolean; expiry: Timer }>();
  private readonly gpoExpiryMs: number;
  /** Commands carried out, rejected (bad, stale, unknown target) and failed (an output could not be set). */
  readonly counts = { done: 0, rejected: 0, failed: 0 };
  /** GPO writes: applied (the reader acknowledged), refused (the reader said no), expired (its reader not back in time). */
  readonly gpo = { applied: 0, refused: 0, expired: 0 };

  constructor(
    private readonly targets: CommandTargets,
    opts: CommandRunnerOptions,
  ) {
    this.log = opts.logger;
    this.runtime = opts.runtime ?? systemRuntime;
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.gpoExpiryMs = opts.gpoExpiryMs ?? this.maxAgeMs;
    for (const d of targets.doors) this.doors.set(d, {});
  }

  /** Carry out one command. Never rejects: problems are logged. */
  async handle(cmd: Command): Promise<void> {
    try {
      const problem = this.check(cmd);
      if (problem) return this.reject(cmd, problem);
      await this.run(cmd);
      this.counts.done++;
    } catch (err) {
      this.counts.failed++;
      this.log.error({ cmd: cmd.cmd, id: cmd.id, err: (err as Error).message }, `command ${cmd.cmd} failed: ${(err as Error).message}`);
    }
  }

  /** Door mode and light colour per door, for the status. */
  doorStates(): GatewayDoor[] {
    return [...this.doors].map(([id, s]) => ({ id, ...(s.mode ? { mode: s.mode } : {}), ...(s.light ? { light: s.light } : {}) }));
  }

  /** The reader is reading again: write what waited for it (the latest state per port), once. */
  async readerReady(reader: string): Promise<void> {
    const due = [...this.latched].filter(([, l]) => l.t.reader === reader);
    for (const [key, l] of due) {
      l.expiry.cancel();
      this.latched.delete(key);
    }
    await Promise.all(
      due.map(async ([, l]) => {
        try {
          await this.set(l.t, l.state);
          this.log.info({ reader, port: l.t.port, state: l.state }, `GPO ${l.t.port} of ${reader} set ${l.state ? 'on' : 'off'} now that the reader is back`);
        } catch {
          // set() reported it
        }
      }),
    );
  }

  /** GPO writes waiting for their reader. */
  pendingGpo(): number {
    return this.latched.size;
  }

  stop(): void {
    for (const l of this.latched.values()) l.expiry.cancel();
    this.latched.clear();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    for (const s of this.doors.values()) s.lightTimer?.cancel();
  }

  private check(cmd: Command): string | undefined {
    const actuator = cmd.cmd === 'light' || cmd.cmd === 'horn' || cmd.cmd === 'gpo.set' || cmd.cmd === 'reader.restart';
    const age = this.runtime.now() - Date.parse(cmd.ts);
    if (actuator && age > this.maxAgeMs) return `stale: sent ${Math.round(age / 1000)} s ago (more than ${this.maxAgeMs / 1000} s); a light, horn or restart that late would mislead the dock`;
    switch (cmd.cmd) {
      case 'light': {
        const out = this.outputsOf(cmd.door);
        if (typeof out === 'string') return out;
        if (cmd.color !== 'off' && !out[cmd.color]) return `door ${cmd.door} has no ${cmd.color} light (gateway.yaml readers[].gpo role light-${cmd.color})`;
        if (!LIGHTS.some((c) => out[c])) return `door ${cmd.door} has no light stack (gateway.yaml readers[].gpo)`;
        return undefined;
      }
      case 'horn': {
        const out = this.outputsOf(cmd.door);
        if (typeof out === 'string') return out;
        return out.horn ? undefined : `door ${cmd.door} has no horn (gateway.yaml readers[].gpo role horn)`;
      }
      case 'gpo.set':
      case 'reader.restart':
        return this.targets.hasReader(cmd.reader) ? undefined : `reader ${cmd.reader} is not configured on this gateway`;
      case 'door.mode':
        return this.doors.has(cmd.door) ? undefined : `door ${cmd.door} is not configured on this gateway`;
      case 'status.report':
        return undefined;
    }
  }

  private outputsOf(door: string): DoorOutputs | string {
    if (!this.doors.has(door)) return `door ${door} is not configured on this gateway`;
    return this.targets.outputs.get(door) ?? {};
  }

  private async run(cmd: Command): Promise<void> {
    switch (cmd.cmd) {
      case 'light': {
        const state = this.doors.get(cmd.door)!;
        state.lightTimer?.cancel();
        state.lightTimer = undefined;
        const timed = (cmd.durationMs ?? 0) > 0;
        if (!timed) state.steady = cmd.color;
        await this.showLight(cmd.door, cmd.color);
        if (timed) {
          state.lightTimer = this.runtime.setTimer(cmd.durationMs!, () => {
            state.lightTimer = undefined;
            this.showLight(cmd.door, state.steady ?? 'off').catch((err: unknown) => this.log.error({ door: cmd.door, err: (err as Error).message }, 'light: going back to the steady colour failed'));
          });
        }
        this.log.info({ cmd: cmd.cmd, id: cmd.id, door: cmd.door, color: cmd.color, durationMs: cmd.durationMs }, `light at ${cmd.door}: ${cmd.color}${timed ? ` for ${cmd.durationMs} ms` : ''}`);
        return;
      }
      case 'horn': {
        const horn = this.targets.outputs.get(cmd.door)!.horn!;
        await this.pulse(horn, true, cmd.durationMs);
        this.log.info({ cmd: cmd.cmd, id: cmd.id, door: cmd.door, durationMs: cmd.durationMs }, `horn at ${cmd.door} for ${cmd.durationMs} ms`);
        return;
      }
      case 'gpo.set':
        await this.pulse({ reader: cmd.reader, port: cmd.port }, cmd.state, cmd.durationMs ?? 0);
        this.log.info({ cmd: cmd.cmd, id: cmd.id, reader: cmd.reader, port: cmd.port, state: cmd.state, durationMs: cmd.durationMs }, `GPO ${cmd.port} of ${cmd.reader} set ${cmd.state ? 'on' : 'off'}`);
        return;
      case 'reader.restart':
        this.log.info({ cmd: cmd.cmd, id: cmd.id, reader: cmd.reader }, `restarting reader ${cmd.reader} on command`);
        this.targets.restartReader(cmd.reader, `command ${cmd.id}`);
        return;
      case 'door.mode': {
        const state = this.doors.get(cmd.door)!;
        const was = state.mode;
        state.mode = cmd.mode;
        this.log.info({ cmd: cmd.cmd, id: cmd.id, door: cmd.door, mode: cmd.mode, was }, `door ${cmd.door} mode: ${cmd.mode}`);
        this.targets.statusChanged();
        return;
      }
      case 'status.report':
        this.log.info({ cmd: cmd.cmd, id: cmd.id }, 'status report requested');
        this.targets.reportStatus();
        return;
    }
  }

  /** One colour on, the others off (off first, so the stack never shows two colours). */
  private async showLight(door: string, color: LightColor): Promise<void> {
    const out = this.targets.outputs.get(door) ?? {};
    const state = this.doors.get(door)!;
    const offs = LIGHTS.filter((c) => c !== color && out[c]).map((c) => this.set(out[c]!, false));
    await Promise.all(offs);
    if (color !== 'off') await this.set(out[color]!, true);
    state.light = color;
    this.targets.statusChanged();
  }

  /** Set a GPO; with a duration, set it back afterwards (a newer write to the same port cancels the pending one). */
  private async pulse(t: GpoTarget, state: boolean, durationMs: number): Promise<void> {
    const key = `${t.reader}#${t.port}`;
    const pending = this.timers.get(key);
    pending?.cancel();
    this.timers.delete(key);
    await this.set(t, state);
    if (durationMs > 0) {
      this.timers.set(
        key,
        this.runtime.setTimer(durationMs, () => {
          this.timers.delete(key);
          this.set(t, !state).catch((err: unknown) => this.log.error({ reader: t.reader, port: t.port, err: (err as Error).message }, `GPO ${t.port} of ${t.reader}: setting it back failed`));
        }),
      );
    }
  }

  /** Write a GPO now, or, while its reader is not reading, keep it (latest per port) until the reader is back. */
  private async set(t: GpoTarget, state: boolean): Promise<void> {
    const key = `${t.reader}#${t.port}`;
    const waiting = this.latched.get(key);
    waiting?.expiry.cancel();
    this.latched.delete(key);
    const what = `GPO ${t.port} ${state ? 'on' : 'off'}`;
    if (!this.targets.isReading(t.reader)) {
      const expiry = this.runtime.setTimer(this.gpoExpiryMs, () => {
        this.latched.delete(key);
        this.gpo.expired++;
        const reason = `${what}: not applied, reader ${t.reader} was not back within ${Math.round(this.gpoExpiryMs / 1000)} s`;
        this.log.error({ reader: t.reader, port: t.port, state }, reason);
        this.targets.notApplied(t.reader, reason);
      });
      this.latched.set(key, { t, state, expiry });
      this.log.info({ reader: t.reader, port: t.port, state }, `${what} waits for reader ${t.reader} to be back`);
      return;
    }
    try {
      await this.targets.setGpo(t.reader, t.port, state);
      this.gpo.applied++;
    } catch (err) {
      this.gpo.refused++;
      this.targets.notApplied(t.reader, `${what}: not applied: ${(err as Error).message}`);
      throw err;
    }
  }

  private reject(cmd: Command, reason: string): void {
    this.counts.rejected++;
    this.log.warn({ cmd: cmd.cmd, id: cmd.id, reason }, `command ${cmd.cmd} rejected: ${reason}`);
  }
}
