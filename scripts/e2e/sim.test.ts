// scripts/e2e — CI's short fixed seeds of the site simulator: a hub, two gateways and a capped one as real processes,
// six simulated LLRP doors, faults on (kill -9 of hub and gateways, LLRP drops, stopped keepalives, split and coalesced
// chunks, channel throttling, failures and hangs, garbage on a gateway's topic, an outbox filled past its cap). Each
// seed must end with the ledger equal to the ground truth (less exactly what the forced gap reported), equal to the
// gateways' emitted passes, `dockgate-hub check` clean, no duplicate moves, every dead letter and gap accounted for,
// the ASNs' variances (short, unexpected items held then accepted or dismissed) as the plan implies, cycle counts that
// find a unit gone, COGS at standard cost, and cartons scanned on a serial scanner on a socat pty (unplugged and
// plugged back once: a scan into the unplugged scanner is scanned again and counted once); channel faults strike both
// the webhook channel and a Shopify stand-in, and both must show the expected quantities, each push applied once.
import { describe, expect, it } from 'vitest';
import { runSim } from './sim.js';

const SEEDS = [11, 12];

// The two seeds run side by side: each is mostly waiting (pallets at walking pace, portal absence times).
describe('site simulator (short seeds, faults on)', () => {
  for (const seed of SEEDS) {
    it.concurrent(`seed ${seed}: the ledger equals both expectations and every invariant holds`, async () => {
      const lines: string[] = [];
      const r = await runSim({ seed, doors: 6, gateways: 2, minutes: 0.5, broker: 'embedded', faults: true, say: (l) => lines.push(l) });
      const report = `${r.findings.map((f) => `${f.check}: ${f.detail}`).join('\n')}\nreplay: ${r.replay}\n${lines.join('\n')}`;
      expect(r.findings, report).toEqual([]);
      // The run really did what it claims: faults struck, the forced gap was reported, a corrupt payload dead-lettered.
      expect(r.figures.faults).toBeGreaterThanOrEqual(8);
      expect(r.figures.gapReported).toBeGreaterThan(0);
      expect(r.figures.deadLetters).toBe(r.figures.corruptionsSent);
      expect(r.figures.moves).toBeGreaterThan(0);
      // Pallets arrived against ASNs the plan made wrong on purpose: their variances were compared, held units resolved.
      expect(r.figures.receipts).toBeGreaterThanOrEqual(2);
      expect(r.figures.variancesExpected).toBeGreaterThanOrEqual(2);
      // A cycle count of the reserve found a unit gone, and the books followed it.
      expect(r.figures.counts).toBeGreaterThanOrEqual(1);
      expect(r.figures.unitsLostInCounts).toBeGreaterThanOrEqual(1);
      // Cartons were scanned on a real pty; one scanned while the scanner was unplugged was scanned again, counted once.
      expect(r.figures.scans).toBeGreaterThanOrEqual(4);
      expect(r.figures.scansUnplugged).toBeGreaterThanOrEqual(1);
      expect(r.figures.scanEvents).toBe(r.figures.scans);
      // The second channel, on a local Shopify stand-in, was pushed to (and struck by a channel fault).
      expect(r.figures.shopifyApplications).toBeGreaterThan(0);
    }, 300_000);
  }
});
