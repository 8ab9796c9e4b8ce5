// hub/partners/edi — UN/EDIFACT syntax through the `edifact` package (UNA service characters, release character,
// UNOA–UNOC character sets, the service segments' element counts), then the envelope: UNB…UNZ, optional UNG…UNE,
// UNH…UNT, and the control checks (UNT segment count and reference, UNE/UNZ counts and references), each problem
// pinned to its message, segment and element. No business meaning here.
import Parser from 'edifact/parser.js';
import Validator from 'edifact/validator.js';
import serviceElements from 'edifact/elements.js';
import serviceSegments from 'edifact/segments.js';
import type { Group, Interchange, Parsed, Problem, TransactionSet } from './envelope.js';

interface RawSegment {
  tag: string;
  elements: string[][];
}

export function looksLikeEdifact(text: string): boolean {
  return /^\s*(UNA|UNB)/.test(text);
}

/** Segments as the library reads them; on a syntax error, those read so far and the error. */
function tokenize(text: string): { segments: RawSegment[]; error?: string } {
  const validator = new Validator();
  validator.define(serviceSegments);
  validator.define(serviceElements);
  const parser = new Parser(validator);
  const segments: RawSegment[] = [];
  let elements: string[][] = [];
  let components: string[] = [];
  let syntaxIdentifier = false;
  parser.onopensegment = (tag) => {
    syntaxIdentifier = tag === 'UNB';
    segments.push({ tag, elements: (elements = []) });
  };
  parser.onelement = () => {
    elements.push((components = []));
  };
  parser.oncomponent = (value) => {
    if (syntaxIdentifier) {
      parser.encoding(value);
      syntaxIdentifier = false;
    }
    components.push(value);
  };
  parser.onclosesegment = () => undefined;
  try {
    // Line breaks between segments are a common courtesy, not data.
    parser.write(text.trim().replace(/'\r?\n/g, "'"));
    parser.end();
    return { segments };
  } catch (err) {
    return { segments, error: (err as Error).message };
  }
}

const c = (s: RawSegment | undefined, e: number, k = 1): string => s?.elements[e - 1]?.[k - 1] ?? '';

export function parseEdifact(text: string): Parsed {
  const problems: Problem[] = [];
  const { segments, error } = tokenize(text);
  const unb = segments[0];
  if (!unb || unb.tag !== 'UNB') {
    return { problems: [{ level: 'interchange', segment: unb?.tag ?? 'UNB', position: 1, code: error ? 'syntax' : 'segment-missing', problem: error ? `not a readable EDIFACT interchange: ${error}` : 'the interchange does not start with UNB' }] };
  }
  const interchange: Interchange = {
    syntax: 'edifact',
    sender: { qualifier: c(unb, 2, 2), id: c(unb, 2) },
    receiver: { qualifier: c(unb, 3, 2), id: c(unb, 3) },
    control: c(unb, 5),
    date: c(unb, 4),
    time: c(unb, 4, 2),
    groups: [],
  };
  let group: (Group & { explicit: boolean }) | undefined;
  let set: TransactionSet | undefined;
  let headerIndex = 0;
  let unz: RawSegment | undefined;
  const groupFor = (type: string): Group & { explicit: boolean } => {
    if (group) return group;
    const g = { functionalId: type, control: interchange.control, version: '', sets: [], explicit: false };
    interchange.groups.push(g);
    return g;
  };
  let messages = 0;
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const gi = Math.max(0, interchange.groups.length - 1);
    if (s.tag === 'UNG') {
      group = { functionalId: c(s, 1), control: c(s, 5), version: `${c(s, 7)}:${c(s, 7, 2)}`, sets: [], explicit: true };
      interchange.groups.push(group);
    } else if (s.tag === 'UNE') {
      if (!group) problems.push({ level: 'interchange', segment: 'UNE', code: 'unexpected-segment', problem: 'UNE without UNG' });
      else {
        if (Number(c(s, 1)) !== group.sets.length) problems.push({ level: 'group', group: gi, segment: 'UNE', element: 1, code: 'count-mismatch', problem: `UNE says ${JSON.stringify(c(s, 1))} messages, the group has ${group.sets.length}` });
        if (c(s, 2) !== group.control) problems.push({ level: 'group', group: gi, segment: 'UNE', element: 2, code: 'control-mismatch', problem: `UNE reference ${JSON.stringify(c(s, 2))} does not match UNG ${JSON.stringify(group.control)}` });
      }
      group = undefined;
    } else if (s.tag === 'UNH') {
      const id = s.elements[1] ?? [];
      const g = groupFor(id[0] ?? '');
      set = { type: id[0] ?? '', control: c(s, 1), version: id.slice(1).join(':'), segments: [] };
      if (!g.version) g.version = set.version;
      g.sets.push(set);
      headerIndex = i;
      messages++;
    } else if (s.tag === 'UNT') {
      const g = interchange.groups[gi];
      if (!set || !g) {
        problems.push({ level: 'interchange', segment: 'UNT', code: 'unexpected-segment', problem: 'UNT without UNH' });
        continue;
      }
      const at = { level: 'set' as const, group: gi, set: g.sets.length - 1 };
      const count = i - headerIndex + 1;
      if (!/^\d+$/.test(c(s, 1)) || Number(c(s, 1)) !== count) problems.push({ ...at, segment: 'UNT', position: count, element: 1, code: 'count-mismatch', problem: `UNT says ${JSON.stringify(c(s, 1))} segments, the message has ${count} (UNH to UNT)` });
      if (c(s, 2) !== set.control) problems.push({ ...at, segment: 'UNT', position: count, element: 2, code: 'control-mismatch', problem: `UNT reference ${JSON.stringify(c(s, 2))} does not match UNH ${JSON.stringify(set.control)}` });
      set = undefined;
    } else if (s.tag === 'UNZ') {
      unz = s;
      break;
    } else if (set) {
      set.segments.push({ tag: s.tag, elements: s.elements, position: i - headerIndex + 1 });
    } else {
      problems.push({ level: 'interchange', segment: s.tag, code: 'unexpected-segment', problem: `segment ${s.tag} (segment ${i + 1} of the interchange) stands outside any message` });
    }
  }
  if (set) {
    const gi = interchange.groups.length - 1;
    problems.push({ level: 'set', group: gi, set: interchange.groups[gi]!.sets.length - 1, segment: 'UNT', position: set.segments.length + 2, code: 'trailer-missing', problem: `message ${set.type} ${set.control} has no UNT trailer` });
  }
  if (error) problems.push({ level: 'interchange', segment: segments.at(-1)?.tag ?? 'UNB', code: 'syntax', problem: `the interchange cannot be read past segment ${segments.length} (${segments.at(-1)?.tag}): ${error}` });
  if (!unz) problems.push({ level: 'interchange', segment: 'UNZ', code: 'trailer-missing', problem: 'the interchange ends without its UNZ trailer: the file is truncated' });
  else {
    const explicitGroups = interchange.groups.filter((g) => (g as { explicit?: boolean }).explicit).length;
    const counted = explicitGroups > 0 ? explicitGroups : messages;
    if (Number(c(unz, 1)) !== counted) problems.push({ level: 'interchange', segment: 'UNZ', element: 1, code: 'count-mismatch', problem: `UNZ says ${JSON.stringify(c(unz, 1))} ${explicitGroups ? 'groups' : 'messages'}, the interchange has ${counted}` });
    if (c(unz, 2) !== interchange.control) problems.push({ level: 'interchange', segment: 'UNZ', element: 2, code: 'control-mismatch', problem: `UNZ reference ${JSON.stringify(c(unz, 2))} does not match UNB ${JSON.stringify(interchange.control)}` });
  }
  for (const g of interchange.groups) delete (g as { explicit?: boolean }).explicit;
  return { interchange, problems };
}
