// gateway/config — the portal engine's view of gateway.yaml: doors with their antennas and sensors, gathered from
// the readers that serve them (gateway.yaml is written reader by reader, as an installer wires it).
import type { DoorConfig, DoorSensors, PortalConfig, PortalParams as EngineParams } from '../portal/config.js';
import type { GatewayConfig, PortalParams } from './schema.js';

function engineParams(p: Partial<PortalParams>): Partial<EngineParams> {
  const out: Partial<EngineParams> = {};
  const set = <K extends keyof EngineParams>(k: K, v: EngineParams[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('minReads', p.minReads);
  set('window', p.windowMs);
  set('minRssi', p.minRssi);
  set('absence', p.absenceMs);
  set('rearm', p.rearmMs);
  set('margin', p.marginDb);
  set('hold', p.holdMs);
  set('settle', p.settleMs);
  set('earlyArrive', p.earlyArrive);
  set('minDirectionConfidence', p.minDirectionConfidence);
  set('beamWindow', p.beamWindowMs);
  set('beamMatch', p.beamMatchMs);
  return out;
}

/** The portal engine config (gateway/portal's resolvePortalConfig input) for a resolved gateway config. */
export function portalConfigOf(c: GatewayConfig): PortalConfig {
  const doors: DoorConfig[] = c.portal.doors.map(({ id, kind, ...overrides }) => {
    const antennas: DoorConfig['antennas'] = [];
    const sensors: DoorSensors = {};
    for (const r of c.readers) {
      for (const a of r.antennas) if (a.door === id) antennas.push(a.side ? { reader: r.id, antenna: a.id, side: a.side } : { reader: r.id, antenna: a.id });
      for (const g of r.gpi) {
        if (g.door !== id) continue;
        if (g.role === 'door-sensor') sensors.door = { reader: r.id, port: g.port, openState: g.openState };
        else if (g.role === 'beam-outside') sensors.beamOutside = { reader: r.id, port: g.port, brokenState: g.openState };
        else sensors.beamInside = { reader: r.id, port: g.port, brokenState: g.openState };
      }
    }
    return { id, kind, antennas, ...(Object.keys(sensors).length > 0 ? { sensors } : {}), ...engineParams(overrides) };
  });
  return { doors, defaults: engineParams(c.portal.defaults), maxTrackedTags: c.portal.maxTrackedTags };
}
