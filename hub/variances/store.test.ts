// hub/variances — listing variances: every filter and both orders answer exactly the variances that match, a page at
// a time, and a filtered list walks its index rather than every variance (the first page of open variances must not
// read a year of resolved ones first).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../db/database.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { listVariances, raiseVariance, resolveVariance, variancesMigrations, type Variance, type VarianceFilter } from './store.js';

const actor = { kind: 'api' as const, id: 'tester' };

describe('listVariances', () => {
  let f: Fixture;
  let all: Variance[];
  beforeEach(() => {
    f = makeFixture();
    migrate(f.db, [variancesMigrations]);
    for (let i = 0; i < 60; i++) {
      const v = raiseVariance(
        f.db,
        { type: i % 3 ? 'short' : 'unknown_tag', door: `door-${i % 2}`, reference: `ASN-${i % 4}`, message: `variance ${i}`, expected: 10, actual: 9 },
        T0 + i * 1000,
      );
      if (i % 5) resolveVariance(f.db, v.id, { action: 'dismiss', reason: 'checked' }, actor, T0 + i * 1000 + 1);
    }
    all = listVariances(f.db, { limit: 1000 });
  });
  afterEach(() => f.close());

  it('answers exactly the matching variances for every filter, oldest or newest first, page by page', () => {
    expect(all).toHaveLength(60);
    const filters: VarianceFilter[] = [
      {},
      { status: 'open' },
      { status: 'dismissed', type: 'short' },
      { door: 'door-1' },
      { reference: 'ASN-2', status: 'open' },
      { since: new Date(T0 + 30_000).toISOString() },
      { type: 'unknown_tag', door: 'door-0', since: new Date(T0 + 10_000).toISOString() },
    ];
    for (const filter of filters) {
      const want = all.filter(
        (v) =>
          (filter.status === undefined || v.status === filter.status) &&
          (filter.type === undefined || v.type === filter.type) &&
          (filter.door === undefined || v.door === filter.door) &&
          (filter.reference === undefined || v.reference === filter.reference) &&
          (filter.since === undefined || Date.parse(v.createdAt) >= Date.parse(filter.since)),
      );
      for (const order of ['oldest', 'newest'] as const) {
        const got: Variance[] = [];
        for (let page = listVariances(f.db, { ...filter, order, limit: 4 }); page.length;) {
          got.push(...page);
          page = listVariances(f.db, { ...filter, order, limit: 4, after: page[page.length - 1]!.id });
        }
        const ids = want.map((v) => v.id);
        expect(
          got.map((v) => v.id),
          `${JSON.stringify(filter)} ${order}`,
        ).toEqual(order === 'oldest' ? ids : [...ids].reverse());
      }
    }
  });

  it('walks the status, door or reference index when that filter is given', () => {
    /** The query plan of the statement listVariances runs for `filter`. */
    const planOf = (filter: VarianceFilter): string => {
      const prepare = f.db.prepare.bind(f.db);
      let ran: { sql: string; params: unknown } | undefined;
      f.db.prepare = ((sql: string) => {
        const st = prepare(sql);
        const all = st.all.bind(st);
        st.all = ((params: unknown) => ((ran = { sql, params }), all(params))) as typeof st.all;
        return st;
      }) as typeof f.db.prepare;
      try {
        listVariances(f.db, filter);
      } finally {
        f.db.prepare = prepare;
      }
      const rows = f.db.prepare(`EXPLAIN QUERY PLAN ${ran!.sql}`).all(ran!.params) as Array<{ detail: string }>;
      return rows.map((r) => r.detail).join('; ');
    };
    expect(planOf({ status: 'open' })).toContain('INDEX variances_status');
    expect(planOf({ status: 'open', order: 'newest', after: 40 })).toContain('INDEX variances_status');
    expect(planOf({ door: 'door-1' })).toContain('INDEX variances_door');
    expect(planOf({ reference: 'ASN-1' })).toContain('INDEX variances_reference');
  });
});
