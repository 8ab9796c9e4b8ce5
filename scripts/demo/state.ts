// scripts/demo — what the demo keeps in its state folder besides the hub's and gateway's databases: the next round
// (so a restart continues with fresh pallets instead of replaying EPCs the ledger already has) and its own API token.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface DemoState {
  nextRound: number;
}

const stateFile = (dir: string) => join(dir, 'demo-state.json');

/** The round to play next: 1 on a fresh folder. A state file that cannot be read stops the demo naming it. */
export function nextRound(dir: string): number {
  const path = stateFile(dir);
  if (!existsSync(path)) return 1;
  let s: Partial<DemoState>;
  try {
    s = JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoState>;
  } catch (err) {
    throw new Error(`${path}: not JSON (${(err as Error).message}); delete it, or the whole folder to reset the demo`);
  }
  if (!Number.isInteger(s.nextRound) || s.nextRound! < 1) throw new Error(`${path}: nextRound: expected a whole number ≥ 1, got ${JSON.stringify(s.nextRound)}`);
  return s.nextRound!;
}

/** Record that `round` has started: a restart plays the one after it, even if this one was cut short. */
export function roundStarted(dir: string, round: number): void {
  const path = stateFile(dir);
  writeFileSync(`${path}.tmp`, JSON.stringify({ nextRound: round + 1 } satisfies DemoState));
  renameSync(`${path}.tmp`, path);
}

/** The demo's own admin token: made once per state folder, kept readable by this user only. */
export function demoToken(dir: string): string {
  const path = join(dir, 'api-token');
  if (existsSync(path)) {
    const t = readFileSync(path, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{20,}$/.test(t)) return t;
  }
  const t = randomBytes(24).toString('base64url');
  writeFileSync(path, `${t}\n`, { mode: 0o600 });
  return t;
}
