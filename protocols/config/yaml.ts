// protocols/config — YAML text → plain data, or issues with line and column. No I/O: the loaders read the file.
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigIssue } from './issues.js';

export type YamlResult = { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] };

/**
 * Parse one YAML document (YAML 1.2 core schema: `yes`/`on` stay strings, `0x1f` is a number). Duplicate keys,
 * syntax errors and more than one document are errors; each issue names `line L, column C`.
 */
export function parseYamlText(text: string, source: string): YamlResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      // The first error only: later ones are mostly the parser's confusion after it.
      issues: doc.errors.slice(0, 1).map((e) => {
        const pos = lines.linePos(e.pos[0]);
        const where = `line ${pos.line}, column ${pos.col}: `;
        const first = e.message.split('\n')[0]!.replace(/; please use YAML\.parseAllDocuments\(\)$/, ' (one document per file)');
        return { source, path: '', message: `${where}YAML syntax: ${first}` };
      }),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (err) {
    return { ok: false, issues: [{ source, path: '', message: `YAML: ${(err as Error).message}` }] };
  }
}
