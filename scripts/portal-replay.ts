// scripts — the portal replay tool: feed a recorded read stream through the portal engine with a given config
// and print the events, so a site can tune its parameters on its own recordings.
//
//   npx tsx scripts/portal-replay.ts --config portal.yaml [--explain] [--tick 200] reads.jsonl
//   npx tsx scripts/portal-replay.ts --seed 4 [--doors 2] [--per-side 1|2] [--sensors] [--doppler] [--explain] [--write reads.jsonl]
//
// Input: JSON lines, each a TagRead ({reader, antenna, epc, rssi, ts, readerTs?, count?, tid?}), a simulated read
// ({t, reader, antenna, epc, rssi}: t in ms from the start), or a GPI change ({reader, port, state, ts|t}).
// Config: YAML or JSON, the portal config itself or a gateway config with a `portal` key.
// Output: events as JSON lines on stdout; the summary (and with --explain, the evidence per passage) on stderr.
// With --seed the stream comes from the scenario generator and the events are scored against its ground truth.
// A bad line is reported with its number and skipped; the good ones are still replayed.

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { PortalEngine, PortalConfigError, formatEvidence, type PortalConfig } from '../gateway/portal/index.js';
import type { EventDraft } from '../protocols/events/index.js';
import { dockSite, generateScenario, portalDoorsFor, toStreamItems, type StreamItem } from './sim/scenario.js';
import { replay, scorePasses } from './sim/portal-score.js';

const EPOCH = Date.UTC(2026, 0, 5, 6, 0, 0);

/** One JSON line → a stream item, or a reason why not. `base` turns a simulated `t` into gateway ms. */
export function parseLine(line: string, base: number): StreamItem | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  const ts = typeof o.ts === 'number' ? o.ts : typeof o.t === 'number' ? base + o.t : NaN;
  if (!Number.isFinite(ts)) return 'needs a numeric `ts` (gateway ms) or `t` (ms from the start)';
  if (typeof o.reader !== 'string' || o.reader === '') return 'needs a `reader` string';
  if ('port' in o || 'state' in o) {
    if (typeof o.port !== 'number' || !Number.isInteger(o.port)) return 'GPI `port` must be an integer';
    if (typeof o.state !== 'boolean') return 'GPI `state` must be true or false';
    return { kind: 'gpi', ts, gpi: { reader: o.reader, port: o.port, state: o.state, ts } };
  }
  if (typeof o.antenna !== 'number' || !Number.isInteger(o.antenna)) return '`antenna` must be an integer';
  if (typeof o.epc !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(o.epc)) return '`epc` must be hex, whole bytes';
  const rssi = o.rssi === undefined || o.rssi === null ? NaN : o.rssi;
  if (typeof rssi !== 'number') return '`rssi` must be a number (dBm)';
  const tid = typeof o.tid === 'string' ? o.tid.toLowerCase() : undefined;
  return {
    kind: 'read',
    ts,
    read: {
      reader: o.reader,
      antenna: o.antenna,
      epc: o.epc.toLowerCase(),
      rssi,
      ts,
      readerTs: typeof o.readerTs === 'number' ? o.readerTs : NaN,
      count: typeof o.count === 'number' ? o.count : 1,
      ...(tid ? { tid } : {}),
    },
  };
}

function loadConfig(path: string): PortalConfig {
  const text = readFileSync(path, 'utf8');
  const raw: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  const o = raw as Record<string, unknown> | null;
  return (o && typeof o === 'object' && 'portal' in o ? o.portal : raw) as PortalConfig;
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      explain: { type: 'boolean', default: false },
      tick: { type: 'string', default: '200' },
      seed: { type: 'string' },
      doors: { type: 'string', default: '2' },
      'per-side': { type: 'string', default: '1' },
      sensors: { type: 'boolean', default: false },
      doppler: { type: 'boolean', default: false },
      write: { type: 'string' },
    },
  });
  const tickMs = Number(values.tick);
  let items: StreamItem[];
  let config: PortalConfig;
  let score: ((events: EventDraft[]) => void) | undefined;
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    const site = dockSite(Number(values.doors), { antennasPerSide: values['per-side'] === '2' ? 2 : 1, door: values.sensors, beams: values.sensors });
    const sc = generateScenario(seed, site, { doppler: values.doppler });
    items = toStreamItems(sc.stream, EPOCH);
    config = values.config ? loadConfig(values.config) : portalDoorsFor(site);
    if (values.write) {
      writeFileSync(values.write, [...sc.stream.gpi, ...sc.stream.reads].sort((a, b) => a.t - b.t).map((x) => JSON.stringify(x)).join('\n') + '\n');
      process.stderr.write(`wrote ${sc.stream.reads.length} reads and ${sc.stream.gpi.length} GPI changes to ${values.write}\n`);
    }
    process.stderr.write(`scenario seed ${seed}: ${JSON.stringify(sc.movements)}\n`);
    score = (events) => {
      const s = scorePasses(events, sc.truth, EPOCH);
      process.stderr.write(
        `truth ${s.truth} passes: found ${s.found}, missed ${s.missed}, spurious ${s.spurious} (duplicates ${s.duplicates}, cross-reads misattributed ${s.misattributed}); ` +
          `direction right ${s.dirRight}, wrong ${s.dirWrong}, unknown ${s.dirUnknown}\n${s.problems.map((p) => `  ${p}`).join('\n')}\n`,
      );
    };
  } else {
    if (!values.config || positionals.length !== 1) {
      process.stderr.write('usage: portal-replay --config portal.yaml [--explain] [--tick ms] reads.jsonl | --seed N [--doors N] [--per-side 1|2] [--sensors] [--doppler]\n');
      return 2;
    }
    config = loadConfig(values.config);
    items = [];
    let bad = 0;
    readFileSync(positionals[0]!, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        const it = parseLine(line, EPOCH);
        if (typeof it === 'string') {
          bad++;
          if (bad <= 20) process.stderr.write(`${positionals[0]}:${i + 1}: ${it}: skipped\n`);
        } else items.push(it);
      });
    if (bad > 0) process.stderr.write(`${bad} bad line(s) skipped, ${items.length} replayed\n`);
    items.sort((a, b) => a.ts - b.ts);
  }
  let engine: PortalEngine;
  try {
    engine = new PortalEngine(config, undefined, { explain: values.explain ? (e) => process.stderr.write(formatEvidence(e) + '\n') : undefined });
  } catch (e) {
    if (e instanceof PortalConfigError) {
      process.stderr.write(`${values.config ?? 'scenario config'}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const events = replay(engine, items, tickMs);
  events.push(...engine.flush());
  for (const e of events) process.stdout.write(JSON.stringify(e) + '\n');
  const st = engine.stats();
  process.stderr.write(
    `${st.reads} reads → ${st.passes} passes (in ${st.passesIn}, out ${st.passesOut}, unknown ${st.passesUnknown}; unsettled ${st.unsettled}), ` +
      `${st.arrivals} arrivals, ${st.departures} departures, ${events.filter((e) => e.kind === 'door').length} door events; ` +
      `ignored: ${st.unknownAntennaReads} unknown antenna, ${st.gatedReads} gated, ${st.suppressedReads} suppressed; ${st.unaccepted} tags not accepted; ${st.evictions} evictions\n`,
  );
  score?.(events);
  return 0;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) process.exitCode = main();
