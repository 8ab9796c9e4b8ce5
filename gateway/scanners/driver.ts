// gateway/scanners — what every scanner driver shares: its state (open, closed, unavailable …) with the reason, logged
// and emitted once per change, and the `code` / `state` events the gateway listens to.
import { EventEmitter } from 'node:events';
import type { ScannerState } from '../../protocols/events/index.js';
import type { Logger } from '../../protocols/logging/index.js';
import type { ScannedCode } from './session.js';

export interface ScannerStateChange {
  state: ScannerState;
  reason: string;
}

export interface ScannerEvents {
  code: [ScannedCode];
  state: [ScannerStateChange];
}

export abstract class ScannerDriver extends EventEmitter<ScannerEvents> {
  protected state: ScannerState = 'closed';
  protected reason = 'not started';

  protected constructor(protected readonly log: Logger) {
    super();
  }

  /** A new state or reason: logged (warn unless open) and emitted; the same again changes nothing. */
  protected setState(state: ScannerState, reason: string): void {
    if (state === this.state && reason === this.reason) return;
    this.state = state;
    this.reason = reason;
    this.log[state === 'open' ? 'info' : 'warn']({ state, reason }, `scanner ${state}: ${reason}`);
    this.emit('state', { state, reason });
  }
}
