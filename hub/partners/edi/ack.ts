// hub/partners/edi — functional acknowledgements: an X12 997 per functional group (AK1 / AK2 / AK3 segment errors /
// AK4 element errors / AK5 set verdict / AK9 group verdict) or, when the interchange envelope itself is broken, a TA1;
// an EDIFACT CONTRL (UCI interchange verdict, UCM per message, UCS segment and UCD element errors). A document is
// applied all or nothing, so any problem rejects every set of it. Pure: the clock and our control number are inputs.
import type { Interchange, Problem, ProblemCode } from './envelope.js';

export interface Us {
  qualifier: string;
  id: string;
}

const AK3: Partial<Record<ProblemCode, string>> = { 'unexpected-segment': '2', 'segment-missing': '3' };
const AK4: Partial<Record<ProblemCode, string>> = { 'element-missing': '1', 'invalid-number': '6', 'invalid-code': '7', 'invalid-date': '8', 'control-total': '7', 'unknown-item': '7', conflict: '7' };
const AK5: Partial<Record<ProblemCode, string>> = { 'unsupported-set': '1', 'trailer-missing': '2', 'control-mismatch': '3', 'count-mismatch': '4' };
const AK9: Partial<Record<ProblemCode, string>> = { 'trailer-missing': '3', 'control-mismatch': '4', 'count-mismatch': '5' };
const TA1: Partial<Record<ProblemCode, string>> = { 'control-mismatch': '001', 'count-mismatch': '021', 'trailer-missing': '023', syntax: '024', 'segment-missing': '024', 'unexpected-segment': '024' };
/** UN/EDIFACT 0085 syntax error codes. */
const CONTRL: Record<ProblemCode, string> = {
  syntax: '18', 'trailer-missing': '13', 'control-mismatch': '28', 'count-mismatch': '29', 'unsupported-set': '14', 'segment-missing': '13',
  'unexpected-segment': '15', 'element-missing': '13', 'invalid-code': '12', 'invalid-number': '12', 'invalid-date': '12', 'control-total': '12', 'unknown-item': '12', conflict: '12',
};

const pad = (s: string, n: number) => s.slice(0, n).padEnd(n, ' ');
const yymmdd = (ms: number) => new Date(ms).toISOString().slice(2, 10).replace(/-/g, '');
const ccyymmdd = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16).replace(':', '');

/** An X12 interchange from us to them around `body` (GS…GE groups, or a TA1). `control` is our ISA13. */
export function x12Envelope(us: Us, them: { qualifier: string; id: string }, control: number, nowMs: number, inner: string[], version = '00401'): string {
  const icn = String(control).padStart(9, '0');
  const isa = `ISA*00*${pad('', 10)}*00*${pad('', 10)}*${pad(us.qualifier, 2)}*${pad(us.id, 15)}*${pad(them.qualifier || 'ZZ', 2)}*${pad(them.id, 15)}*${yymmdd(nowMs)}*${hhmm(nowMs)}*U*${version}*${icn}*0*P*>`;
  const groups = inner.filter((s) => s.startsWith('GS*')).length;
  return [isa, ...inner, `IEA*${groups}*${icn}`].map((s) => `${s}~`).join('\n') + '\n';
}

/** A functional group GS…GE around transaction sets (each given as its segments without ST/SE). */
export function x12Group(functionalId: string, us: Us, them: { id: string }, control: number, nowMs: number, sets: Array<{ type: string; segments: string[] }>, version = '004010'): string[] {
  const out = [`GS*${functionalId}*${us.id}*${them.id}*${ccyymmdd(nowMs)}*${hhmm(nowMs)}*${control}*X*${version}`];
  sets.forEach((s, i) => {
    const st = String(i + 1).padStart(4, '0');
    out.push(`ST*${s.type}*${st}`, ...s.segments, `SE*${s.segments.length + 2}*${st}`);
  });
  out.push(`GE*${sets.length}*${control}`);
  return out;
}

/** An EDIFACT interchange from us to them around messages (each given as its segments without UNH/UNT). */
export function edifactEnvelope(us: Us, them: { qualifier: string; id: string }, control: string, nowMs: number, messages: Array<{ type: string; segments: string[] }>): string {
  const out = ["UNA:+.? '", `UNB+UNOC:3+${us.id}:${us.qualifier}+${them.id}:${them.qualifier}+${yymmdd(nowMs)}:${hhmm(nowMs)}+${control}'`];
  messages.forEach((m, i) => {
    const ref = String(i + 1);
    const segs = [`UNH+${ref}+${m.type}`, ...m.segments];
    out.push(...segs.map((s) => `${s}'`), `UNT+${segs.length + 1}+${ref}'`);
  });
  out.push(`UNZ+${messages.length}+${control}'`);
  return out.join('\n') + '\n';
}

/** A release character before EDIFACT service characters in data. */
export const edifactText = (s: string) => s.replace(/([?+:'])/g, '?$1');

export interface Ack {
  type: '997' | 'TA1' | 'CONTRL';
  text: string;
}

export function acknowledge(ic: Interchange, problems: readonly Problem[], us: Us, control: number, nowMs: number): Ack {
  const rejected = problems.length > 0;
  if (ic.syntax === 'edifact') return contrl(ic, problems, us, control, nowMs);
  const envelope = problems.find((p) => p.level === 'interchange');
  if (envelope) {
    const code = TA1[envelope.code] ?? '024';
    return { type: 'TA1', text: x12Envelope(us, ic.sender, control, nowMs, [`TA1*${ic.control}*${ic.date}*${ic.time}*R*${code}`], ic.isaVersion || '00401') };
  }
  const groups = ic.groups.flatMap((g, gi) => {
    const segs: string[] = [`AK1*${g.functionalId}*${g.control}`];
    g.sets.forEach((s, si) => {
      segs.push(`AK2*${s.type}*${s.control}`);
      const mine = problems.filter((p) => p.level === 'set' && p.group === gi && p.set === si);
      let setCode: string | undefined;
      for (const p of mine) {
        if (AK5[p.code]) {
          setCode ??= AK5[p.code];
          continue;
        }
        setCode ??= '5';
        segs.push(`AK3*${p.segment}*${p.position ?? ''}**${AK3[p.code] ?? '8'}`);
        if (p.element !== undefined && AK4[p.code]) segs.push(`AK4*${p.component !== undefined ? `${p.element}>${p.component}` : p.element}**${AK4[p.code]}`);
      }
      segs.push(rejected ? `AK5*R${setCode ? `*${setCode}` : ''}` : 'AK5*A');
    });
    const groupProblem = problems.find((p) => p.level === 'group' && p.group === gi);
    const groupCode = groupProblem ? AK9[groupProblem.code] : undefined;
    segs.push(`AK9*${rejected ? 'R' : 'A'}*${g.sets.length}*${g.sets.length}*${rejected ? 0 : g.sets.length}${groupCode ? `*${groupCode}` : ''}`);
    return x12Group('FA', us, ic.sender, control + gi, nowMs, [{ type: '997', segments: segs }], g.version || '004010');
  });
  return { type: '997', text: x12Envelope(us, ic.sender, control, nowMs, groups, ic.isaVersion || '00401') };
}

function contrl(ic: Interchange, problems: readonly Problem[], us: Us, control: number, nowMs: number): Ack {
  const rejected = problems.length > 0;
  const envelope = problems.find((p) => p.level === 'interchange' || p.level === 'group');
  const segs = [`UCI+${edifactText(ic.control)}+${edifactText(ic.sender.id)}:${ic.sender.qualifier}+${edifactText(ic.receiver.id)}:${ic.receiver.qualifier}+${rejected ? '4' : '7'}${envelope ? `+${CONTRL[envelope.code]}+${envelope.segment}` : ''}`];
  ic.groups.forEach((g, gi) =>
    g.sets.forEach((s, si) => {
      const mine = problems.filter((p) => p.level === 'set' && p.group === gi && p.set === si);
      const trailer = mine.find((p) => p.segment === 'UNT' || p.code === 'unsupported-set');
      segs.push(`UCM+${edifactText(s.control)}+${[s.type, ...s.version.split(':')].join(':')}+${rejected ? '4' : '7'}${trailer ? `+${CONTRL[trailer.code]}` : ''}`);
      for (const p of mine) {
        if (p === trailer || p.position === undefined) continue;
        segs.push(`UCS+${p.position}${p.element === undefined ? `+${CONTRL[p.code]}` : ''}`);
        if (p.element !== undefined) segs.push(`UCD+${CONTRL[p.code]}+${p.element}${p.component !== undefined ? `:${p.component}` : ''}`);
      }
    }),
  );
  return { type: 'CONTRL', text: edifactEnvelope(us, ic.sender, String(control), nowMs, [{ type: 'CONTRL:D:3:UN', segments: segs }]) };
}
