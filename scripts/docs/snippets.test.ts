// scripts/docs — every YAML snippet in docs/*.md names what it is in its fence (```yaml gateway, ```yaml hub, or
// ```yaml not-config) and every config snippet is valid: merged over the example config of its daemon (a snippet is
// usually one section) and checked against that daemon's config schema, so every key the guide names exists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GatewayConfigSchema } from '../../gateway/config/schema.js';
import { HubConfigSchema } from '../../hub/config/schema.js';
import { checkConfigValue } from '../../protocols/config/check.js';

const ROOT = join(import.meta.dirname, '../..');
const DOCS = join(ROOT, 'docs');

interface Snippet {
  file: string;
  line: number;
  kind: string;
  text: string;
}

/** The ```yaml blocks of a markdown text, with the word after `yaml` and their text (indentation removed). */
export function yamlBlocks(file: string, markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```yaml\b\s*(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, lines[j]!.length - lines[j]!.trimStart().length)));
    out.push({ file, line: i + 1, kind: open[2]!, text: body.join('\n') });
    i = j;
  }
  return out;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` merged into `base`: mappings key by key, anything else (lists, a mapping of another `type`) replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (!isMapping(base) || !isMapping(over)) return over;
  if ('type' in over && over.type !== base.type) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

const daemons: Record<string, { schema: TSchema; example: unknown }> = {
  gateway: { schema: GatewayConfigSchema, example: parse(readFileSync(join(ROOT, 'config/gateway.example.yaml'), 'utf8')) },
  hub: { schema: HubConfigSchema, example: parse(readFileSync(join(ROOT, 'config/hub.example.yaml'), 'utf8')) },
};

function problems(s: Snippet): string[] {
  const where = `${s.file}:${s.line}`;
  if (s.kind === 'not-config') return [];
  const daemon = daemons[s.kind];
  if (!daemon) return [`${where}: a yaml block must say what it is: \`\`\`yaml gateway, \`\`\`yaml hub or \`\`\`yaml not-config (got "${s.kind}")`];
  let doc: unknown;
  try {
    doc = parse(s.text);
  } catch (err) {
    return [`${where}: not YAML: ${(err as Error).message}`];
  }
  return checkConfigValue(daemon.schema, merge(daemon.example, doc)).issues.map((i) => `${where} (${s.kind}.yaml): ${i.path}: ${i.message}`);
}

const snippets = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .flatMap((f) => yamlBlocks(`docs/${f}`, readFileSync(join(DOCS, f), 'utf8')));

describe("the docs' YAML snippets", () => {
  it('the guide has config snippets of both daemons', () => {
    expect(snippets.filter((s) => s.kind === 'gateway').length).toBeGreaterThanOrEqual(2);
    expect(snippets.filter((s) => s.kind === 'hub').length).toBeGreaterThanOrEqual(2);
  });

  it('each says what it is, and each config snippet passes its daemon schema', () => {
    expect(snippets.flatMap(problems)).toEqual([]);
  });

  it('a key the schema does not know is caught, naming the file, line and key', () => {
    const bad = yamlBlocks('docs/x.md', 'text\n\n   ```yaml gateway\n   mqtt:\n     protocolVersoin: 5\n   ```\n');
    expect(bad).toHaveLength(1);
    expect(problems(bad[0]!).join('\n')).toMatch(/^docs\/x\.md:3 \(gateway\.yaml\): mqtt\.protocolVersoin: /);
    expect(problems({ file: 'docs/x.md', line: 9, kind: '', text: 'a: 1' })[0]).toContain('must say what it is');
  });
});
