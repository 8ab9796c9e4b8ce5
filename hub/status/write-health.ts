// hub/status — what the hub's real writes say about the database: the last storage error (disk full, I/O error, read-
// only file system …) of each writer (ingest, the REST API), cleared by that writer's next commit (see succeeded). The status
// probe's own small write is not enough: updating one existing row can still succeed on a full disk while every
// insert that needs a new page fails (SQLITE_FULL).

/** SQLite result codes that say the storage failed, not the request (better-sqlite3 puts them in `err.code`). */
const STORAGE_CODES = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_NOMEM', 'SQLITE_PERM', 'SQLITE_PROTOCOL', 'SQLITE_BUSY', 'SQLITE_LOCKED'];

/** Pure: is this error a failure of the database's storage (as opposed to a refusal of what was written)? */
export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.some((c) => code === c || code.startsWith(`${c}_`));
}

export type Writer = 'ingest' | 'api';

export interface WriteFailure {
  writer: Writer;
  error: string;
  atMs: number;
}

export class WriteHealth {
  private readonly failing = new Map<Writer, WriteFailure>();

  /** A write of `writer` failed; only storage errors count. Returns whether it counted. */
  failed(writer: Writer, err: unknown, atMs: number): boolean {
    if (!isStorageError(err)) return false;
    this.failing.set(writer, { writer, error: `${(err as Error).message} (${(err as { code: string }).code})`, atMs });
    return true;
  }

  /**
   * A write of `writer` committed. An ingest batch of events (new rows in several tables) also clears a REST failure:
   * the database grows again, even if no REST client tries once more. A REST success clears only REST's own failure.
   */
  succeeded(writer: Writer): void {
    if (writer === 'ingest') this.failing.clear();
    else this.failing.delete(writer);
  }

  /** The oldest failure not yet followed by a success of its writer, if any. */
  current(): WriteFailure | undefined {
    let first: WriteFailure | undefined;
    for (const f of this.failing.values()) if (!first || f.atMs < first.atMs) first = f;
    return first;
  }
}
