// hub/periods/testing — the process crash.test.ts kills: closes the period of the ledger at PERIOD_DB through
// PERIOD_THROUGH_MS (batches of PERIOD_BATCH moves), telling its parent each step on stdout.
import { openDatabase } from '../../db/database.js';
import { archiveClosedPeriod } from '../archive.js';
import { closePeriodSnapshot } from '../close.js';

const path = process.env.PERIOD_DB!;
const throughMs = Number(process.env.PERIOD_THROUGH_MS);
const say = (line: string) => process.stdout.write(`${line}\n`);
const db = openDatabase(path);
say('start');
closePeriodSnapshot(db, throughMs, throughMs + 86_400_000);
say('snapshot');
db.close();
archiveClosedPeriod(path, { batch: Number(process.env.PERIOD_BATCH), onBatch: (to) => say(`batch ${to}`) });
say('done');
