import { describe, expect, it } from 'vitest';
import { allocate, channelQuantity, validateRule, type ChannelRule } from './rules.js';

const rule = (r: Partial<ChannelRule> = {}): ChannelRule => ({ pct: 1, channelBuffer: 0, endWhen: 0, ...r });
const input = (available: number, globalBuffer = 0, allocatedToOthers = 0) => ({ available, globalBuffer, allocatedToOthers });

describe('channelQuantity', () => {
  it('shows all available stock with the neutral rule', () => {
    expect(channelQuantity(rule(), input(17))).toBe(17);
  });
  it('subtracts global buffer, channel buffer and other allocations before the percentage', () => {
    // 100 - 5 - 3 - 12 = 80; 50 % → 40
    expect(channelQuantity(rule({ pct: 0.5, channelBuffer: 3 }), input(100, 5, 12))).toBe(40);
  });
  it('floors a fractional percentage result', () => {
    expect(channelQuantity(rule({ pct: 0.33 }), input(10))).toBe(3); // 3.3
    expect(channelQuantity(rule({ pct: 0.5 }), input(7))).toBe(3); // 3.5
  });
  it('does not lose a unit to floating point (0.07 × 100 = 7)', () => {
    expect(channelQuantity(rule({ pct: 0.07 }), input(100))).toBe(7);
    expect(channelQuantity(rule({ pct: 0.29 }), input(100))).toBe(29);
  });
  it('clamps negative available to 0', () => {
    expect(channelQuantity(rule(), input(-4))).toBe(0);
    expect(channelQuantity(rule({ pct: 0.5 }), input(3, 5))).toBe(0);
  });
  it('caps at max when present and has no ceiling when absent', () => {
    expect(channelQuantity(rule({ max: 25 }), input(1000))).toBe(25);
    expect(channelQuantity(rule(), input(1_000_000))).toBe(1_000_000);
    expect(channelQuantity(rule({ max: 0 }), input(10))).toBe(0);
  });
  it('shows 0 when the quantity is at or below endWhen, and the quantity just above it', () => {
    expect(channelQuantity(rule({ endWhen: 2 }), input(2))).toBe(0);
    expect(channelQuantity(rule({ endWhen: 2 }), input(1))).toBe(0);
    expect(channelQuantity(rule({ endWhen: 2 }), input(3))).toBe(3);
  });
  it('applies endWhen after max', () => {
    expect(channelQuantity(rule({ max: 2, endWhen: 2 }), input(50))).toBe(0);
  });
  it('rejects a fractional available count', () => {
    expect(() => channelQuantity(rule(), input(1.5))).toThrow(/available must be a whole number/);
  });
});

describe('validateRule', () => {
  it('names the bad field', () => {
    expect(() => validateRule(rule({ pct: 1.5 }), 'channels[0].rule')).toThrow('channels[0].rule.pct must be between 0 and 1, got 1.5');
    expect(() => validateRule(rule({ channelBuffer: -1 }))).toThrow(/rule.channelBuffer/);
    expect(() => validateRule(rule({ max: 2.5 }))).toThrow(/rule.max/);
    expect(() => validateRule(rule({ endWhen: Number.NaN }))).toThrow(/rule.endWhen/);
    expect(() => validateRule(rule({ fixed: -3 }))).toThrow(/rule.fixed/);
  });
  it('accepts a valid rule', () => {
    expect(() => validateRule(rule({ pct: 0.25, max: 10, endWhen: 1, fixed: 4 }))).not.toThrow();
  });
});

describe('allocate', () => {
  it('carves fixed allocations out first, percentage channels share the rest', () => {
    const out = allocate(
      [
        { channel: 'shop', rule: rule({ pct: 0.5 }), available: 100 },
        { channel: 'wholesale', rule: rule({ fixed: 30 }), available: 100 },
        { channel: 'amazon', rule: rule({ pct: 0.5 }), available: 100 },
      ],
      10,
    );
    // 100 - 10 global = 90; wholesale takes 30 → 60 left; each 50 % channel shows 30
    expect(Object.fromEntries(out)).toEqual({ wholesale: 30, shop: 30, amazon: 30 });
  });
  it('gives a fixed allocation larger than stock everything there is and leaves nothing to the others', () => {
    const out = allocate(
      [
        { channel: 'wholesale', rule: rule({ fixed: 500 }), available: 40 },
        { channel: 'shop', rule: rule(), available: 40 },
      ],
      0,
    );
    expect(Object.fromEntries(out)).toEqual({ wholesale: 40, shop: 0 });
  });
  it('serves fixed channels in configuration order', () => {
    const out = allocate(
      [
        { channel: 'a', rule: rule({ fixed: 8 }), available: 10 },
        { channel: 'b', rule: rule({ fixed: 8 }), available: 10 },
      ],
      0,
    );
    expect(Object.fromEntries(out)).toEqual({ a: 8, b: 2 });
  });
  it('keeps a fixed channel hidden by endWhen carved out', () => {
    const out = allocate(
      [
        { channel: 'wholesale', rule: rule({ fixed: 2, endWhen: 5 }), available: 10 },
        { channel: 'shop', rule: rule(), available: 10 },
      ],
      0,
    );
    expect(Object.fromEntries(out)).toEqual({ wholesale: 0, shop: 8 });
  });
  it('uses each channel’s own available (different feeding locations)', () => {
    const out = allocate(
      [
        { channel: 'eu', rule: rule(), available: 7 },
        { channel: 'us', rule: rule(), available: 3 },
      ],
      1,
    );
    expect(Object.fromEntries(out)).toEqual({ eu: 6, us: 2 });
  });
});
