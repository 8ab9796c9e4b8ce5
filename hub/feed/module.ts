// hub/feed — how the change feed joins the hub: its outbox schema (migrated after the rooms whose tables its
// triggers watch), and, when `fleet.enabled`, the publisher to NATS JetStream. Off by default: a single site needs
// neither NATS nor the fleet.
import { skuChanged } from '../ledger/index.js';
import type { Room } from '../room.js';
import { FeedOutbox } from './outbox.js';
import { FeedPublisher } from './publisher.js';
import { feedMigrations } from './schema.js';
import { componentLogger } from '../../protocols/logging/index.js';

export const feedRoom: Room = {
  name: 'feed',
  // Its triggers watch the ledger's tables and these rooms' (receipts, shipments, counts, variances): migrated first.
  dependencies: ['counts', 'receiving', 'shipping', 'variances'],
  migrations: [feedMigrations],
  register(app, { config, db, log: hubLog, runtime }) {
    const log = componentLogger(hubLog, 'feed');
    const outbox = new FeedOutbox(db, config.site);
    const f = config.fleet;
    if (!f.enabled) {
      const s = outbox.state();
      if (s.enabled)
        log.warn({ depth: s.depth }, 'feed: fleet.enabled is false but this database records the feed: changes queue in the outbox until it is enabled again');
      else outbox.dormant(); // no recording triggers: a change costs the feed nothing
      return;
    }
    const backfilled = outbox.enable();
    if (backfilled) log.info({ records: backfilled }, "feed: recording switched on; the ledger's earlier moves and pending holds are queued first");
    const publisher = new FeedPublisher(
      outbox,
      {
        site: config.site,
        servers: f.servers,
        replicas: f.replicas,
        batch: f.batch,
        pollMs: f.pollMs,
        retryMs: f.retryMs,
        duplicateWindowMs: f.duplicateWindowS * 1000,
      },
      log,
      runtime,
    );
    // Listeners run inside the posting transaction: wake the publisher once it has committed.
    let queued = false;
    const stopListening = skuChanged(db).listen(() => {
      if (queued) return;
      queued = true;
      runtime.setTimer(0, () => {
        queued = false;
        publisher.wake();
      });
    });
    publisher.start();
    app.addHook('onClose', async () => {
      stopListening();
      await publisher.stop();
    });
  },
};
