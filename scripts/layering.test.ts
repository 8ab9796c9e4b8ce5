// The rooms' import rules (docs/design.md, Layout): gateway/, hub/ and fleet/ never import each other; runtime/ (process
// lifecycle, back-off, seeded randomness) serves all three; connectors/ (sales channels over HTTP) serves hub and fleet;
// protocols/ imports nothing of ours outside itself and does no process I/O; production code imports no test support
// and nothing from scripts/ (test support may import anything).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOMS, ROOT, isTestSupport, packageImports, relativeImports, sourceFiles, type Room } from './house.js';

/** What protocols/ may not touch: modules and packages that reach outside the process's memory. */
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|tls|dns|cluster|worker_threads|readline)$/;
const IO_PACKAGES = ['serialport', 'node-hid', 'mqtt', 'aedes', 'pg', 'better-sqlite3', 'ws', 'fastify', '@nats-io/transport-node', '@nats-io/jetstream'];
const IO_CALLS = /\bprocess\.(exit|on|once|kill|chdir|stdout|stderr|stdin|argv)\b|\bset(Timeout|Interval|Immediate)\(|\bfetch\(/;
/** The one exception, with its reason: the logger reads DOCKGATE_LOG_LEVEL and pino writes the log stream. */
const IO_ALLOWED: Record<string, string[]> = { 'protocols/logging/index.ts': ['pino'] };

function broken(): string[] {
  const out: string[] = [];
  for (const room of Object.keys(ROOMS) as Room[]) {
    for (const rel of sourceFiles(room)) {
      if (isTestSupport(rel)) continue; // test support may import anything
      const source = readFileSync(join(ROOT, rel), 'utf8');
      for (const target of relativeImports(rel, source)) {
        const top = target.split('/')[0]!;
        if (!(ROOMS[room] as readonly string[]).includes(top)) out.push(`${rel} imports ${target}`);
        else if (isTestSupport(target)) out.push(`${rel} (production) imports test support ${target}`);
      }
      if (room !== 'protocols') continue;
      for (const pkg of packageImports(source)) {
        if ((IO_MODULES.test(pkg) || IO_PACKAGES.includes(pkg)) && !IO_ALLOWED[rel]?.includes(pkg)) out.push(`${rel} (protocols) does I/O through ${pkg}`);
      }
      const call = IO_CALLS.exec(source);
      if (call) out.push(`${rel} (protocols) does process I/O: ${call[0]}`);
    }
  }
  return out;
}

describe('layering', () => {
  it('each room imports only itself and the rooms below it; production code no test support; protocols/ no I/O', () => {
    expect(broken()).toEqual([]);
  });
});
