// hub/ledger — the perpetual inventory ledger's public API. Every function takes the hub's better-sqlite3 `db` and
// runs in the caller's transaction when there is one (as a savepoint), else in its own. Clocks come in as `nowMs`.
export { ledgerMigrations } from './schema.js';
export { LedgerError, type LedgerErrorCode } from './errors.js';
export * from './types.js';
export { createLocation, updateLocation, getLocation, listLocations, type LocationInput, type LocationPatch } from './locations.js';
export { createItem, updateItem, getItem, getItemByGtin, listItems, type ItemInput, type ItemPatch } from './catalog.js';
export { importItemsCsv, CSV_COLUMNS, type CsvImportResult, type CsvRowError } from './catalog-import.js';
export { postMove, getMove, checkMoveInput, withBatchedInvariants, type PostOptions } from './moves.js';
export { moveSerial, getSerial, readUnit, listSerials, serialHistory, type MoveSerialInput, type MoveSerialResult, type UnitRead } from './serials.js';
export {
  reserve,
  postReservation,
  voidReservation,
  expireReservations,
  getReservation,
  listReservations,
  type ReserveResult,
  type PostReservationResult,
} from './reservations.js';
export { getStock, type StockRow, type StockAtLocation } from './stock.js';
export { listMoves, valuationReport, type MoveFilter, type MovePage, type ValuationRow } from './queries.js';
export { recordAudit, listAudit, type AuditEntry, type AuditRecord } from './audit.js';
export { checkLedger, type CheckReport, type CheckScope, type Difference, type CheckName } from './check.js';
export { checkFull, checkIncremental, movesAfter, readVerifiedPoint, type PointCheck, type VerifiedPoint } from './check-point.js';
export { skuChanged, type SkuChangeWhy } from './changes.js';
