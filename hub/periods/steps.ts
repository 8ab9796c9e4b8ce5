// hub/periods — running a close's steps: a close is a generator that yields between its transactions and slices
// (close.ts, archive.ts); the CLI and the kill -9 test run it straight through (runSteps), the running hub lets the
// event loop serve between steps (runStepsAsync), so a close of a large ledger does not stop REST or ingest.

/** Where a close is: the phase and the move seq it has reached in it. */
export interface CloseStep {
  phase: 'check' | 'snapshot' | 'archive' | 'vacuum';
  seq: number;
}

/** Run the steps to the end, with nothing between them. */
export function runSteps<T>(steps: Generator<CloseStep, T>): T {
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

/**
 * Run the steps, awaiting `between` after each (the hub's yield to its event loop) and telling `onStep`. When
 * `stopping()` says so before a step, the generator is closed (its finally blocks run) and 'stopped' is returned:
 * a close stopped between steps is left as a kill would leave it, and a rerun completes it.
 */
export async function runStepsAsync<T>(
  steps: Generator<CloseStep, T>,
  between: () => Promise<void>,
  onStep: (step: CloseStep) => void,
  stopping: () => boolean,
): Promise<T | 'stopped'> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    onStep(r.value);
    await between();
    if (stopping()) {
      steps.return(undefined as T);
      return 'stopped';
    }
  }
}
