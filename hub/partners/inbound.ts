// hub/partners — importing one interchange: parse, map, and create every expected receipt / purchase order it carries
// in ONE SQLite transaction, or nothing; a rejection is stored with each problem (segment, element, what), and an
// acknowledgement (997 / TA1 / CONTRL) is made either way. The same control number from the same sender, once applied,
// answers `exists` and changes nothing.
import type { Db } from '../db/database.js';
import { LedgerError, type Actor } from '../ledger/index.js';
import { createReceipt } from '../receiving/store.js';
import { partnerOf, type PartnersConfig } from './config.js';
import { acknowledge, type Ack } from './edi/ack.js';
import type { PartnerDocument } from './edi/documents.js';
import { where, type Problem } from './edi/envelope.js';
import { mapSets, parseInterchange } from './edi/parse.js';
import { receiptInputOf, sourceOf } from './edi/receipt-input.js';
import { nextControl } from './store.js';

export interface ImportResult {
  status: 'applied' | 'rejected' | 'exists';
  interchange: number | null;
  sender: string | null;
  control: string | null;
  documents: Array<{ type: string; kind: 'asn' | 'po'; number: string; receipt: string; created: boolean }>;
  problems: Array<Problem & { at: string }>;
  ack: Ack | null;
}

class Rejected extends Error {}

export function importInterchange(db: Db, text: string, o: { config: PartnersConfig; source: string; actor: Actor; nowMs: number }): ImportResult {
  const parsed = parseInterchange(text);
  const ic = parsed.interchange;
  const { results, problems: mapProblems } = mapSets(parsed);
  const problems: Problem[] = [...parsed.problems, ...mapProblems];
  const sender = ic?.sender.id ?? null;
  const control = ic?.control ?? null;
  const partner = sender ? partnerOf(o.config, sender) : undefined;
  const partnerId = partner?.id ?? sender ?? 'unknown';
  const us = { id: o.config.ourId, qualifier: o.config.ourQualifier };
  const documents: ImportResult['documents'] = [];

  if (ic) {
    const dup = db.prepare("SELECT id FROM edi_interchanges WHERE sender = ? AND control = ? AND status = 'applied'").get(sender, control) as { id: number } | undefined;
    if (dup) {
      const docs = db.prepare('SELECT type, receipt, document FROM edi_documents WHERE interchange = ?').all(dup.id) as Array<{ type: string; receipt: string; document: string }>;
      return {
        status: 'exists', interchange: dup.id, sender, control, problems: [], ack: null,
        documents: docs.map((d) => ({ type: d.type, kind: (JSON.parse(d.document) as PartnerDocument).kind, number: (JSON.parse(d.document) as PartnerDocument).number, receipt: d.receipt, created: false })),
      };
    }
  }

  const store = (status: 'applied' | 'rejected', ack: Ack | null): number =>
    Number(db.prepare('INSERT INTO edi_interchanges (syntax, sender, control, partner, source, status, problems, ack_type, ack, body, received_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)')
      .run(ic?.syntax ?? null, sender, control, partnerId, o.source, status, JSON.stringify(problems), ack?.type ?? null, ack?.text ?? null, text, o.nowMs).lastInsertRowid);
  const ackOf = () => (ic ? acknowledge(ic, problems, us, nextControl(db, `${ic.syntax}:${sender}`), o.nowMs) : null);
  const result = (status: 'applied' | 'rejected', id: number, ack: Ack | null): ImportResult => ({ status, interchange: id, sender, control, documents, problems: problems.map((p) => ({ ...p, at: where(p) })), ack });

  if (problems.length === 0) {
    try {
      return db.transaction(() => {
        const pending: Array<{ set: string; type: string; receipt: string; doc: PartnerDocument }> = [];
        for (const r of results) {
          if (!r.result.ok) continue;
          const doc = r.result.doc;
          const set = ic!.groups[r.group]!.sets[r.set]!;
          const input = receiptInputOf(doc, { supplier: partnerId, companyPrefixLength: partner?.companyPrefixLength ?? 7 });
          if (!input.ok) {
            problems.push(...input.problems.map((p) => ({ ...p, group: r.group, set: r.set })));
            continue;
          }
          try {
            const created = createReceipt(db, input.mapping.input, o.actor, o.nowMs);
            documents.push({ type: set.type, kind: doc.kind, number: doc.number, receipt: created.id, created: created.status === 'created' });
            pending.push({ set: set.control, type: set.type, receipt: created.id, doc });
          } catch (err) {
            if (!(err instanceof LedgerError)) throw err;
            const src = sourceOf(input.mapping.sources, err.field);
            const code = err.code === 'conflict' ? 'conflict' : /unknown item|no item has GTIN|is not a GTIN of/.test(err.message) ? 'unknown-item' : 'invalid-code';
            problems.push({ level: 'set', group: r.group, set: r.set, segment: src?.segment ?? set.segments[0]?.tag ?? 'ST', ...(src ? { position: src.position } : {}), ...(src?.element !== undefined ? { element: src.element } : {}), code, problem: err.message });
          }
        }
        if (problems.length) throw new Rejected();
        const ack = ackOf();
        const id = store('applied', ack);
        const ins = db.prepare('INSERT INTO edi_documents (interchange, set_control, type, receipt, partner, document) VALUES (?,?,?,?,?,?)');
        for (const p of pending) ins.run(id, p.set, p.type, p.receipt, partnerId, JSON.stringify(p.doc));
        return result('applied', id, ack);
      })();
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      documents.length = 0;
    }
  }
  return db.transaction(() => {
    const ack = ackOf();
    return result('rejected', store('rejected', ack), ack);
  })();
}
