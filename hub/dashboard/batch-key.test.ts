// The put-away screen's Idempotency-Key (hub/dashboard/client/batch-key.ts): one key per body until it is applied.
import { describe, expect, it } from 'vitest';
import { BatchKey } from './client/batch-key.js';

function keys(): BatchKey {
  let n = 0;
  return new BatchKey(() => `k${++n}`);
}

describe('BatchKey', () => {
  it('sends the same body again under the same key (a retry after a lost answer is answered from the first)', () => {
    const k = keys();
    const body = { to: 'stock', units: [{ epc: 'a' }] };
    expect(k.for(body)).toBe('k1');
    expect(k.for({ to: 'stock', units: [{ epc: 'a' }] })).toBe('k1');
  });

  it('takes a fresh key when the body was edited after a try, and after a batch was applied', () => {
    const k = keys();
    expect(k.for({ to: 'stock', units: [{ epc: 'a' }] })).toBe('k1');
    expect(k.for({ to: 'stock', units: [{ epc: 'a' }, { epc: 'b' }] })).toBe('k2'); // a unit added
    expect(k.for({ to: 'A-01', units: [{ epc: 'a' }, { epc: 'b' }] })).toBe('k3'); // another location
    k.done();
    expect(k.for({ to: 'A-01', units: [{ epc: 'a' }, { epc: 'b' }] })).toBe('k4'); // the same list again is a new batch
  });
});
