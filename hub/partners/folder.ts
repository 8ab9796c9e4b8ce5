// hub/partners — the watched inbound folder: each file dropped there is imported like POST /api/v1/inbound/edi, then
// moved to processed/ (applied, or a duplicate) or rejected/ beside it, with the acknowledgement (and for a rejection
// the problems as JSON) written next to it. Files starting with '.' are being written and are left alone.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../protocols/logging/index.js';
import type { ImportResult } from './inbound.js';

export function scanInboundFolder(folder: string, importText: (text: string, source: string) => ImportResult, log: Logger): ImportResult[] {
  const out: ImportResult[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (name.startsWith('.') || !statSync(path).isFile()) continue;
    const r = importText(readFileSync(path, 'latin1'), `folder:${name}`);
    const dest = join(folder, r.status === 'rejected' ? 'rejected' : 'processed');
    mkdirSync(dest, { recursive: true });
    if (r.ack) writeFileSync(join(dest, `${name}.${r.ack.type.toLowerCase()}`), r.ack.text);
    if (r.status === 'rejected') writeFileSync(join(dest, `${name}.problems.json`), `${JSON.stringify(r.problems, null, 2)}\n`);
    renameSync(path, join(dest, name));
    const ctx = { file: name, status: r.status, interchange: r.interchange, sender: r.sender, control: r.control, documents: r.documents.map((d) => d.receipt) };
    if (r.status === 'rejected') log.warn({ ...ctx, problems: r.problems.slice(0, 5).map((p) => `${p.at}: ${p.problem}`) }, 'EDI file rejected');
    else log.info(ctx, 'EDI file imported');
    out.push(r);
  }
  return out;
}
