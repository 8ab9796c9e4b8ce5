#!/usr/bin/env node
// fleet — `dockgate-fleet --config fleet.yaml`: applies every site's change feed from NATS JetStream to PostgreSQL
// and serves the central view.
import { ConfigError } from '../protocols/config/index.js';
import { EX_CONFIG, SystemdNotifier, configPathFromArgs, handleSignals } from '../runtime/lifecycle.js';
import { createLogger } from '../protocols/logging/index.js';
import { startFleet } from './app.js';
import { loadFleetConfig } from './config.js';

async function main(argv: string[]): Promise<void> {
  const path = configPathFromArgs(argv);
  if (!path) {
    process.stderr.write('usage: dockgate-fleet --config <fleet.yaml>\n');
    process.exit(64);
  }
  let config;
  try {
    config = loadFleetConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`dockgate-fleet: configuration error\n${err.message}\n`);
      process.exit(EX_CONFIG);
    }
    throw err;
  }
  const logger = createLogger({ name: 'dockgate-fleet', level: config.logLevel });
  if (config.http.tokens.length === 0 && !['127.0.0.1', '::1', 'localhost'].includes(config.http.host)) {
    logger.fatal({ component: 'fleet', host: config.http.host }, 'http.tokens is empty: the fleet API may only listen on loopback without tokens');
    process.exit(EX_CONFIG);
  }
  const notifier = new SystemdNotifier(logger);
  const fleet = await startFleet(config, logger);
  notifier.ready(`serving ${fleet.url}`);
  handleSignals(logger, async () => {
    notifier.stopping();
    await fleet.stop();
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`dockgate-fleet: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
