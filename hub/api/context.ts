// hub/api — what route plugins are given: the database, the hub's clock and logger, and the running parts.
import type { Logger } from '../../protocols/logging/index.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Db } from '../db/database.js';
import type { DoorStore } from '../doors/store.js';
import type { IngestStore } from '../ingest/store.js';
import type { WriteHealth } from '../status/write-health.js';

export interface ApiContext {
  db: Db;
  clock: () => number;
  /** the hub's time, timers and randomness (its `now` is `clock`); absent: the system's */
  runtime?: Runtime;
  log: Logger;
  doors: DoorStore;
  ingest: IngestStore;
  /** Publish a command to a gateway (door mode hints, lights). */
  sendCommand?: (gateway: string, command: Record<string, unknown>) => Promise<void>;
  /** Real writes' storage failures (ingest, REST), for /ready and the status verdict. */
  writes?: WriteHealth;
}
