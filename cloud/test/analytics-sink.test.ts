/**
 * The PostgreSQL window sink against a real database: compare-and-set on the stored position (a second commit
 * from the same position is refused and counts nothing), exact merging, no update of a final window, department
 * windows closing once on the lowest watermark, NOTIFY only on commit, retention, and the query registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { isVitalsError, waitFor } from '@vitals/shared';
import { PartitionEngine } from '../src/analytics/engine/partition-engine.js';
import { records, PATIENT_A, PATIENT_B } from '../src/analytics/engine/test-fixtures.js';
import { compileQueries } from '../src/analytics/queries/compile.js';
import { decodeNotice, NOTIFY_CHANNEL } from '../src/analytics/push/notify-codec.js';
import { PgWindowStore } from '../src/analytics/sink/pg-window-store.js';
import type { PartitionPosition } from '../src/analytics/sink/ports.js';
import { registerQueries } from '../src/analytics/sink/query-registry.js';
import { createAnalyticsDb, type Db } from './support/analytics-world.js';

const T = Date.parse('2026-03-01T10:00:00Z');
const settings = { maxOutOfOrderMs: 5_000, idleTimeoutMs: 30_000, maxFutureSkewMs: 300_000 };
const queries = compileQueries(
  {
    version: 1,
    queries: [
      {
        id: 's-p1m',
        metrics: '*',
        group: 'patient',
        window: { type: 'tumbling', size: '1m' },
        aggregates: ['count', 'sum'],
        grace: '10s',
        emit: 'changes',
        retention: '1h',
      },
      {
        id: 's-dep',
        metrics: '*',
        group: 'department',
        window: { type: 'tumbling', size: '1m' },
        aggregates: ['count'],
        grace: '10s',
        emit: 'changes',
        retention: '1h',
      },
    ],
  },
  'test',
);
let db: Db;
let listener: pg.Client;
const notices: string[] = [];

beforeAll(async () => {
  db = await createAnalyticsDb();
  await registerQueries(db.pool, queries);
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (n) => notices.push(n.payload ?? ''));
  await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
});

afterAll(async () => {
  await listener?.end();
  await db?.drop();
});

function store(group: string, partitions = 1, onConflict?: (n: number) => void) {
  return new PgWindowStore(db.pool, {
    groupId: group,
    topic: 't',
    queries,
    partitionCount: async () => partitions,
    notifyAs: `i-${group}`,
    onConflict,
  });
}

/** Deltas and next position of `specs` on partition `p` from `from`. */
function step(p: number, from: PartitionPosition, specs: Parameters<typeof records>[0], first: number) {
  const engine = new PartitionEngine(queries, p, settings, from.eventTime, T);
  const result = engine.process(records(specs, first), T + 3_600_000);
  return { deltas: result.deltas, next: { nextOffset: BigInt(first + specs.length), eventTime: result.state } };
}

describe('PostgreSQL window sink', () => {
  it('refuses a second commit from the same stored position: nothing is counted twice, nothing is notified', async () => {
    const s = store('g-cas');
    const start = await s.position(0, async () => 0n);
    expect(start).toEqual({ nextOffset: 0n, eventTime: { watermark: null, maxEventTime: null } });
    const a = step(
      0,
      start,
      [
        { at: T + 1_000, value: 0.1 },
        { at: T + 2_000, value: 0.2 },
      ],
      0,
    );
    const rows = await s.commit({ partition: 0, expected: start, next: a.next, deltas: a.deltas });
    expect(rows.find((r) => r.queryId === 's-p1m')).toMatchObject({ count: 2, sum: 0.3, revision: 1 });
    await waitFor(() => notices.some((n) => decodeNotice(n)?.group === 'g-cas'), { timeoutMs: 10_000, what: 'the notice' });
    const before = notices.length;

    // A zombie (or a retry whose acknowledgement was lost) commits the same batch again.
    const err = await s.commit({ partition: 0, expected: start, next: a.next, deltas: a.deltas }).catch((e: unknown) => e);
    expect(isVitalsError(err, 'ANALYTICS_ERR_PARTITION_FENCED')).toBe(true);
    const { rows: stored } = await db.pool.query(
      `SELECT count, sum, revision FROM window_aggregates WHERE query_id = 's-p1m' AND group_id = $1`,
      [PATIENT_A],
    );
    expect(stored).toEqual([{ count: '2', sum: 0.3, revision: 1 }]);
    await listener.query('SELECT 1');
    expect(notices.length).toBe(before);

    // From the stored position it goes on; the sum stays exact (0.1 + 0.2 + 0.7).
    const b = step(0, a.next, [{ at: T + 3_000, value: 0.7 }], 2);
    await s.commit({ partition: 0, expected: a.next, next: b.next, deltas: b.deltas });
    const { rows: merged } = await db.pool.query(
      `SELECT count, sum, sum_milli, revision FROM window_aggregates WHERE query_id = 's-p1m' AND group_id = $1`,
      [PATIENT_A],
    );
    expect(merged).toEqual([{ count: '3', sum: 1, sum_milli: '1000', revision: 2 }]);
  });

  it('closes department windows once, when every partition’s watermark passed them; never updates a final window', async () => {
    const conflicts: number[] = [];
    const s = store('g-dep', 2, (n) => conflicts.push(n));
    const other = store('g-dep', 2);
    const p0 = await s.position(0, async () => 0n);
    const p1 = await s.position(1, async () => 0n);
    const departmentId = '00000000-0000-4000-8000-0000000000d7';
    const a = step(
      0,
      p0,
      [
        { at: T + 1_000, value: 60, patientId: PATIENT_A, departmentId },
        { at: T + 120_000, value: 61, patientId: PATIENT_A, departmentId },
      ],
      0,
    );
    await s.commit({ partition: 0, expected: p0, next: a.next, deltas: a.deltas });
    const b = step(1, p1, [{ at: T + 2_000, value: 80, patientId: PATIENT_B, departmentId }], 0);
    await s.commit({ partition: 1, expected: p1, next: b.next, deltas: b.deltas });
    // Partition 1's watermark (T - 3 s) is behind the first minute's close (T + 70 s).
    expect(await s.closeDepartments()).toEqual([]);
    const c = step(1, b.next, [{ at: T + 100_000, value: 81, patientId: PATIENT_B, departmentId }], 1);
    await s.commit({ partition: 1, expected: b.next, next: c.next, deltas: c.deltas });
    const [x, y] = await Promise.all([s.closeDepartments(), other.closeDepartments()]);
    // (Query ids are global: one consumer group per database. Rows of the other tests' department close too.)
    const closed = [...x, ...y].filter((r) => r.groupId === departmentId);
    expect(closed.map((r) => [r.queryId, r.windowStart, r.count, r.final])).toEqual([['s-dep', T, 2, true]]);

    // A delta for the closed window (only a mis-keyed input could produce one) is refused and reported.
    const stale = step(
      0,
      { nextOffset: 0n, eventTime: { watermark: null, maxEventTime: null } },
      [{ at: T + 5_000, value: 1, patientId: PATIENT_A }],
      2,
    );
    const rows = await s.commit({
      partition: 0,
      expected: a.next,
      next: { ...a.next, nextOffset: 3n },
      deltas: stale.deltas.filter((d) => d.query.id === 's-dep'),
    });
    expect(rows.filter((r) => r.queryId === 's-dep')).toEqual([]);
    expect(conflicts).toEqual([1]);
  });

  it('purges rows past their query’s retention', async () => {
    const s = store('g-ret');
    const p = await s.position(0, async () => 0n);
    const a = step(0, p, [{ at: T + 1_000, value: 1, patientId: '00000000-0000-4000-8000-0000000000f1' }], 0);
    await s.commit({ partition: 0, expected: p, next: a.next, deltas: a.deltas });
    const count = async () =>
      Number(
        (
          await db.pool.query(
            `SELECT count(*) AS n FROM window_aggregates WHERE group_id = '00000000-0000-4000-8000-0000000000f1'`,
          )
        ).rows[0].n,
      );
    expect(await count()).toBe(1);
    await s.purge(T + 60_000 + 3_600_000 - 1);
    expect(await count()).toBe(1);
    expect(await s.purge(T + 60_000 + 3_600_000 + 1)).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(0);
  });

  it('refuses a query id whose window changed, naming it', async () => {
    const changed = compileQueries(
      {
        version: 1,
        queries: [
          {
            id: 's-p1m',
            metrics: '*',
            group: 'patient',
            window: { type: 'tumbling', size: '5m' },
            aggregates: ['count'],
            grace: '10s',
            emit: 'changes',
          },
        ],
      },
      'test',
    );
    const err = await registerQueries(db.pool, changed).catch((e: unknown) => e);
    expect(isVitalsError(err, 'ANALYTICS_ERR_QUERY_CHANGED')).toBe(true);
    expect((err as Error).message).toContain('query s-p1m changed its window');
    await registerQueries(db.pool, queries);
  });
});
