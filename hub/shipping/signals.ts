// hub/shipping — the light stacks at the doors, as a small command outbox: the wanted color of each door is written
// inside the transaction that decided it (so a rolled-back batch never lights anything), and sent to the door's
// gateway as a `light` command once committed: at once (scheduled right after the transaction), and again by a
// periodic sweep until the gateway's broker took it. A broker takes a command even when the gateway is away (or has
// never subscribed), so each time a gateway comes online its doors' wanted colors are sent again: latest state wins.
import type { Db, MigrationSet } from '../db/database.js';
import type { LightColor } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import { repeatTimer, systemRuntime, type Runtime, type Timer } from '../../runtime/runtime.js';

export const signalsMigrations: MigrationSet = {
  module: 'door-signals',
  migrations: [
    {
      version: 1,
      name: 'door light stacks',
      sql: `
CREATE TABLE door_signals (
  door         TEXT PRIMARY KEY,
  gateway      TEXT NOT NULL,
  color        TEXT NOT NULL CHECK (color IN ('green','red','amber','off')),
  reason       TEXT NOT NULL,
  version      INTEGER NOT NULL,
  sent_version INTEGER NOT NULL DEFAULT 0,
  updated_ms   INTEGER NOT NULL
) WITHOUT ROWID;
`,
    },
  ],
};

export type SendCommand = (gateway: string, command: Record<string, unknown>) => Promise<void>;

export interface DoorSignal {
  door: string;
  gateway: string;
  color: LightColor;
  reason: string;
  sent: boolean;
}

export class DoorSignals {
  private send: SendCommand | undefined;
  private timer: Timer | undefined;
  private flushing = false;
  private again = false;
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly sweepMs = 1000,
    private readonly runtime: Pick<Runtime, 'setTimer'> = systemRuntime,
  ) {}

  /** Want this color at the door (inside the caller's transaction); sent after commit. */
  set(db: Db, door: string, gateway: string, color: LightColor, reason: string, nowMs: number): void {
    db.prepare(
      `INSERT INTO door_signals (door, gateway, color, reason, version, updated_ms) VALUES (?, ?, ?, ?, 1, ?)
                ON CONFLICT (door) DO UPDATE SET gateway = excluded.gateway, color = excluded.color, reason = excluded.reason,
                version = version + 1, updated_ms = excluded.updated_ms`,
    ).run(door, gateway, color, reason, nowMs);
    this.schedule();
  }

  get(door: string): DoorSignal | undefined {
    const r = this.db.prepare('SELECT door, gateway, color, reason, version, sent_version FROM door_signals WHERE door = ?').get(door) as
      { door: string; gateway: string; color: LightColor; reason: string; version: number; sent_version: number } | undefined;
    return r && { door: r.door, gateway: r.gateway, color: r.color, reason: r.reason, sent: r.sent_version >= r.version };
  }

  /** The gateway came online: send its doors' wanted colors again (a command published while it was away was lost). */
  resend(gateway: string): void {
    if (!this.db.open) return;
    const n = this.db.prepare('UPDATE door_signals SET sent_version = 0 WHERE gateway = ? AND sent_version > 0').run(gateway).changes;
    if (n > 0) this.log.info({ gateway, doors: n }, 'gateway online: door lights sent again');
    this.schedule();
  }

  /** Start sending (the hub's sendCommand), with a sweep for what could not be sent. */
  start(send: SendCommand): void {
    this.send = send;
    this.timer = repeatTimer(this.runtime, this.sweepMs, () => void this.flush());
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.send = undefined;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // After the current synchronous transaction: only committed wishes are in the table by then.
    this.runtime.setTimer(0, () => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Send every wanted color not yet sent. */
  async flush(): Promise<void> {
    if (!this.send || !this.db.open) return;
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    try {
      do {
        this.again = false;
        const pending = this.db.prepare('SELECT door, gateway, color, reason, version FROM door_signals WHERE version > sent_version').all() as Array<{
          door: string;
          gateway: string;
          color: LightColor;
          reason: string;
          version: number;
        }>;
        for (const p of pending) {
          const send = this.send;
          if (!send) return;
          try {
            await send(p.gateway, { cmd: 'light', door: p.door, color: p.color });
            if (this.db.open) this.db.prepare('UPDATE door_signals SET sent_version = MAX(sent_version, ?) WHERE door = ?').run(p.version, p.door);
          } catch (err) {
            this.log.warn({ err, door: p.door, gateway: p.gateway, color: p.color }, 'light command not delivered; will retry');
          }
        }
      } while (this.again);
    } finally {
      this.flushing = false;
    }
  }
}
