// gateway/outbox — crash safety: a child process appends (and acks) without pause and is killed with SIGKILL at random
// moments, again and again; after each kill the outbox must hold every event the child reported as committed (unless
// the child had announced acking it), seqs must be contiguous and never reused, and the stream id must not change.
// Runs: OUTBOX_CRASH_RUNS (default 50). Seed: OUTBOX_CRASH_SEED (default random; printed on failure to replay).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidEvent } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { Outbox } from './outbox.js';
import { rng } from '../../runtime/rng.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const RUNS = Number(process.env.OUTBOX_CRASH_RUNS ?? 50);
const SEED = Number(process.env.OUTBOX_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

let dir: string;
let childJs: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-crash-'));
  // The fixture is a TypeScript script; bundle it once with esbuild (the transpiler tsx uses) into one file (only the
  // native better-sqlite3 stays outside), so each of the many children starts in ~0.15 s of CPU instead of ~0.8 s
  // under tsx, and so the pid we SIGKILL is the process holding the database (the tsx CLI adds a wrapper process).
  childJs = join(dir, 'crash-child.cjs');
  execFileSync(join(root, 'node_modules/.bin/esbuild'), [join(here, 'fixtures/crash-child.ts'), '--bundle', '--platform=node', '--format=cjs', '--external:better-sqlite3', `--outfile=${childJs}`, '--log-level=warning']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


interface RunReport {
  stream?: string;
  startSeq?: number;
  appended: Array<[number, number]>;
  ackIntents: number[];
}

/** Start the child, kill it `killAfterMs` after it reports ready (or at once if it dies first), collect its report. */
function runChild(db: string, seed: number, killAfterMs: number): Promise<RunReport> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [childJs, db, String(seed)], { env: { ...process.env, NODE_PATH: join(root, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
    const report: RunReport = { appended: [], ackIntents: [] };
    let buf = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (line[0] === 'R') {
          report.stream = line[1];
          report.startSeq = Number(line[2]);
          killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        } else if (line[0] === 'A') report.appended.push([Number(line[1]), Number(line[2])]);
        else if (line[0] === 'K') report.ackIntents.push(...line.slice(1).map(Number));
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(killTimer);
      // A partial last line (cut by the kill) is not a report; complete lines are.
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (${_code}): ${stderr}`));
      else resolvePromise(report);
    });
  });
}

describe('Outbox crash safety (SIGKILL at random moments)', () => {
  it(`loses no committed event and never reuses a seq over ${RUNS} kills (seed ${SEED})`, async () => {
    // Two independent chains of kills run side by side (one per core), each on its own outbox file.
    const chains = [0, 1].map((c) => killChain(join(dir, `outbox-${c}.db`), rng(SEED + c), Math.ceil(RUNS / 2) - (c === 1 && RUNS % 2 ? 1 : 0)));
    const reported = await Promise.all(chains);
    expect(reported.reduce((a, b) => a + b, 0)).toBeGreaterThan(RUNS);
  }, 120_000);
});

/** `runs` kills of a child on one outbox file; returns how many seqs the children reported. */
async function killChain(db: string, rand: () => number, runs: number): Promise<number> {
    let stream: string | undefined;
    let lastSeq = 0;
    const reported = new Set<number>();
    const ackIntents = new Set<number>();
    for (let run = 0; run < runs; run++) {
      // One kill in five lands within a few ms of opening (inside the first transactions), the rest anywhere in 100 ms.
      const killAfter = rand() < 0.2 ? Math.floor(rand() * 3) : Math.floor(rand() * 100);
      const r = await runChild(db, 1 + Math.floor(rand() * 1e9), killAfter);
      const ctx = `${db} run ${run}, seed ${SEED}, kill after ${killAfter} ms`;
      expect(r.stream, ctx).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
      stream ??= r.stream;
      expect(r.stream, `stream id changed: ${ctx}`).toBe(stream);
      // The child resumes exactly after the last seq the outbox had made (committed, reported or not).
      expect(r.startSeq, ctx).toBe(lastSeq);
      let expectFirst = lastSeq + 1;
      for (const [first, last] of r.appended) {
        expect(first, `seqs not contiguous: ${ctx}`).toBe(expectFirst);
        for (let s = first; s <= last; s++) {
          expect(reported.has(s), `seq ${s} reused: ${ctx}`).toBe(false);
          reported.add(s);
        }
        expectFirst = last + 1;
      }
      for (const s of r.ackIntents) ackIntents.add(s);

      const o = Outbox.open({ path: db, logger: silentLogger() });
      try {
        expect(o.stream, ctx).toBe(stream);
        expect(o.lastSeq(), ctx).toBeGreaterThanOrEqual(expectFirst - 1);
        // At most one append can have committed after its report was cut off by the kill.
        const rows = o.peek(1_000_000);
        const present = new Set(rows.map((e) => e.seq));
        for (const s of reported) if (!ackIntents.has(s)) expect(present.has(s), `committed seq ${s} lost: ${ctx}`).toBe(true);
        for (const e of rows) {
          expect(e.stream).toBe(stream);
          expect(e.seq).toBeLessThanOrEqual(o.lastSeq());
          expect(isValidEvent(e)).toBe(true);
        }
        expect(new Set(rows.map((e) => e.id)).size).toBe(rows.length);
        expect(o.depth()).toBe(rows.length);
        // Seqs the child made but did not get to report are still in the outbox (nobody acked them).
        for (let s = expectFirst; s <= o.lastSeq(); s++) expect(present.has(s), `unreported seq ${s} missing: ${ctx}`).toBe(true);
        lastSeq = o.lastSeq();
      } finally {
        o.close();
      }
    }
    return reported.size;
}
