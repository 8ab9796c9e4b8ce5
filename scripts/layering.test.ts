// The rooms' import rules (design.md, Layout): gateway/, hub/ and fleet/ never import each other; protocols/ imports
// none of them; production code imports no test support (which may import anything).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const ROOMS = ['protocols', 'gateway', 'hub', 'fleet'] as const;
const MAY: Record<(typeof ROOMS)[number], string[]> = { protocols: ['protocols'], gateway: ['gateway', 'protocols'], hub: ['hub', 'protocols'], fleet: ['fleet', 'protocols'] };

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'public' || name === 'client') continue;
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const isTestSupport = (rel: string) => rel.endsWith('.test.ts') || rel.split('/').some((d) => d === 'testing' || d === 'fixtures') || /test-support|test-fixture|scenario-support/.test(rel);

describe('layering', () => {
  it('each room imports only itself and protocols/; production code no test support', () => {
    const broken: string[] = [];
    for (const room of ROOMS) {
      for (const file of files(join(ROOT, room))) {
        const rel = relative(ROOT, file);
        for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
          const target = relative(ROOT, resolve(dirname(file), m[1]!));
          const top = target.split('/')[0]!;
          if (isTestSupport(rel)) continue; // test support may import anything
          if (!MAY[room].includes(top)) broken.push(`${rel} imports ${target}`);
          else if (isTestSupport(target)) broken.push(`${rel} (production) imports test support ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
