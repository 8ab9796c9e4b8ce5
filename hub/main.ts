#!/usr/bin/env node
// hub — `dockgate-hub --config hub.yaml` runs the site service; `dockgate-hub check --config hub.yaml` verifies the
// moves posted since the last verified point (`--full`: every balance and valuation from all the moves) and reports
// any difference (exit 1 when there is one);
// `dockgate-hub close-period --through <date> --config hub.yaml` closes the ledger's period (hub/periods/cli.ts);
// `dockgate-hub backup --config hub.yaml --to <file>` copies the database with SQLite's online backup API while the
// hub keeps running.
import { ConfigError } from '../protocols/config/index.js';
import { EX_CONFIG, SystemdNotifier, configPathFromArgs, handleSignals } from '../runtime/lifecycle.js';
import { systemRuntime } from '../runtime/runtime.js';
import { createLogger } from '../protocols/logging/index.js';
import { HUB_MIGRATIONS, startHub } from './app.js';
import { loadHubConfig, loadHubOfflineConfig } from './config/load.js';
import { hubStartupIssues } from './config/preflight.js';
import { migrate, openDatabase } from './db/database.js';
import { DEAD_LETTERS_USAGE, deadLettersCommand } from './cli/dead-letters.js';
import { CLOSE_PERIOD_USAGE, closePeriodCommand } from './periods/cli.js';
import { checkFull, checkIncremental, checkLedger } from './ledger/index.js';
import { hubModules } from './modules.js';
import type { HubConfig } from './config/schema.js';

const USAGE = `usage: dockgate-hub [check [--full] | backup --to <file>] --config <hub.yaml>\n       ${DEAD_LETTERS_USAGE}\n       ${CLOSE_PERIOD_USAGE}`;

function exitOnConfigError(err: ConfigError): never {
  process.stderr.write(`dockgate-hub: configuration error\n${err.message}\n`);
  createLogger({ name: 'dockgate-hub' }).fatal({ component: 'config', issues: err.issues }, 'configuration error: not starting');
  process.exit(EX_CONFIG);
}

/** `dockgate-hub dead-letters …`: the operator's CLI over the running hub's REST API. */
async function deadLettersMain(argv: string[], config: HubConfig): Promise<never> {
  const h = config.http;
  const host = h.host === '0.0.0.0' || h.host === '::' ? '127.0.0.1' : h.host;
  const url = `${h.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${h.port}`;
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
  process.exit(await deadLettersCommand(argv.slice(1), { url, token: process.env.DOCKGATE_API_TOKEN, out: write(process.stdout), err: write(process.stderr) }));
}

/** `dockgate-hub check [--full]`: incremental from the verified point, or everything. */
function checkMain(argv: string[], config: { database: { path: string } }): never {
  const isConfig = (a: string | undefined) => a === '--config' || a === '-c';
  const unknown = argv.slice(1).filter((a, i, all) => a !== '--full' && !isConfig(a) && !isConfig(all[i - 1]) && !a.startsWith('--config='));
  if (unknown.length) {
    process.stderr.write(`dockgate-hub check: unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
    process.exit(64);
  }
  const db = openDatabase(config.database.path);
  migrate(db, HUB_MIGRATIONS);
  const { mode, fromSeq, toSeq, report, point } = argv.includes('--full') ? checkFull(db, systemRuntime.now()) : checkIncremental(db, systemRuntime.now());
  db.close();
  process.stdout.write(JSON.stringify({ ...report, mode, fromSeq, toSeq, verifiedSeq: point.seq }, null, 2) + '\n');
  process.exit(report.ok ? 0 : 1);
}

/** `dockgate-hub close-period --through <date>`: close the ledger's period and archive its moves (hub/periods). */
function closePeriodMain(argv: string[], config: { database: { path: string } }): never {
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
  const io = { dbPath: config.database.path, migrations: HUB_MIGRATIONS, nowMs: systemRuntime.now(), out: write(process.stdout), err: write(process.stderr) };
  process.exit(closePeriodCommand(argv.slice(1), io));
}

/** `dockgate-hub backup --to <file>`: an online copy, checked. */
async function backupMain(argv: string[], config: { database: { path: string } }): Promise<never> {
  const i = argv.indexOf('--to');
  const to = i >= 0 ? argv[i + 1] : undefined;
  if (!to) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(64);
  }
  const db = openDatabase(config.database.path);
  const started = systemRuntime.now();
  await db.backup(to);
  db.close();
  const copy = openDatabase(to);
  const report = checkLedger(copy);
  copy.close();
  process.stdout.write(
    `backup of ${config.database.path} written to ${to} in ${systemRuntime.now() - started} ms; ledger check of the copy: ${report.ok ? 'ok' : 'DIFFERENCES'}\n`,
  );
  process.exit(report.ok ? 0 : 1);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'run';
  const path = configPathFromArgs(argv);
  if (!path || !['run', 'check', 'backup', 'dead-letters', 'close-period'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(64);
  }
  let config;
  try {
    // check and backup read only the database and log level: they need none of the daemon's secrets.
    config = command === 'check' || command === 'backup' || command === 'close-period' ? loadHubOfflineConfig(path) : loadHubConfig(path);
    // The daemon checks what it needs of the machine before it creates anything on disk.
    const issues = command === 'run' ? hubStartupIssues(config as HubConfig, path) : [];
    if (issues.length > 0) throw new ConfigError(issues);
  } catch (err) {
    if (err instanceof ConfigError) exitOnConfigError(err);
    throw err;
  }
  const logger = createLogger({ name: 'dockgate-hub', level: config.logLevel });

  if (command === 'dead-letters') await deadLettersMain(argv, config as HubConfig);
  if (command === 'check') checkMain(argv, config);
  if (command === 'close-period') closePeriodMain(argv, config);
  if (command === 'backup') await backupMain(argv, config);

  const notifier = new SystemdNotifier(logger);
  const hub = await startHub(config as HubConfig, logger, hubModules(config as HubConfig));
  notifier.ready(`serving ${hub.url}`);
  handleSignals(logger, async () => {
    notifier.stopping();
    await hub.stop();
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) exitOnConfigError(err);
  process.stderr.write(`dockgate-hub: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
