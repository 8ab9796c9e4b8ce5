// gateway/portal — config validation: defaults, per-door overrides, durations, and errors that name the key.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, PortalConfigError, parseDuration, resolvePortalConfig } from './config.js';

const door = (over: Record<string, unknown> = {}) => ({
  id: 'dock-1',
  antennas: [
    { reader: 'r1', antenna: 1, side: 'outside' },
    { reader: 'r1', antenna: 2, side: 'inside' },
  ],
  ...over,
});

function errorOf(raw: unknown): PortalConfigError {
  try {
    resolvePortalConfig(raw);
  } catch (e) {
    if (e instanceof PortalConfigError) return e;
    throw e;
  }
  throw new Error('expected a PortalConfigError');
}

describe('resolvePortalConfig', () => {
  it('fills defaults from the anchors, then site defaults, then per-door overrides', () => {
    const c = resolvePortalConfig({ defaults: { absence: '5s', margin: 8 }, doors: [door(), door({ id: 'dock-2', antennas: [{ reader: 'r2', antenna: 1, side: 'outside' }, { reader: 'r2', antenna: 2, side: 'inside' }], minReads: 3, settle: '1.5 s' })] });
    expect(c.doors[0]).toMatchObject({ ...DEFAULT_PARAMS, absence: 5000, margin: 8, kind: 'door' });
    expect(c.doors[1]).toMatchObject({ minReads: 3, settle: 1500, absence: 5000, margin: 8 });
    expect(c.maxTrackedTags).toBe(50_000);
    expect(DEFAULT_PARAMS).toMatchObject({ minReads: 2, absence: 3000, margin: 6, settle: 3000 });
  });

  it('is idempotent on its own output', () => {
    const c = resolvePortalConfig({ doors: [door({ sensors: { door: { reader: 'r1', port: 1, openState: false } } })] });
    expect(resolvePortalConfig(c)).toEqual(c);
  });

  it.each([
    [{ doors: [] }, 'doors'],
    [{ doors: [door()], extra: 1 }, 'extra'],
    [{ doors: [door({ id: 'Dock 1' })] }, 'doors[0].id'],
    [{ doors: [door(), door()] }, 'doors[1].id'],
    [{ doors: [door({ antennas: [{ reader: 'r1', antenna: 1, side: 'outside' }, { reader: 'r1', antenna: 2, side: 'in' }] })] }, 'doors[0].antennas[1].side'],
    [{ doors: [door({ antennas: [{ reader: 'r1', antenna: 1, side: 'outside' }] })] }, 'doors[0].antennas'],
    [{ doors: [door(), door({ id: 'dock-2' })] }, 'doors[1].antennas[0]'],
    [{ doors: [door({ antennas: [{ reader: 'r1', antenna: 0, side: 'outside' }] })] }, 'doors[0].antennas[0].antenna'],
    [{ doors: [door({ minReads: 0 })] }, 'doors[0].minReads'],
    [{ doors: [door({ absence: 'soon' })] }, 'doors[0].absence'],
    [{ doors: [door({ minRssi: -200 })] }, 'doors[0].minRssi'],
    [{ doors: [door({ earlyArrive: 'yes' })] }, 'doors[0].earlyArrive'],
    [{ doors: [door({ sensors: { beamOutside: { reader: 'r1', port: 2 } } })] }, 'doors[0].sensors'],
    [{ doors: [door({ sensors: { door: { reader: 'r1', port: 1 }, beamOutside: { reader: 'r1', port: 1 }, beamInside: { reader: 'r1', port: 3 } } })] }, 'doors[0].sensors.beamOutside'],
    [{ doors: [door({ sensors: { door: { reader: 'r1', port: 1, openState: 'high' } } })] }, 'doors[0].sensors.door.openState'],
    [{ doors: [door({ kind: 'portal' })] }, 'doors[0].kind'],
    [{ doors: [door()], maxTrackedTags: 0 }, 'maxTrackedTags'],
    [{ doors: [door()], defaults: { absense: 3000 } }, 'defaults.absense'],
  ])('rejects %j naming %s', (raw, path) => {
    const e = errorOf(raw);
    expect(e.path).toBe(path);
    expect(e.message).toContain(path);
  });

  it('accepts a zone without sides', () => {
    const c = resolvePortalConfig({ doors: [{ id: 'lane-3', kind: 'zone', antennas: [{ reader: 'r5', antenna: 1 }] }] });
    expect(c.doors[0]).toMatchObject({ kind: 'zone', antennas: [{ reader: 'r5', antenna: 1, side: undefined }] });
  });
});

describe('parseDuration', () => {
  it('reads ms numbers and unit strings', () => {
    expect(parseDuration(250, 'x')).toBe(250);
    expect(parseDuration('3s', 'x')).toBe(3000);
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(parseDuration('2m', 'x')).toBe(120_000);
    expect(() => parseDuration(-1, 'a.b')).toThrow(/a\.b/);
    expect(() => parseDuration('3 hours', 'a.b')).toThrow(/a\.b: must be a duration/);
  });
});
