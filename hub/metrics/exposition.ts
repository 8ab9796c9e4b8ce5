// hub/metrics — a strict reader of the Prometheus text exposition format 0.0.4, for tests and checks (not used by the
// hub to serve): every sample must belong to a family declared by # TYPE, names and labels must be well formed,
// series must not repeat, histogram buckets must be cumulative and end with le="+Inf" equal to _count.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(s: string, line: number, context = ''): number {
  // As Prometheus reads values (Go's strconv.ParseFloat): NaN and Inf in any letter case (prom-client writes "Nan").
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(s);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`line ${line}: ${JSON.stringify(s)} is not a sample value${context ? `: ${context}` : ''}`);
  return Number(s);
}

function parseLabels(s: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without =`);
    const name = s.slice(i, eq).trim();
    if (!LABEL.test(name)) throw new Error(`line ${line}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`line ${line}: label ${name} repeated`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: label ${name} value not quoted`);
    let j = eq + 2;
    let value = '';
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        const n = s[++j];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else throw new Error(`line ${line}: bad escape \\${n} in label ${name}`);
      } else value += s[j];
    }
    if (j >= s.length) throw new Error(`line ${line}: label ${name} value not closed`);
    labels[name] = value;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (i < s.length) throw new Error(`line ${line}: expected , after label ${name}`);
  }
  return labels;
}

const SUFFIXES: Record<Family['type'], string[]> = { counter: [''], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new Error('exposition must end with a newline');
  lines.forEach((raw, idx) => {
    const n = idx + 1;
    if (raw === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`line ${n}: bad metric name ${name}`);
      const f = families.get(name) ?? { name, type: 'untyped' as const, help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`line ${n}: bad type ${rest}`);
        if (f.samples.length) throw new Error(`line ${n}: TYPE of ${name} after its samples`);
        f.type = rest as Family['type'];
      } else f.help = rest;
      families.set(name, f);
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(raw);
    if (!m) throw new Error(`line ${n}: not a sample: ${raw}`);
    const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string];
    const labels = labelText ? parseLabels(labelText, n) : {};
    const family = [...families.values()].find((f) => SUFFIXES[f.type].some((s) => `${f.name}${s}` === name));
    if (!family) throw new Error(`line ${n}: sample ${name} belongs to no declared family`);
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (seen.has(key)) throw new Error(`line ${n}: series ${key} repeated`);
    seen.add(key);
    family.samples.push({ name, labels, value: parseValue(valueText, n, raw) });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  const counts = new Map<string, number>();
  const keyOf = (l: Record<string, string>) => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort());
  for (const s of f.samples) {
    if (s.name.endsWith('_bucket')) {
      if (s.labels.le === undefined) throw new Error(`${f.name}: bucket without le`);
      series.set(keyOf(s.labels), [...(series.get(keyOf(s.labels)) ?? []), s]);
    } else if (s.name.endsWith('_count')) counts.set(keyOf(s.labels), s.value);
  }
  for (const [k, buckets] of series) {
    let prev = -Infinity;
    let last = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels.le!, 0);
      if (!(le > prev)) throw new Error(`${f.name}: buckets not in increasing le order`);
      if (b.value < last) throw new Error(`${f.name}: buckets not cumulative`);
      prev = le;
      last = b.value;
    }
    if (prev !== Infinity) throw new Error(`${f.name}: no le="+Inf" bucket`);
    if (counts.get(k) !== last) throw new Error(`${f.name}: +Inf bucket ${last} differs from _count ${counts.get(k)}`);
  }
}

/** The value of one series, or undefined. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
