// hub/partners/edi — what the syntax layer hands the mapping: an interchange of groups of transaction sets (X12) or
// messages (EDIFACT), each a list of segments of elements of components, every segment with its position in its set
// (the header is 1), and every problem found on the way named by segment, position and element. Pure types.

export type Syntax = 'x12' | 'edifact';

export interface Segment {
  tag: string;
  /** Data elements in order (element 1 is elements[0]); each a list of components (one for a simple element). */
  elements: string[][];
  /** Position in its transaction set / message: the ST / UNH header is 1. */
  position: number;
}

export interface TransactionSet {
  /** 856, 850 (X12); DESADV, ORDERS (EDIFACT). */
  type: string;
  /** ST02 / UNH 0062. */
  control: string;
  /** 004010 (GS08 / ST03); D:96A:UN:EAN005 (EDIFACT message identifier). */
  version: string;
  /** The body between header and trailer. */
  segments: Segment[];
}

export interface Group {
  /** GS01 functional identifier (SH, PO); EDIFACT without UNG: the message type. */
  functionalId: string;
  /** GS06 / UNG 0048; EDIFACT without UNG: the interchange reference. */
  control: string;
  version: string;
  sets: TransactionSet[];
}

export interface Party {
  qualifier: string;
  id: string;
}

export interface Interchange {
  syntax: Syntax;
  sender: Party;
  receiver: Party;
  /** ISA13 (9 digits) / UNB 0020. */
  control: string;
  /** YYMMDD / HHMM as the envelope says. */
  date: string;
  time: string;
  /** X12 only: ISA12, the interchange's version (the ack echoes it). */
  isaVersion?: string;
  groups: Group[];
}

/** Where an error sits and what it is; mapped to 997 / TA1 / CONTRL codes by the acknowledgement builder. */
export type ProblemCode =
  | 'syntax'
  | 'trailer-missing'
  | 'control-mismatch'
  | 'count-mismatch'
  | 'unsupported-set'
  | 'segment-missing'
  | 'unexpected-segment'
  | 'element-missing'
  | 'invalid-code'
  | 'invalid-number'
  | 'invalid-date'
  | 'control-total'
  | 'unknown-item'
  | 'conflict';

export interface Problem {
  level: 'interchange' | 'group' | 'set';
  /** Index of the group, and of the set within it (for group and set problems). */
  group?: number;
  set?: number;
  /** The segment in error (tag), its position in its set, and the element (1-based) and component. */
  segment: string;
  position?: number;
  element?: number;
  component?: number;
  code: ProblemCode;
  problem: string;
}

/** `SN1[12].2`-style reference a person reads: segment, position, element. */
export function where(p: Pick<Problem, 'segment' | 'position' | 'element' | 'component'>): string {
  const el = p.element === undefined ? '' : String(p.element).padStart(2, '0');
  return `${p.segment}${el}${p.component !== undefined ? `-${p.component}` : ''}${p.position !== undefined ? ` (segment ${p.position})` : ''}`;
}

export interface Parsed {
  /** Absent when not even the envelope header could be read. */
  interchange?: Interchange;
  problems: Problem[];
}

/** Element n (1-based), component c (1-based) of a segment, '' when absent. */
export function el(s: Segment, n: number, c = 1): string {
  return s.elements[n - 1]?.[c - 1] ?? '';
}
