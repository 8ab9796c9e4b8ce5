// runtime/lifecycle — process lifecycle the daemons share: exit codes, systemd readiness and watchdog, signals.
// (It lives in runtime/, not protocols/: it is the contract between a daemon and its supervisor, and touches the process.)
import { execFile } from 'node:child_process';
import type { Logger } from '../protocols/logging/index.js';

/** sysexits.h: configuration error (kept beside ConfigError, which carries it). systemd units and operators key on it. */
export { EX_CONFIG } from '../protocols/config/issues.js';

/**
 * systemd notification by the `systemd-notify` binary (NotifyAccess=all in the units): Node has no AF_UNIX datagram
 * sockets, and the alternative npm addons are native code to build on every Pi for four lines of protocol.
 * Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
 */
export class SystemdNotifier {
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  private send(...args: string[]): void {
    if (!this.enabled) return;
    execFile('systemd-notify', args, (err) => {
      if (err) this.log.warn({ err: err.message, args }, 'systemd-notify failed');
    });
  }

  /** READY=1, then feed the watchdog at half of WatchdogSec while `healthy()` says so. */
  ready(status: string, healthy: () => boolean = () => true): void {
    this.send('--ready', `--status=${status}`);
    const usec = Number(this.env.WATCHDOG_USEC);
    if (this.enabled && Number.isFinite(usec) && usec > 0) {
      this.watchdog = setInterval(() => {
        if (healthy()) this.send('WATCHDOG=1');
      }, Math.max(1000, usec / 2000));
      this.watchdog.unref();
    }
  }

  status(text: string): void {
    this.send(`--status=${text}`);
  }

  stopping(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.send('STOPPING=1');
  }
}

/**
 * Run `shutdown` once on SIGTERM/SIGINT, exit 0 when it resolves or 1 when it throws or exceeds `deadlineMs`.
 * A second signal exits at once. SIGHUP calls `reload` when given.
 */
export function handleSignals(log: Logger, shutdown: (signal: string) => Promise<void>, opts: { deadlineMs?: number; reload?: () => Promise<void> } = {}): void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ deadlineMs: opts.deadlineMs }, 'shutdown deadline exceeded: exiting');
      process.exit(1);
    }, opts.deadlineMs ?? 10_000);
    timer.unref();
    shutdown(signal).then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  const reload = opts.reload;
  if (reload) {
    process.on('SIGHUP', () => {
      log.info('SIGHUP: reloading configuration');
      reload().catch((err: unknown) => log.error({ err }, 'reload failed: keeping the running configuration'));
    });
  }
}

/** `--config <file>` (or `--config=<file>`) from argv; undefined when absent. */
export function configPathFromArgs(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-c') return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}
