// scripts/bench — one row of the benchmark table, and the table printer.

export interface BenchRow {
  /** What was measured, e.g. "LLRP decode (tags/s)". */
  name: string;
  value: number;
  unit: string;
  /** A peer or ceiling measured in the same run (llrpjs, epc-tds, raw SQLite inserts …). */
  baseline?: { name: string; value: number };
  /** The target in words, e.g. ">= 5,000,000" or "<= 10 ms". */
  target?: string;
  /** Whether the target was met; undefined when there is no target. */
  met?: boolean;
  /** Free text: settings, sample sizes. */
  note?: string;
}

export interface Bench {
  name: string;
  run(): Promise<BenchRow[]>;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['benchmark', 'value', 'unit', 'baseline (same run)', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => [
    r.name,
    fmt(r.value),
    r.unit,
    r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)}` : '',
    r.baseline && r.baseline.value !== 0 ? `${fmt(r.value / r.baseline.value)}×` : '',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [row(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.map(row)].join('\n');
}
