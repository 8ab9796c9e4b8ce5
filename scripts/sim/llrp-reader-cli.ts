// scripts/sim — command line for the simulated LLRP reader: serve on a port, optionally play a ReadStream (JSON file)
// for one reader id, optionally misbehave. Prints the port and stats; Ctrl-C stops it.
// Usage: tsx scripts/sim/llrp-reader-cli.ts --reader dock-1 [--port 5084] [--stream reads.json] [--speed 1] [--loop]
//        [--split] [--coalesce] [--no-keepalive] [--refuse N] [--reject-param TYPE]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../protocols/logging/index.js';
import { startLlrpSimulator } from './llrp-reader.js';
import type { ReadStream } from './read-stream.js';

const { values } = parseArgs({
  options: {
    reader: { type: 'string', default: 'dock-1' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5084' },
    stream: { type: 'string' },
    speed: { type: 'string', default: '1' },
    loop: { type: 'boolean', default: false },
    split: { type: 'boolean', default: false },
    coalesce: { type: 'boolean', default: false },
    'no-keepalive': { type: 'boolean', default: false },
    refuse: { type: 'string', default: '0' },
    'reject-param': { type: 'string', multiple: true, default: [] },
  },
});

function num(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isFinite(n) && v !== 'Infinity') throw new Error(`--${name}: "${v}" is not a number`);
  return n;
}

const logger = createLogger({ name: 'dockgate-llrp-sim' });
const sim = await startLlrpSimulator({ readerId: values.reader!, host: values.host, port: num('port', values.port), logger });
sim.misbehave.splitBytes(values.split!);
sim.misbehave.coalesce(values.coalesce!);
sim.misbehave.stopKeepalives(values['no-keepalive']!);
sim.misbehave.refuseNext(num('refuse', values.refuse));
for (const t of values['reject-param']!) sim.misbehave.rejectParameter(num('reject-param', t));
process.stdout.write(`llrp simulator for reader ${values.reader} listening on ${values.host}:${sim.port}\n`);

process.on('SIGINT', () => {
  process.stdout.write(`${JSON.stringify(sim.stats)}\n`);
  void sim.close().then(() => process.exit(0));
});

if (values.stream) {
  const stream = JSON.parse(readFileSync(values.stream, 'utf8')) as ReadStream;
  if (!Array.isArray(stream.reads) || !Array.isArray(stream.gpi)) throw new Error(`${values.stream}: not a ReadStream ({ reads: [], gpi: [] })`);
  do {
    while (sim.rospecState === 'none') await new Promise((r) => setTimeout(r, 200)); // wait for a client's ROSpec
    const r = await sim.play(stream, { speed: num('speed', values.speed) });
    process.stdout.write(`played: ${r.sent} reads sent, ${r.dropped} while not inventorying\n`);
  } while (values.loop);
}
