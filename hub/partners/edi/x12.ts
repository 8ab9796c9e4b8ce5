// hub/partners/edi — ASC X12 syntax through node-x12 (delimiters from the ISA, segments, the ISA/GS/ST envelope),
// then the control checks each envelope level asks for (SE01 segment count, SE02/GE02/IEA02 control numbers, GE01/IEA01
// counts, trailers present) with each problem pinned to its group, set, segment and element. No business meaning here.
import { X12Parser } from 'node-x12';
import type { Group, Interchange, Parsed, Problem, Segment, TransactionSet } from './envelope.js';

interface X12Elem {
  value: string;
}
interface X12Seg {
  tag: string;
  elements: X12Elem[];
}
interface X12Tx {
  header: X12Seg;
  trailer?: X12Seg;
  segments: X12Seg[];
}
interface X12Grp {
  header: X12Seg;
  trailer?: X12Seg;
  transactions: X12Tx[];
}
interface X12Ic {
  header?: X12Seg;
  trailer?: X12Seg;
  functionalGroups: X12Grp[];
  options: { subElementDelimiter: string; repetitionDelimiter: string };
}

const v = (s: X12Seg | undefined, n: number): string => s?.elements[n - 1]?.value ?? '';

export function looksLikeX12(text: string): boolean {
  return /^\s*ISA/.test(text);
}

export function parseX12(text: string): Parsed {
  const problems: Problem[] = [];
  const body = text.replace(/^\s+/, '');
  let ic: X12Ic;
  try {
    ic = new X12Parser(false).parse(body) as unknown as X12Ic;
  } catch (err) {
    return { problems: [{ level: 'interchange', segment: 'ISA', position: 1, code: 'syntax', problem: `not a readable X12 interchange: ${(err as Error).message}` }] };
  }
  if (!ic?.header || body.charAt(103) !== body.charAt(3)) {
    return { problems: [{ level: 'interchange', segment: 'ISA', position: 1, code: 'syntax', problem: 'the ISA segment is not the fixed 106 characters X12 requires (delimiters cannot be read)' }] };
  }
  const sub = ic.options.subElementDelimiter;
  const isa = ic.header;
  const control = body.slice(90, 99);
  const interchange: Interchange = {
    syntax: 'x12',
    sender: { qualifier: v(isa, 5).trim(), id: v(isa, 6).trim() },
    receiver: { qualifier: v(isa, 7).trim(), id: v(isa, 8).trim() },
    control,
    date: v(isa, 9),
    time: v(isa, 10),
    isaVersion: v(isa, 12),
    groups: [],
  };
  const split = (s: X12Seg): string[][] => s.elements.map((e) => (sub && e.value.includes(sub) ? e.value.split(sub) : [e.value]));
  ic.functionalGroups.forEach((g, gi) => {
    const group: Group = { functionalId: v(g.header, 1), control: v(g.header, 6), version: v(g.header, 8), sets: [] };
    g.transactions.forEach((t, si) => {
      const set: TransactionSet = {
        type: v(t.header, 1),
        control: v(t.header, 2),
        version: v(t.header, 3) || group.version,
        segments: t.segments.map((s, i): Segment => ({ tag: s.tag, elements: split(s), position: i + 2 })),
      };
      const at = { level: 'set' as const, group: gi, set: si };
      const trailerPos = t.segments.length + 2;
      if (!t.trailer) problems.push({ ...at, segment: 'SE', position: trailerPos, code: 'trailer-missing', problem: `transaction set ${set.type} ${set.control} has no SE trailer` });
      else {
        const count = v(t.trailer, 1);
        if (!/^\d+$/.test(count) || Number(count) !== trailerPos) {
          problems.push({ ...at, segment: 'SE', position: trailerPos, element: 1, code: 'count-mismatch', problem: `SE01 says ${JSON.stringify(count)} segments, the set has ${trailerPos} (ST to SE)` });
        }
        if (v(t.trailer, 2) !== set.control) problems.push({ ...at, segment: 'SE', position: trailerPos, element: 2, code: 'control-mismatch', problem: `SE02 ${JSON.stringify(v(t.trailer, 2))} does not match ST02 ${JSON.stringify(set.control)}` });
      }
      group.sets.push(set);
    });
    if (!g.trailer) problems.push({ level: 'group', group: gi, segment: 'GE', code: 'trailer-missing', problem: `functional group ${group.control} has no GE trailer` });
    else {
      if (Number(v(g.trailer, 1)) !== g.transactions.length) problems.push({ level: 'group', group: gi, segment: 'GE', element: 1, code: 'count-mismatch', problem: `GE01 says ${JSON.stringify(v(g.trailer, 1))} transaction sets, the group has ${g.transactions.length}` });
      if (v(g.trailer, 2) !== group.control) problems.push({ level: 'group', group: gi, segment: 'GE', element: 2, code: 'control-mismatch', problem: `GE02 ${JSON.stringify(v(g.trailer, 2))} does not match GS06 ${JSON.stringify(group.control)}` });
    }
    interchange.groups.push(group);
  });
  if (!ic.trailer) problems.push({ level: 'interchange', segment: 'IEA', code: 'trailer-missing', problem: 'the interchange ends without its IEA trailer: the file is truncated' });
  else {
    if (Number(v(ic.trailer, 1)) !== ic.functionalGroups.length) problems.push({ level: 'interchange', segment: 'IEA', element: 1, code: 'count-mismatch', problem: `IEA01 says ${JSON.stringify(v(ic.trailer, 1))} functional groups, the interchange has ${ic.functionalGroups.length}` });
    // node-x12 reads ISA13 and IEA02 as numbers; compare them the same way.
    if (Number(v(ic.trailer, 2)) !== Number(control)) problems.push({ level: 'interchange', segment: 'IEA', element: 2, code: 'control-mismatch', problem: `IEA02 ${JSON.stringify(v(ic.trailer, 2))} does not match ISA13 ${JSON.stringify(control)}` });
  }
  if (ic.functionalGroups.length === 0) problems.push({ level: 'interchange', segment: 'GS', code: 'segment-missing', problem: 'the interchange holds no functional group' });
  return { interchange, problems };
}
