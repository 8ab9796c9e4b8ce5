// hub/partners/edi — one entry for a partner's file: which syntax it is, its envelope, and each transaction set
// mapped to its document (856 / DESADV ship notices, 850 / ORDERS purchase orders). Pure.
import type { MapResult } from './documents.js';
import { parseEdifact, looksLikeEdifact } from './edifact.js';
import type { Parsed, Problem, TransactionSet } from './envelope.js';
import { map856 } from './map-856.js';
import { mapDesadv } from './map-desadv.js';
import { map850, mapOrders } from './map-po.js';
import { looksLikeX12, parseX12 } from './x12.js';

const MAPPERS: Record<string, (set: TransactionSet) => MapResult> = { '856': map856, DESADV: mapDesadv, '850': map850, ORDERS: mapOrders };

export function parseInterchange(text: string): Parsed {
  if (looksLikeX12(text)) return parseX12(text);
  if (looksLikeEdifact(text)) return parseEdifact(text);
  return { problems: [{ level: 'interchange', segment: text.trim().slice(0, 3) || '(empty)', position: 1, code: 'syntax', problem: 'neither X12 (starts with ISA) nor EDIFACT (starts with UNA or UNB)' }] };
}

/** Each set's mapping; a set of a type we do not read is a problem of that set. */
export function mapSets(parsed: Parsed): { results: Array<{ group: number; set: number; result: MapResult }>; problems: Problem[] } {
  const problems: Problem[] = [];
  const results: Array<{ group: number; set: number; result: MapResult }> = [];
  parsed.interchange?.groups.forEach((g, gi) =>
    g.sets.forEach((s, si) => {
      const mapper = MAPPERS[s.type];
      if (!mapper) {
        problems.push({ level: 'set', group: gi, set: si, segment: parsed.interchange!.syntax === 'x12' ? 'ST' : 'UNH', position: 1, element: parsed.interchange!.syntax === 'x12' ? 1 : 2, code: 'unsupported-set', problem: `${s.type} is not a document dockgate reads (856, 850, DESADV, ORDERS)` });
        return;
      }
      const result = mapper(s);
      if (!result.ok) problems.push(...result.problems.map((p) => ({ ...p, group: gi, set: si })));
      results.push({ group: gi, set: si, result });
    }),
  );
  return { results, problems };
}
