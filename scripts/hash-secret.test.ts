// scripts — hash-secret CLI: the hash it prints verifies against the secret it was given.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { verifySecret } from '../protocols/secrets/secret-hash.js';

const SCRIPT = new URL('./hash-secret.ts', import.meta.url).pathname;
const TSX = new URL('../node_modules/.bin/tsx', import.meta.url).pathname;

describe('scripts/hash-secret.ts', () => {
  it('hashes a secret read from stdin', async () => {
    const out = execFileSync(TSX, [SCRIPT], { input: 'p@ss:word\n', encoding: 'utf8' }).trim();
    expect(out).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifySecret('p@ss:word', out)).toBe(true);
    expect(await verifySecret('p@ss:word\n', out)).toBe(false);
  });

  it('generates a secret and its hash', async () => {
    const out = execFileSync(TSX, [SCRIPT, '--generate'], { encoding: 'utf8' });
    const m = /^secret: (\S+)\nhash: {3}(\S+)\n$/.exec(out);
    expect(m).not.toBeNull();
    expect(await verifySecret(m![1]!, m![2]!)).toBe(true);
  });

  it('refuses an empty secret and unknown arguments', () => {
    const empty = spawnSync(TSX, [SCRIPT], { input: '', encoding: 'utf8' });
    expect(empty.status).toBe(65);
    expect(empty.stderr).toContain('hash-secret: the secret is empty');
    const bad = spawnSync(TSX, [SCRIPT, 'my-secret'], { encoding: 'utf8' });
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain('usage: hash-secret.ts [--generate]');
  });
});
