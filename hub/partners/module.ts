// hub/partners — how partner documents join the hub: tables, routes, the receipt-closed listener queuing receiving
// advice, the delivery loop, and the watched inbound folder.
import { mkdirSync } from 'node:fs';
import { componentLogger } from '../../protocols/logging/index.js';
import { receiptClosed } from '../receiving/store.js';
import type { Room } from '../room.js';
import { scanInboundFolder } from './folder.js';
import { importInterchange } from './inbound.js';
import { erpReceiptListener, queuePostedMoves } from './erp/handoff.js';
import { PartnerOutbox } from './outbox.js';
import { receiptAdviceListener } from './receipt-advice.js';
import { partnerRoutes } from './routes.js';
import { partnersMigrations } from './store.js';
import type { Timer } from '../../runtime/runtime.js';

export const partnersRoom: Room = {
  name: 'partners',
  // Receiving's receiptClosed signal queues advice; the ERP hand-off reads channels' and variances' tables.
  dependencies: ['channels', 'receiving', 'variances'],
  migrations: [partnersMigrations],
  async register(app, { config, db, log: hubLog, clock, runtime, metrics, providers, api }) {
    const pc = config.partners;
    const log = componentLogger(hubLog, 'partners');
    const erp = pc.erp;
    const outbox = new PartnerOutbox({
      db,
      log,
      runtime,
      retryBaseMs: pc.retryBaseMs,
      retryMaxMs: pc.retryMaxMs,
      alertAfter: pc.alertAfter,
      registry: metrics.registry,
      erpnext: erp?.erpnext,
      ...(erp?.webhook?.moves ? { beforeTick: () => queuePostedMoves(db, erp, config.site, clock()) } : {}),
    });
    await partnerRoutes(pc, () => outbox)(app, api);
    providers.partnerDeliveries = () => outbox.health();
    const site = { site: config.site, sgln: config.sgln, doorSglns: new Map(config.doors.filter((d) => d.sgln).map((d) => [d.id, d.sgln!])) };
    const stops = [receiptClosed(db).listen(receiptAdviceListener(pc, site))];
    if (erp) stops.push(receiptClosed(db).listen(erpReceiptListener(erp, config.site)));
    outbox.start(Math.min(pc.pollMs, 1000));
    let timer: Timer | undefined;
    const folder = pc.inboundFolder;
    if (folder) {
      mkdirSync(folder, { recursive: true });
      const scan = () => {
        try {
          scanInboundFolder(
            folder,
            (text, source) => importInterchange(db, text, { config: pc, source, actor: { kind: 'system', id: 'edi-folder' }, nowMs: clock() }),
            log,
          );
        } catch (err) {
          log.error({ err, folder }, 'inbound EDI folder scan failed');
        }
        timer = runtime.setTimer(pc.pollMs, scan);
      };
      scan();
    }
    app.addHook('onClose', async () => {
      timer?.cancel();
      for (const stop of stops) stop();
      await outbox.stop();
    });
  },
};
