// hub/doors — what a pass means: the mapping from a door's mode and a pass's direction to a move. Pure data.
import type { Direction, DoorMode } from '../../protocols/events/index.js';

/** A location named by its role at the door; resolved to a real location id by the door's config. */
export type LocationRole = 'supplier' | 'customer' | 'receiving' | 'stock' | 'returns' | 'transit' | 'current';

export type MoveReason = 'receipt' | 'shipment' | 'transfer' | 'return';

export interface MoveRule {
  action: 'move';
  /** 'current' = where the unit is now (serials), else the role's location. */
  from: LocationRole;
  to: LocationRole;
  reason: MoveReason;
  /** A pass that undoes the previous one (a pallet driven back out through the door it came in by). */
  reversal: boolean;
}

export interface ExceptionRule {
  action: 'exception';
  type: 'unknown_direction' | 'door_off' | 'count_observation';
  message: string;
}

export type DoorRule = MoveRule | ExceptionRule;

const move = (from: LocationRole, to: LocationRole, reason: MoveReason, reversal = false): MoveRule => ({ action: 'move', from, to, reason, reversal });

/**
 * The rules, one line per case. Reading a row: at a door in MODE, a unit passing DIRECTION moves FROM → TO.
 * The interpreter moves a serialized unit only if it is at FROM (or FROM is 'current'); a unit already at TO is a
 * repeat pass and moves nothing, so in-out-in driving moves stock exactly as often as it really moved.
 */
export const DOOR_RULES: Readonly<Record<Exclude<DoorMode, 'off' | 'count'>, Readonly<Record<Exclude<Direction, 'unknown'>, MoveRule>>>> = {
  receiving: {
    in: move('supplier', 'receiving', 'receipt'),
    out: move('receiving', 'supplier', 'receipt', true),
  },
  shipping: {
    out: move('current', 'customer', 'shipment'),
    in: move('customer', 'stock', 'shipment', true),
  },
  returns: {
    in: move('customer', 'returns', 'return'),
    out: move('returns', 'customer', 'return', true),
  },
  transfer: {
    out: move('current', 'transit', 'transfer'),
    in: move('transit', 'stock', 'transfer'),
  },
};

/** The rule for a pass of `direction` at a door in `mode`. */
export function ruleFor(mode: DoorMode, direction: Direction): DoorRule {
  if (mode === 'off') return { action: 'exception', type: 'door_off', message: 'door is off: pass recorded, nothing moved' };
  if (mode === 'count') return { action: 'exception', type: 'count_observation', message: 'door is a count zone: pass recorded as a count observation' };
  if (direction === 'unknown') return { action: 'exception', type: 'unknown_direction', message: `direction unknown at a ${mode} door: nothing moved, ops to decide` };
  return DOOR_RULES[mode][direction];
}
