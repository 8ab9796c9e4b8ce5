// hub/ingest — public surface: the Ingest, its store and tables, and the apply contract the ledger implements.
export { Ingest, type IngestOptions, type IngestStats, type GatewayIngestStats, type ReceiveOutcome } from './ingest.js';
export {
  IngestStore,
  StreamOwnerError,
  type ApplyContext,
  type ApplyFn,
  type AppliedRecord,
  type BatchOutcome,
  type BatchScope,
  type DeadLetter,
  type DeadLetterReason,
} from './store.js';
export { ingestMigrations } from './migrations.js';
export { IngestInvariantError, type SeqRange } from './core.js';
