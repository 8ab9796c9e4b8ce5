// fleet — what the central view is made of, as the REST API serves it and the central page (fleet/client) reads it.
// Types only, importing nothing with runtime weight: the browser client shares them.
import type { Transfer, TransferVariance } from './transfers.js';

export interface SiteFreshness {
  site: string;
  appliedThrough: number;
  lastChangeAt: string | null;
  /** Seconds since the last change the fleet applied from the site was committed there (null: none yet). */
  behindS: number | null;
  /** Records in the site's stream the fleet has not applied yet. */
  pending: number | null;
  stale: boolean;
  gap: { expected: number; got: number } | null;
  problem: string | null;
  consumerError: string | null;
}

export interface Kpis {
  sites: number;
  skus: number;
  unitsOnHand: number;
  unitsInTransit: number;
  openVariances: number;
  changesLast24h: number;
  openReceipts: number;
  openShipments: number;
}

/** A site's door as the feed shows it: the documents open at it and the variances (verdicts to act on) open there. */
export interface DoorView {
  site: string;
  door: string;
  documents: string[];
  variances: Array<{ variance: number; type: string; sku: string | null; message: string }>;
}

export interface CentralView {
  generatedAt: string;
  staleAfterS: number;
  kpis: Kpis & { staleSites: number };
  sites: SiteFreshness[];
  doors: DoorView[];
  transfers: Transfer[];
  transferVariances: TransferVariance[];
}
