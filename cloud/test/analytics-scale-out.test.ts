/**
 * Two analytics instances in one consumer group share the input partitions: the second joins in the middle of
 * the stream (a rebalance while the first is committing), the results equal the windows computed in memory, and
 * a WebSocket client of one instance sees the changes the other instance committed (PostgreSQL NOTIFY).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Producer } from 'kafkajs';
import { waitFor, type EnrichedReading } from '@vitals/shared';
import { uniqueSuffix } from '@vitals/stack/testing';
import { REPO_ROOT } from '../src/analytics/config.js';
import { ManualClock, Pipeline } from '../src/analytics/engine/test-fixtures.js';
import { loadQueriesFile } from '../src/analytics/queries/compile.js';
import type { RunningAnalytics } from '../src/analytics/server.js';
import {
  StreamClient,
  analyticsEnv,
  createAnalyticsDb,
  createTopic,
  deleteGroups,
  deleteTopics,
  produce,
  reading,
  rowsOf,
  seedTenant,
  startInstance,
  testKafka,
  token,
  topicsOf,
  windowTable,
  type Db,
  type Tenant,
} from './support/analytics-world.js';

const kafka = testKafka();
const PARTITIONS = 4;
const minute = 60_000;
const base = Math.floor((Date.now() - 3 * 3_600_000) / minute) * minute;
let db: Db;
let topic: string;
let producer: Producer;
let tenant: Tenant;
const instances: RunningAnalytics[] = [];
const clients: StreamClient[] = [];
const group = `analytics-two-${uniqueSuffix()}`;

beforeAll(async () => {
  db = await createAnalyticsDb();
  tenant = await seedTenant(db.pool, { patients: 8 });
  topic = await createTopic(kafka, PARTITIONS);
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const i of instances) await i.close();
  await producer?.disconnect();
  await deleteTopics(kafka, topicsOf(topic));
  await deleteGroups(kafka, [group]);
  await db?.drop();
});

/** Readings of patient i go to partition i % 4; `minutes` of a reading every 3 s per patient. */
function series(fromMinute: number, minutes: number): Array<{ value: EnrichedReading; partition: number }> {
  const out: Array<{ value: EnrichedReading; partition: number }> = [];
  for (let t = fromMinute * minute; t < (fromMinute + minutes) * minute; t += 3_000) {
    tenant.patients.forEach((patientId, i) => {
      out.push({
        value: reading(tenant, { at: base + t + i * 10, value: 60 + ((t / 1000 + i) % 40), patientId }),
        partition: i % PARTITIONS,
      });
    });
  }
  return out;
}

const owned = (i: RunningAnalytics) =>
  i.deps
    .status()
    .partitions.filter((p) => p.ready)
    .map((p) => p.partition);

describe('analytics scale-out', () => {
  it('two instances share the partitions, with correct results, and each pushes the other’s changes', async () => {
    const env = analyticsEnv(db, topic, group, { ANALYTICS_IDLE_TIMEOUT: '1h', ANALYTICS_MAX_BATCH_RECORDS: '50' });
    const first = await startInstance(env);
    instances.push(first);
    await waitFor(() => owned(first).length === PARTITIONS, {
      timeoutMs: 60_000,
      what: 'the first instance to own every partition',
    });
    const part1 = series(0, 6);
    await produce(producer, topic, part1);

    // The second joins while the first is working through the input.
    const second = await startInstance(env);
    instances.push(second);
    await waitFor(
      () => {
        const a = owned(first);
        const b = owned(second);
        return a.length > 0 && b.length > 0 && new Set([...a, ...b]).size === PARTITIONS && a.length + b.length === PARTITIONS;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the two instances to split the partitions' },
    );

    // A client of the first instance subscribes to a patient whose partition the second owns.
    const patientIndex = tenant.patients.findIndex((_, i) => owned(second).includes(i % PARTITIONS));
    const patientId = tenant.patients[patientIndex]!;
    const client = await StreamClient.connect(first.url, {
      token: await token({ role: 'customer-admin', customer: tenant.customerId }),
    });
    clients.push(client);
    await client.next((m) => m.type === 'ready');
    client.send({ type: 'subscribe', id: 'p', query: 'patient-1m', patientId });
    client.send({ type: 'subscribe', id: 'd', query: 'department-5m', departmentId: tenant.departmentId });
    await client.next((m) => m.type === 'header' && m.subscription === 'd');

    const part2 = series(6, 6);
    const flush = Array.from({ length: PARTITIONS }, (_, p) => ({
      value: reading(tenant, { at: base + 2 * 3_600_000, value: 1, patientId: tenant.patients[p]! }),
      partition: p,
    }));
    await produce(producer, topic, [...part2, ...flush]);
    const total = part1.length + part2.length + flush.length;

    await waitFor(
      async () => {
        const { rows } = await db.pool.query<{ n: string }>(
          'SELECT coalesce(sum(next_offset), 0) AS n FROM stream_offsets WHERE consumer_group = $1',
          [group],
        );
        if (Number(rows[0]!.n) < total) return false;
        const open = await db.pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM window_aggregates WHERE NOT is_final AND window_end < $1',
          [new Date(base + 3_600_000)],
        );
        return Number(open.rows[0]!.n) === 0;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: 'both instances to finish the input' },
    );

    // Same windows as computed in memory from each partition's input in order.
    const queries = loadQueriesFile(path.join(REPO_ROOT, 'docker/analytics/queries.json'));
    const p = await Pipeline.create(queries, new ManualClock(Date.now()), { partitions: PARTITIONS });
    for (let partition = 0; partition < PARTITIONS; partition++) {
      await p.feed(
        partition,
        [...part1, ...part2, ...flush].filter((x) => x.partition === partition).map((x) => x.value),
      );
    }
    await p.tick();
    const expected = p
      .rows()
      .map(
        (r) =>
          `${r.queryId} ${r.groupId} ${r.metric} ${new Date(r.windowStart).toISOString()} n=${r.count} sum=${r.sum} min=${r.min} max=${r.max} last=${r.last}@${new Date(r.lastMeasuredAt).toISOString()} final=${r.final}`,
      )
      .sort();
    expect((await windowTable(db.pool)).sort()).toEqual(expected);

    // The client of the first instance saw the second's commits: the patient's windows, and the department's final rows.
    const rows = rowsOf(client, 'p');
    expect(rows.length).toBeGreaterThan(0);
    await client.next((m) => m.type === 'row' && m.subscription === 'p' && (m.row as unknown[])[11] === true);
    await client.next((m) => m.type === 'row' && m.subscription === 'd' && (m.row as unknown[])[9] === true);
    expect(rowsOf(client, 'p').every((r) => r.groupId === patientId)).toBe(true);
  });
});
