// protocols/channels — loud failure: a channel's health from its counters, and the alerts that fire when a threshold is
// passed (consecutive failures, an unsynced change older than allowed, drift, shadow mismatch). Pure.

export interface HealthThresholds {
  /** failed pushes in a row before the channel alerts */
  maxConsecutiveFailures: number;
  /** a change not confirmed by the channel for longer than this alerts */
  maxUnsyncedMs: number;
  /** units of drift (|confirmed − should show| summed over SKUs) tolerated once past `driftGraceMs` */
  maxDriftUnits: number;
  driftGraceMs: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { maxConsecutiveFailures: 3, maxUnsyncedMs: 5 * 60_000, maxDriftUnits: 0, driftGraceMs: 60_000 };

/** Counts over a channel's SKUs, as the sync store sums them. */
export interface SyncCounts {
  /** SKUs whose should-show differs from what the channel confirmed */
  unsynced: number;
  /** …and by how much in total */
  driftSkus: number;
  driftUnits: number;
  /** shadow/drift reads: SKUs where what the channel shows differs from what should show */
  shownDiffSkus: number;
  shownDiffUnits: number;
}

export interface HealthInput extends SyncCounts {
  channel: string;
  mode: 'live' | 'shadow';
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  consecutiveFailures: number;
  lastError: string | null;
  /** oldest change not confirmed: min of the stored unsynced_since and the oldest dirty mark not yet computed */
  oldestUnsyncedAt: number | null;
  queued: number;
}

export interface Alert {
  code: 'consecutive-failures' | 'unsynced-too-long' | 'drift' | 'shadow-mismatch';
  level: 'warn' | 'error';
  message: string;
}

export interface ChannelHealth {
  channel: string;
  mode: 'live' | 'shadow';
  status: 'ok' | 'warn' | 'alert';
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  oldestUnsyncedAt: string | null;
  oldestUnsyncedAgeMs: number | null;
  unsynced: number;
  queued: number;
  drift: { skus: number; units: number };
  /** shadow mode: what the channel shows vs what it should show */
  shadow?: { mismatchedSkus: number; mismatchedUnits: number };
  alerts: Alert[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function evaluateHealth(h: HealthInput, now: number, t: HealthThresholds): ChannelHealth {
  const alerts: Alert[] = [];
  const age = h.oldestUnsyncedAt === null ? null : Math.max(0, now - h.oldestUnsyncedAt);
  if (h.mode === 'live') {
    if (h.consecutiveFailures >= t.maxConsecutiveFailures) {
      alerts.push({ code: 'consecutive-failures', level: 'error', message: `${h.consecutiveFailures} pushes failed in a row; last error: ${h.lastError ?? 'unknown'}` });
    }
    if (age !== null && age > t.maxUnsyncedMs) {
      alerts.push({ code: 'unsynced-too-long', level: 'error', message: `${h.unsynced || 'a'} change(s) not confirmed by the channel for ${Math.round(age / 1000)} s (limit ${Math.round(t.maxUnsyncedMs / 1000)} s)` });
    }
    if (h.driftUnits > t.maxDriftUnits && age !== null && age > t.driftGraceMs) {
      alerts.push({ code: 'drift', level: 'warn', message: `channel shows ${h.driftUnits} unit(s) off across ${h.driftSkus} SKU(s)` });
    }
  } else if (h.shownDiffSkus > 0) {
    alerts.push({ code: 'shadow-mismatch', level: 'warn', message: `shadow: channel shows ${h.shownDiffUnits} unit(s) off across ${h.shownDiffSkus} SKU(s)` });
  }
  const status = alerts.some((a) => a.level === 'error') ? 'alert' : alerts.length ? 'warn' : 'ok';
  return {
    channel: h.channel,
    mode: h.mode,
    status,
    lastSuccessAt: iso(h.lastSuccessAt),
    lastFailureAt: iso(h.lastFailureAt),
    lastError: h.lastError,
    consecutiveFailures: h.consecutiveFailures,
    oldestUnsyncedAt: h.mode === 'live' ? iso(h.oldestUnsyncedAt) : null,
    oldestUnsyncedAgeMs: h.mode === 'live' ? age : null,
    unsynced: h.mode === 'live' ? h.unsynced : 0,
    queued: h.queued,
    drift: { skus: h.driftSkus, units: h.driftUnits },
    ...(h.mode === 'shadow' ? { shadow: { mismatchedSkus: h.shownDiffSkus, mismatchedUnits: h.shownDiffUnits } } : {}),
    alerts,
  };
}
