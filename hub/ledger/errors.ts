// hub/ledger — the one error type the ledger throws: a code for callers (REST maps it to 4xx) and a field to name.

export type LedgerErrorCode =
  | 'invalid' // the input itself is malformed (names the field)
  | 'not_found' // an id the input refers to does not exist
  | 'conflict' // same id, different content (idempotency), or a duplicate unique key
  | 'negative_on_hand' // the move would take a refuse-negative location below zero
  | 'serial_location' // a serial move whose `from` is not where the EPC is
  | 'insufficient_available' // a reservation larger than what is available
  | 'reservation_state' // posting/voiding a hold that is not pending
  | 'closed_period' // the move is dated in a closed period (hub/periods)
  | 'invariant'; // a ledger invariant broke: a bug, the transaction is rolled back

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    /** The input field that was wrong, e.g. 'qty', 'from', 'gtins[1]'. */
    readonly field?: string,
    /** Extra facts for the caller, e.g. the conflicting fields of an idempotency conflict. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Assert a ledger invariant where it is made. A failure is a bug: it throws and the transaction rolls back. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new LedgerError('invariant', `ledger invariant violated: ${message}`);
}
