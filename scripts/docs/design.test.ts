// docs/design.md names, for each guarantee, the files that keep it and the tests that prove it: those names must stay
// true. Every repo path in backticks exists, and every test title quoted after a test file is in that file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../house.js';

const design = readFileSync(join(ROOT, 'docs/design.md'), 'utf8');

/** Backticked repo paths (`gateway/outbox/outbox.ts`, `hub/ingest/`), and test titles quoted right after a test file. */
function references(text: string): { paths: string[]; titles: { file: string; title: string }[] } {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  const paths = [...flat.matchAll(/`((?:protocols|runtime|gateway|hub|fleet|scripts|docs|config|systemd)\/[\w./-]*)`/g)].map((m) => m[1]!);
  const titles = [...flat.matchAll(/`([\w/.-]+\.test\.ts)`(?:,| \()\s*"([^"]+)"/g)].map((m) => ({ file: m[1]!, title: m[2]!.replace(/…$/, '') }));
  return { paths, titles };
}

describe('docs/design.md', () => {
  it('finds the references it checks', () => {
    const r = references('kept in `hub/a.ts`; tests `hub/a.test.ts` ("does x…"), `hub/b.test.ts`, "does\n   y"');
    expect(r.paths).toEqual(['hub/a.ts', 'hub/a.test.ts', 'hub/b.test.ts']);
    expect(r.titles).toEqual([{ file: 'hub/a.test.ts', title: 'does x' }, { file: 'hub/b.test.ts', title: 'does y' }]);
  });

  it('names only files that exist and test titles that are in the named test files', () => {
    const { paths, titles } = references(design);
    expect(paths.length).toBeGreaterThan(30);
    expect(titles.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
    expect(titles.filter(({ file, title }) => !readFileSync(join(ROOT, file), 'utf8').includes(title))).toEqual([]);
  });
});
