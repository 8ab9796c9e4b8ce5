// hub/partners — how partner documents join the hub: tables, routes, the receipt-closed listener queuing receiving
// advice, the delivery loop, and the watched inbound folder.
import { mkdirSync } from 'node:fs';
import type { HubModules } from '../app.js';
import type { HubConfig } from '../config/schema.js';
import { componentLogger } from '../../protocols/logging/index.js';
import { onReceiptClosed } from '../receiving/store.js';
import { scanInboundFolder } from './folder.js';
import { importInterchange } from './inbound.js';
import { erpReceiptListener, queuePostedMoves } from './erp/handoff.js';
import { PartnerOutbox } from './outbox.js';
import { receiptAdviceListener } from './receipt-advice.js';
import { partnerRoutes } from './routes.js';
import { partnersMigrations } from './store.js';
import type { Timer } from '../../runtime/runtime.js';

export function partnersModule(config: HubConfig): HubModules {
  const pc = config.partners;
  let outbox: PartnerOutbox | undefined;
  return {
    migrations: [partnersMigrations],
    api: [partnerRoutes(pc, () => outbox!)],
    attach(hub) {
      const log = componentLogger(hub.log, 'partners');
      const erp = pc.erp;
      outbox = new PartnerOutbox({
        db: hub.db,
        log,
        runtime: hub.runtime,
        retryBaseMs: pc.retryBaseMs,
        retryMaxMs: pc.retryMaxMs,
        alertAfter: pc.alertAfter,
        registry: hub.metrics.registry,
        erpnext: erp?.erpnext,
        ...(erp?.webhook?.moves ? { beforeTick: () => queuePostedMoves(hub.db, erp, config.site, hub.clock()) } : {}),
      });
      hub.providers.partnerDeliveries = () => outbox!.health();
      const site = { site: config.site, sgln: config.sgln, doorSglns: new Map(config.doors.filter((d) => d.sgln).map((d) => [d.id, d.sgln!])) };
      const stops = [onReceiptClosed(hub.db, receiptAdviceListener(pc, site))];
      if (erp) stops.push(onReceiptClosed(hub.db, erpReceiptListener(erp, config.site)));
      outbox.start(Math.min(pc.pollMs, 1000));
      let timer: Timer | undefined;
      const folder = pc.inboundFolder;
      if (folder) {
        mkdirSync(folder, { recursive: true });
        const scan = () => {
          try {
            scanInboundFolder(
              folder,
              (text, source) => importInterchange(hub.db, text, { config: pc, source, actor: { kind: 'system', id: 'edi-folder' }, nowMs: hub.clock() }),
              log,
            );
          } catch (err) {
            log.error({ err, folder }, 'inbound EDI folder scan failed');
          }
          timer = hub.runtime.setTimer(pc.pollMs, scan);
        };
        scan();
      }
      hub.onStop(async () => {
        timer?.cancel();
        for (const stop of stops) stop();
        await outbox?.stop();
      });
    },
  };
}
