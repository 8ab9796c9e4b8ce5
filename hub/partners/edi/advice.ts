// hub/partners/edi — receiving advice for a closed receipt: per line what was expected, received and accepted, short,
// over and damaged, and per SSCC whether it came. X12 861 (BRA, REF, DTM*050, RCD with condition codes 01 damaged /
// 02 short / 03 over, LIN, MAN*GM, CTT) or EANCOM RECADV (BGM+632, RFF+AAK / ON, CPS / GIN+BJ / LIN / QTY+12 despatched
// / QTY+194 received and accepted / QVR variances: BP short, AC over-shipped, AF damaged, CNT+2). Pure.
import { edifactEnvelope, edifactText, x12Envelope, x12Group, type Us } from './ack.js';

export interface AdviceLine {
  line: number;
  sku: string;
  gtin: string | null;
  expected: number;
  /** Net units received against the receipt (accepted over-deliveries included). */
  received: number;
  short: number;
  /** Units beyond the expected quantity: received beyond it, and held on open variances. */
  over: number;
  /** Received units of the receipt later moved to quarantine or scrap. */
  damaged: number;
}

export interface AdvicePallet {
  sscc: string;
  received: boolean;
  contents: Array<{ sku: string; gtin: string | null; qty: number }>;
}

export interface AdviceInput {
  receipt: string;
  /** The ASN / despatch advice number the receipt came from, and the orders it named. */
  shipNotice: string;
  purchaseOrders: string[];
  closedAtMs: number;
  lines: AdviceLine[];
  pallets: AdvicePallet[];
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');

function assertLine(l: AdviceLine): void {
  if (l.short < 0 || l.over < 0 || l.damaged < 0 || l.damaged > l.received) throw new Error(`invariant: advice line ${l.line} ${l.sku}: short ${l.short}, over ${l.over}, damaged ${l.damaged} of ${l.received} received`);
  if (l.short !== Math.max(0, l.expected - l.received) || l.over < Math.max(0, l.received - l.expected)) throw new Error(`invariant: advice line ${l.line} ${l.sku}: received ${l.received} of ${l.expected} does not match short ${l.short} / over ${l.over}`);
}

export function advice861(a: AdviceInput, us: Us, them: { qualifier: string; id: string }, control: number): string {
  const segs = [`BRA*${a.receipt}*${day(a.closedAtMs)}*00*1`, `REF*SI*${a.shipNotice}`, ...a.purchaseOrders.map((po) => `REF*PO*${po}`), `DTM*050*${day(a.closedAtMs)}`];
  let rcd = 0;
  for (const l of a.lines) {
    assertLine(l);
    const conditions = [[l.damaged, '01'], [l.short, '02'], [l.over, '03']].filter(([n]) => Number(n) > 0).map(([n, code]) => `${n}*EA*${code}`);
    segs.push(['RCD', String(l.line), String(l.received - l.damaged), 'EA', '', '', ...conditions.flatMap((c) => c.split('*'))].join('*').replace(/\*+$/, ''));
    segs.push(`LIN**${l.gtin ? `UK*${l.gtin}*` : ''}BP*${l.sku}`);
    rcd++;
  }
  for (const p of a.pallets) {
    for (const c of p.contents) {
      segs.push(['RCD', `${p.sscc.slice(-6)}`, String(p.received ? c.qty : 0), 'EA', '', '', ...(p.received ? [] : [String(c.qty), 'EA', '02'])].join('*').replace(/\*+$/, ''));
      segs.push(`LIN**${c.gtin ? `UK*${c.gtin}*` : ''}BP*${c.sku}`, `MAN*GM*${p.sscc}`);
      rcd++;
    }
  }
  segs.push(`CTT*${rcd}`);
  return x12Envelope(us, them, control, a.closedAtMs, x12Group('RC', us, them, control, a.closedAtMs, [{ type: '861', segments: segs }]));
}

export function recadv(a: AdviceInput, us: Us, them: { qualifier: string; id: string }, control: number): string {
  const t = edifactText;
  const segs = [`BGM+632+${t(a.receipt)}+9`, `DTM+137:${day(a.closedAtMs)}:102`, `DTM+50:${day(a.closedAtMs)}:102`, `RFF+AAK:${t(a.shipNotice)}`, ...a.purchaseOrders.map((po) => `RFF+ON:${t(po)}`), `NAD+SU+${t(them.id)}::9`, 'CPS+1'];
  let cps = 1;
  let lins = 0;
  const lin = (gtin: string | null, sku: string) => {
    lins++;
    return gtin ? [`LIN+${lins}++${gtin}:SRV`, `PIA+1+${t(sku)}:IN`] : [`LIN+${lins}`, `PIA+5+${t(sku)}:IN`];
  };
  for (const p of a.pallets) {
    segs.push(`CPS+${++cps}+1`, 'PAC+1++201', 'PCI+33E', `GIN+BJ+${p.sscc}`);
    for (const c of p.contents) {
      segs.push(...lin(c.gtin, c.sku), `QTY+12:${c.qty}`, `QTY+194:${p.received ? c.qty : 0}`);
      if (!p.received) segs.push(`QVR+-${c.qty}:12+BP`);
    }
  }
  segs.push(`CPS+${++cps}+1`);
  for (const l of a.lines) {
    assertLine(l);
    segs.push(...lin(l.gtin, l.sku), `QTY+12:${l.expected}`, `QTY+194:${l.received - l.damaged}`);
    if (l.short) segs.push(`QVR+-${l.short}:12+BP`);
    if (l.over) segs.push(`QVR+${l.over}:12+AC`);
    if (l.damaged) segs.push(`QVR+-${l.damaged}:196+AF`);
  }
  segs.push(`CNT+2:${lins}`);
  return edifactEnvelope(us, them, String(control), a.closedAtMs, [{ type: 'RECADV:D:01B:UN:EAN003', segments: segs }]);
}
