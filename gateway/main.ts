#!/usr/bin/env node
// gateway — `dockgate-gateway --config gateway.yaml`: the dock-door daemon. Validates the config (exit 78, EX_CONFIG,
// naming file, key and problem), checks HID support, assembles and starts the gateway (gateway/daemon), tells systemd
// it is ready and feeds the watchdog while healthy; SIGTERM/SIGINT stop it in order (exit 0), SIGHUP reloads what is
// safe. Logs are pino JSON on stdout.
import { ConfigError } from '../protocols/config/index.js';
import { EX_CONFIG, SystemdNotifier, configPathFromArgs, handleSignals } from '../runtime/lifecycle.js';
import { createLogger, type Logger } from '../protocols/logging/index.js';
import { loadGatewayConfig } from './config/load.js';
import type { GatewayConfig } from './config/schema.js';
import { GATEWAY_VERSION, GatewayDaemon } from './daemon/daemon.js';
import { MqttSettingsError } from './publisher/index.js';
import { checkHidSupport } from './scanners/index.js';

const NAME = 'dockgate-gateway';
const USAGE = `usage: ${NAME} --config <gateway.yaml>`;

/** Say it on stderr and as a JSON log line, then exit. */
function die(logger: Logger, code: number, message: string, fields: Record<string, unknown> = {}): never {
  process.stderr.write(`${NAME}: ${message}\n`);
  logger.fatal({ component: 'main', exitCode: code, ...fields }, message.split('\n').join('; '));
  logger.flush?.();
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  const path = configPathFromArgs(argv);
  if (!path || argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(path ? 0 : 64);
  }
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) die(createLogger({ name: NAME }), EX_CONFIG, `configuration error, not starting:\n${err.message}`, { file: path, issues: err.issues });
    throw err;
  }
  const logger = createLogger({ name: NAME, level: config.logLevel });

  const hidIds = config.scanners.filter((s) => s.type === 'hid').map((s) => s.id);
  const hid = await checkHidSupport(hidIds);
  if (hid.fatal) die(logger, EX_CONFIG, hid.message!, { file: path, scanners: hidIds });
  if (hid.message) logger.info({ component: 'scanners' }, `${hid.message}; no HID scanner is configured, so the gateway carries on without HID`);

  let daemon: GatewayDaemon;
  try {
    daemon = new GatewayDaemon(config, { logger, ...(hid.hid ? { hid: hid.hid } : {}) });
  } catch (err) {
    if (err instanceof MqttSettingsError) die(logger, EX_CONFIG, `configuration error, not starting:\n${path}: ${err.message}`, { file: path });
    die(logger, 1, `cannot start: ${(err as Error).message}`, { file: path });
  }

  const notifier = new SystemdNotifier(logger);
  handleSignals(
    logger,
    async () => {
      notifier.stopping();
      await daemon.stop();
    },
    {
      deadlineMs: 9000,
      reload: async () => {
        let next: GatewayConfig;
        try {
          next = loadGatewayConfig(path);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          logger.error({ component: 'config', file: path, issues: err.issues }, `reload refused, keeping the running configuration: ${err.message}`);
          return;
        }
        daemon.reload(next);
      },
    },
  );
  await daemon.start();
  notifier.ready(`${NAME} ${GATEWAY_VERSION}: ${config.readers.length} reader(s), ${config.scanners.length} scanner(s)`, () => daemon.healthy());
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${NAME}: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
