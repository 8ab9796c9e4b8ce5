// hub/cli — `dockgate-hub dead-letters …`: list, show and re-drive dead letters through the running hub's REST API
// (the hub is the only writer of its ledger; a second process applying events would bypass its state). The token is
// read from DOCKGATE_API_TOKEN (an admin token to re-drive; none needed when the API is bound to loopback without tokens).
import { readFileSync } from 'node:fs';

export const DEAD_LETTERS_USAGE = 'dockgate-hub dead-letters [list [--open] [--before <id>] | show <id> | retry <id> [--event <corrected.json>] [--reason <text>]] --config <hub.yaml>';

export interface CliIo {
  /** http(s)://host:port of the hub's API. */
  url: string;
  token?: string | undefined;
  out(text: string): void;
  err(text: string): void;
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Runs one subcommand; returns the exit code (0 done, 1 refused by the hub, 64 usage, 69 hub not reachable). */
export async function deadLettersCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub = 'list', arg] = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1]!.startsWith('--') && argv[i - 1] !== '--open'));
  const headers: Record<string, string> = { accept: 'application/json', ...(io.token ? { authorization: `Bearer ${io.token}` } : {}) };
  let path: string;
  let init: RequestInit = { headers };
  if (sub === 'list') {
    const q = new URLSearchParams();
    if (argv.includes('--open')) q.set('open', 'true');
    const before = flag(argv, '--before');
    if (before) q.set('before', before);
    path = `/api/v1/dead-letters${q.size ? `?${q.toString()}` : ''}`;
  } else if ((sub === 'show' || sub === 'retry') && arg && /^[1-9][0-9]*$/.test(arg)) {
    path = `/api/v1/dead-letters/${arg}${sub === 'retry' ? '/retry' : ''}`;
    if (sub === 'retry') {
      const file = flag(argv, '--event');
      const reason = flag(argv, '--reason');
      let event: unknown;
      if (file) {
        try {
          event = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        } catch (err) {
          io.err(`dockgate-hub dead-letters: --event ${file}: ${(err as Error).message}\n`);
          return 64;
        }
      }
      init = { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ ...(event !== undefined ? { event } : {}), ...(reason ? { reason } : {}) }) };
    }
  } else {
    io.err(`usage: ${DEAD_LETTERS_USAGE}\n`);
    return 64;
  }
  let res: Response;
  try {
    res = await fetch(`${io.url}${path}`, init);
  } catch (err) {
    io.err(`dockgate-hub dead-letters: the hub's API at ${io.url} does not answer (${(err as Error).message}); is the hub running?\n`);
    return 69;
  }
  const text = await res.text();
  if (res.ok) {
    io.out(`${text}\n`);
    return 0;
  }
  io.err(`dockgate-hub dead-letters: ${res.status}: ${text}\n`);
  return 1;
}
