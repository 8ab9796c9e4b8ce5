import { describe, expect, it } from 'vitest';
import { ruleFor } from './rules.js';

describe('door rules', () => {
  it.each([
    ['receiving', 'in', 'supplier', 'receiving', 'receipt', false],
    ['receiving', 'out', 'receiving', 'supplier', 'receipt', true],
    ['shipping', 'out', 'current', 'customer', 'shipment', false],
    ['shipping', 'in', 'customer', 'stock', 'shipment', true],
    ['returns', 'in', 'customer', 'returns', 'return', false],
    ['returns', 'out', 'returns', 'customer', 'return', true],
    ['transfer', 'out', 'current', 'transit', 'transfer', false],
    ['transfer', 'in', 'transit', 'stock', 'transfer', false],
  ] as const)('%s door, %s pass moves %s → %s (%s)', (mode, direction, from, to, reason, reversal) => {
    expect(ruleFor(mode, direction)).toEqual({ action: 'move', from, to, reason, reversal });
  });

  it.each(['receiving', 'shipping', 'returns', 'transfer'] as const)('an unknown direction at a %s door moves nothing and asks ops', (mode) => {
    const rule = ruleFor(mode, 'unknown');
    expect(rule.action).toBe('exception');
    expect(rule).toMatchObject({ type: 'unknown_direction' });
  });

  it('a door that is off records the pass and moves nothing, whatever the direction', () => {
    for (const d of ['in', 'out', 'unknown'] as const) expect(ruleFor('off', d)).toMatchObject({ action: 'exception', type: 'door_off' });
  });

  it('a count door turns passes into count observations', () => {
    expect(ruleFor('count', 'in')).toMatchObject({ action: 'exception', type: 'count_observation' });
  });
});
