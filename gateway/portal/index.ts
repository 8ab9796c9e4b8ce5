// gateway/portal — the portal engine: raw reads in, door movements out. Import from here.
export { PortalEngine, type PortalStats, type PortalEngineOptions } from './engine.js';
export {
  resolvePortalConfig,
  parseDuration,
  PortalConfigError,
  DEFAULT_PARAMS,
  DEFAULT_MAX_TRACKED_TAGS,
  type PortalConfig,
  type DoorConfig,
  type PortalParams,
  type PortalAntenna,
  type DoorSensors,
  type ResolvedPortalConfig,
  type ResolvedDoor,
  type Side,
} from './config.js';
export { formatEvidence, type PassageEvidence, type AntennaEvidenceDetail, type LocationEvidence } from './evidence.js';
export { NaivePortal } from './naive-engine.js';
