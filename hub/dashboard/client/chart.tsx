// hub/dashboard/client — a line chart in plain SVG: one line per series over the same periods, the y axis from 0 to a
// round maximum, a gap where a period has no figure (null: nothing to divide by), a dot per value (its raw value in
// data-v, its period in a tooltip) and a legend with each series' latest figure. Hand-rolled rather than a chart
// library: the console's charts are a dozen points each and this stays under a hundred lines.

export interface Series {
  key: string;
  name: string;
  values: Array<number | null>;
}

const W = 600;
const H = 200;
const PAD = { l: 56, r: 8, t: 8, b: 22 };
const COLORS = ['#58a6ff', '#d29922', '#2ea043', '#f85149'];

/** The smallest of 1, 2, 2.5, 5 × 10^n at or above `max` (1 when there is nothing above 0). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= max)!;
}

export function Chart(props: { id: string; title: string; labels: string[]; series: Series[]; format: (v: number) => string; max?: number }) {
  const n = props.labels.length;
  const all = props.series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const top = props.max ?? niceMax(Math.max(0, ...all));
  const x = (i: number) => PAD.l + (n <= 1 ? (W - PAD.l - PAD.r) / 2 : (i * (W - PAD.l - PAD.r)) / (n - 1));
  const y = (v: number) => PAD.t + (1 - v / top) * (H - PAD.t - PAD.b);
  const ticks = [0, top / 2, top];
  const shown = [...new Set([0, Math.floor((n - 1) / 2), n - 1])].filter((i) => i >= 0);
  return (
    <figure class="chart" data-chart={props.id}>
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(t)} y2={y(t)} class="grid" />
            <text x={PAD.l - 4} y={y(t) + 4} text-anchor="end">
              {props.format(t)}
            </text>
          </g>
        ))}
        {shown.map((i) => (
          <text key={i} x={x(i)} y={H - 4} text-anchor={i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'}>
            {props.labels[i]}
          </text>
        ))}
        {props.series.map((s, k) => {
          // Runs of consecutive values: a null ends a line.
          const runs: string[][] = [[]];
          s.values.forEach((v, i) => (v === null ? runs.push([]) : runs[runs.length - 1]!.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`)));
          return (
            <g key={s.key} data-series={s.key} stroke={COLORS[k % COLORS.length]} fill={COLORS[k % COLORS.length]}>
              {runs.filter((r) => r.length > 1).map((r, i) => (
                <polyline key={i} points={r.join(' ')} fill="none" stroke-width="2" />
              ))}
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={x(i)} cy={y(v)} r="3.5" data-v={v}>
                    <title>{`${props.labels[i]}: ${s.name} ${props.format(v)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <ul class="legend">
        {props.series.map((s, k) => {
          const last = [...s.values].reverse().find((v) => v !== null);
          return (
            <li key={s.key} data-legend={s.key}>
              <i style={{ background: COLORS[k % COLORS.length] }} />
              {s.name}: <b>{last === undefined || last === null ? '–' : props.format(last)}</b>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
