// hub/ledger — pure input checks shared by the ledger's write paths. Each throws a LedgerError naming the field.
import { LedgerError } from './errors.js';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@#+-]{0,127}$/;

export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_RE.test(value)) {
    throw new LedgerError('invalid', `${field} must be 1-128 characters of letters, digits and . _ : / @ # + - (starting with a letter or digit), got ${show(value)}`, field);
  }
  return value;
}

export function requireText(value: unknown, field: string, max = 500): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new LedgerError('invalid', `${field} must be a non-empty string of at most ${max} characters, got ${show(value)}`, field);
  }
  return value;
}

export function optionalText(value: unknown, field: string, max = 500): string | null {
  if (value === undefined || value === null) return null;
  return requireText(value, field, max);
}

export function requirePositiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new LedgerError('invalid', `${field} must be a positive integer, got ${show(value)}`, field);
  }
  return value;
}

export function requireNonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LedgerError('invalid', `${field} must be a non-negative integer, got ${show(value)}`, field);
  }
  return value;
}

export function optionalNonNegativeInt(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  return requireNonNegativeInt(value, field);
}

export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new LedgerError('invalid', `${field} must be one of ${allowed.join(', ')}, got ${show(value)}`, field);
  }
  return value as T;
}

export function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new LedgerError('invalid', `${field} must be true or false, got ${show(value)}`, field);
  return value;
}

/** ISO-8601 timestamp with a zone → ms since epoch. */
export function requireTimestamp(value: unknown, field: string): number {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new LedgerError('invalid', `${field} must be an ISO-8601 timestamp with a zone, e.g. 2025-03-01T12:00:00.000Z, got ${show(value)}`, field);
  }
  return ms;
}

export function requireMs(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LedgerError('invalid', `${field} must be ms since epoch (a non-negative integer), got ${show(value)}`, field);
  }
  return value;
}

/** EPCs are hex, stored lowercase (as the gateway sends them). */
export function requireEpc(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{8,128}$/.test(value) || value.length % 2 !== 0) {
    throw new LedgerError('invalid', `${field} must be an even number (8-128) of hex digits, got ${show(value)}`, field);
  }
  return value.toLowerCase();
}

/** A GTIN-8/12/13/14 with a valid GS1 check digit → its GTIN-14 form. */
export function normalizeGtin(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(value)) {
    throw new LedgerError('invalid', `${field} must be a GTIN of 8, 12, 13 or 14 digits, got ${show(value)}`, field);
  }
  const gtin = value.padStart(14, '0');
  if (gs1CheckDigit(gtin.slice(0, 13)) !== Number(gtin[13])) {
    throw new LedgerError('invalid', `${field} ${value} has a wrong check digit (expected ${gs1CheckDigit(gtin.slice(0, 13))})`, field);
  }
  return gtin;
}

/** GS1 mod-10 check digit over the digits before it. */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? s.slice(0, 77) + '...' : s;
}
