/**
 * The analytics windows as a Flink SQL job (`docker/analytics/queries.sql`, generated from queries.json) against
 * the Node engine on the same input. Two analytics services read one topic of enriched readings: one on the
 * Node engine, one with STREAM_ENGINE=flink (which submits the job to the stack's Flink cluster and applies the
 * job's window rows to its own database). The input has several patients of two customers on two partitions,
 * out-of-order readings within the bound, readings late for the 1-minute windows but not for the 5-minute ones,
 * readings late for every query, records that are not enriched readings, and a last reading per partition far
 * ahead that closes every window. Final window rows, late readings and dead letters are compared record by record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import { waitFor, type DeadLetter, type EnrichedReading } from '@vitals/shared';
import { consumeUntil, ensureFlinkCluster, testStackConfig, uniqueSuffix, type ConsumedRecord } from '@vitals/stack/testing';
import { seededRandom } from '../src/analytics/engine/test-fixtures.js';
import { flinkAnalyticsJobName, type RunningAnalytics } from '../src/analytics/server.js';
import { jobManagerClient } from '../src/flink/index.js';
import {
  analyticsEnv,
  cloneDb,
  createAnalyticsDb,
  createTopic,
  deleteGroups,
  deleteTopics,
  reading,
  startInstance,
  testKafka,
  topicsOf,
  type Db,
  type Tenant,
} from './support/analytics-world.js';

const kafka = testKafka();
const jm = jobManagerClient(testStackConfig().flinkRestUrl);
const sfx = uniqueSuffix();
const minute = 60_000;
const base = Math.floor((Date.now() - 3 * 3_600_000) / minute) * minute;
const tenants: Tenant[] = [
  { customerId: randomUUID(), departmentId: randomUUID(), patients: [randomUUID(), randomUUID(), randomUUID()] },
  { customerId: randomUUID(), departmentId: randomUUID(), patients: [randomUUID()] },
];
let topic: string;
let flinkTopics: { late: string; dlq: string; results: string };
let nodeDb: Db & { template?: unknown };
let flinkDb: Db;
let node: RunningAnalytics | undefined;
let flink: RunningAnalytics | undefined;
let producer: Producer;

type Item = { partition: number; value: string };

/** Per partition, in produce order; counts of what the input holds. */
function buildInput(): { items: Item[]; lateForAll: number; malformed: number } {
  const rnd = seededRandom(13);
  const parts: EnrichedReading[][] = [[], []];
  let p = 0;
  for (const t of tenants) {
    for (const patientId of t.patients) {
      for (let at = 0; at < 12 * minute; at += 5_000) {
        for (const metric of ['heart_rate', 'spo2'] as const) {
          const value = metric === 'heart_rate' ? 60 + Math.round(rnd() * 500) / 10 : 90 + Math.round(rnd() * 100) / 10;
          parts[p % 2]!.push(reading(t, { at: base + at + Math.floor(rnd() * 1000), value, metric, patientId }));
        }
      }
      p++;
    }
  }
  let lateForAll = 0;
  for (const part of parts) {
    // Out of order within 4 s (the bound is 5 s): on time for every window.
    const keyed = part.map((r) => ({ r, k: Date.parse(r.reading.measuredAt) + rnd() * 4_000 }));
    keyed.sort((a, b) => a.k - b.k);
    part.splice(0, part.length, ...keyed.map((x) => x.r));
    const tenantOf = (patientId: string) => tenants.find((t) => t.patients.includes(patientId))!;
    for (let j = 0; j < 8; j++) {
      // 3 minutes behind: late for the 1-minute windows (30 s grace), often not for the 5-minute ones.
      const at = Math.floor(part.length * (0.2 + 0.6 * rnd()));
      const behind = part[at]!;
      const t = tenantOf(behind.patientId);
      part.splice(
        at,
        0,
        reading(t, { at: Date.parse(behind.reading.measuredAt) - 3 * minute, value: 77, patientId: behind.patientId }),
      );
      // 45 s behind: within the 1-minute windows' bound + grace (35 s) or past it, depending on where the
      // window ends; never late for the 5-minute windows (65 s): tells the per-query grace apart.
      const at3 = Math.floor(part.length * (0.2 + 0.6 * rnd()));
      const near = part[at3]!;
      part.splice(
        at3,
        0,
        reading(tenantOf(near.patientId), {
          at: Date.parse(near.reading.measuredAt) - 45_000,
          value: 66,
          patientId: near.patientId,
        }),
      );
      // 10 minutes behind: late for every query.
      const at2 = Math.floor(part.length * (0.5 + 0.4 * rnd()));
      const far = part[at2]!;
      if (Date.parse(far.reading.measuredAt) - 10 * minute > base) {
        part.splice(
          at2,
          0,
          reading(tenantOf(far.patientId), {
            at: Date.parse(far.reading.measuredAt) - 10 * minute,
            value: 88,
            patientId: far.patientId,
          }),
        );
        lateForAll++;
      }
    }
    // Far ahead: closes every window of the data above.
    part.push(reading(tenantOf(part[0]!.patientId), { at: base + 2 * 3_600_000, value: 50, patientId: part[0]!.patientId }));
  }
  const items: Item[] = parts.flatMap((part, partition) => part.map((r) => ({ partition, value: JSON.stringify(r) })));
  // Not enriched readings: cost nothing but a dead letter.
  const broken = { ...JSON.parse(items[5]!.value), patientId: 'not-a-uuid' };
  const bad: Item[] = [
    { partition: 0, value: 'not json' },
    { partition: 1, value: JSON.stringify(broken) },
  ];
  items.splice(40, 0, bad[0]!);
  items.splice(items.length - 60, 0, bad[1]!);
  return { items, lateForAll, malformed: bad.length };
}

/** Records of a topic written without transactions (the Node engine's idempotent producer): end minus start. */
async function recordCount(t: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The committed records of a topic once it holds `n`, after checking for 5 s that no more arrive. */
async function readAll(t: string, n: number): Promise<ConsumedRecord[]> {
  const records = await consumeUntil([t], (rs) => rs.length >= n, { timeoutMs: 60_000 });
  await expect(consumeUntil([t], (rs) => rs.length > n, { timeoutMs: 5_000 })).rejects.toThrow(/condition not met/);
  return records;
}

async function finalRows(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<Record<string, unknown>>(
    `SELECT query_id, customer_id::text, group_kind, group_id::text, metric, window_start, window_end, count, sum_milli,
            min, max, last, last_measured_at, last_news2, department_id::text, bed_id::text
     FROM window_aggregates WHERE is_final AND window_end < $1 ORDER BY query_id, group_id, metric, window_start`,
    [new Date(base + 3_600_000)],
  );
  return rows.map((r) => JSON.stringify(r));
}

async function openCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM window_aggregates WHERE NOT is_final AND window_end < $1',
    [new Date(base + 3_600_000)],
  );
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  await ensureFlinkCluster();
  topic = await createTopic(kafka, 2, 'flink-analytics-in');
  flinkTopics = { late: `${topic}-flink-late`, dlq: `${topic}-flink-dlq`, results: `${topic}-results` };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: flinkTopics.late, numPartitions: 1 },
      { topic: flinkTopics.dlq, numPartitions: 1 },
      { topic: flinkTopics.results, numPartitions: 2 },
    ],
  });
  await admin.disconnect();
  const template = await createAnalyticsDb();
  flinkDb = await cloneDb(template);
  nodeDb = template;
  producer = kafka.producer();
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await node?.close();
  await flink?.close();
  await producer?.disconnect();
  await nodeDb?.drop();
  await flinkDb?.drop();
  await deleteTopics(kafka, [...topicsOf(topic), flinkTopics.late, flinkTopics.dlq, flinkTopics.results]);
  await deleteGroups(kafka, [`flink-analytics-${sfx}`]);
}, 120_000);

describe('the analytics windows on Flink', () => {
  it('give the final window rows, late readings and dead letters the Node engine gives', async () => {
    const { items, lateForAll, malformed } = buildInput();
    for (let i = 0; i < items.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: items.slice(i, i + 500).map((x) => ({
          key: (JSON.parse(x.value.startsWith('{') ? x.value : '{}') as { patientId?: string }).patientId ?? 'x',
          value: x.value,
          partition: x.partition,
        })),
      });
    }
    const flinkGroup = `flink-analytics-${sfx}-flink`;
    flink = await startInstance(
      analyticsEnv(flinkDb, topic, flinkGroup, {
        STREAM_ENGINE: 'flink',
        ANALYTICS_LATE_TOPIC: flinkTopics.late,
        ANALYTICS_DLQ_TOPIC: flinkTopics.dlq,
        ANALYTICS_RESULTS_TOPIC: flinkTopics.results,
      }),
    );
    node = await startInstance(analyticsEnv(nodeDb, topic, `flink-analytics-${sfx}-node`));
    const job = flink.job!;
    expect((await jm.job(job.jobId)).name).toBe(flinkAnalyticsJobName({ groupId: flinkGroup }));
    // At the parallelism of the input (2 partitions): each source subtask reads one partition.
    expect((await jm.job(job.jobId)).parallelism).toBe(2);

    // Both engines have closed every window of the data (the far-ahead readings closed them) and agree.
    let nodeRows: string[] = [];
    let flinkRows: string[] = [];
    await waitFor(
      async () => {
        if ((await openCount(nodeDb.pool)) > 0 || (await openCount(flinkDb.pool)) > 0) return false;
        nodeRows = await finalRows(nodeDb.pool);
        flinkRows = await finalRows(flinkDb.pool);
        return nodeRows.length > 0 && flinkRows.length >= nodeRows.length;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, what: 'every window of the data final on both engines' },
    );
    expect(flinkRows.length).toBe(nodeRows.length);
    expect(flinkRows).toEqual(nodeRows);
    // Every query and both kinds of group are in the comparison.
    const kinds = new Set(nodeRows.map((r) => (JSON.parse(r) as { query_id: string }).query_id));
    expect([...kinds].sort()).toEqual(['department-5m', 'patient-1m', 'patient-5m', 'patient-5m-hop-1m']);

    // Late readings: the same records (by source offset), late for the same queries.
    const lateOf = (records: readonly ConsumedRecord[]) =>
      records
        .map((r) => ({ source: r.headers['vitals-source'], queries: r.headers['vitals-late-queries'], value: r.value }))
        .sort((a, b) => a.source!.localeCompare(b.source!));
    const nodeLate = await readAll(`${topic}-late`, await recordCount(`${topic}-late`));
    const flinkLate = await readAll(flinkTopics.late, nodeLate.length);
    expect(lateOf(flinkLate)).toEqual(lateOf(nodeLate));
    expect(nodeLate.filter((r) => r.headers['vitals-late-queries']!.split(',').length === 4)).toHaveLength(lateForAll);
    expect(nodeLate.length).toBeGreaterThan(lateForAll);
    console.log(
      `flink-analytics: ${items.length} input records, ${nodeRows.length} final window rows, ${nodeLate.length} late readings ` +
        `(${lateForAll} late for every query), ${malformed} dead letters: equal on both engines`,
    );

    // Dead letters: the same records with the same reason (the wording of the detail differs).
    const letters = (records: readonly ConsumedRecord[]) =>
      records
        .map((r) => JSON.parse(r.value!) as DeadLetter)
        .map((l) => ({ reason: l.reason, source: l.source, original: l.original }))
        .sort((a, b) => a.source.offset.localeCompare(b.source.offset));
    const nodeDlq = await readAll(`${topic}-dlq`, await recordCount(`${topic}-dlq`));
    expect(nodeDlq).toHaveLength(malformed);
    expect(letters(await readAll(flinkTopics.dlq, malformed))).toEqual(letters(nodeDlq));

    // The service reports its job.
    const status = (await (await fetch(`${flink.url}/api/status`)).json()) as { engine: string; job: { state: string } };
    expect(status).toMatchObject({ engine: 'flink', job: { state: 'RUNNING' } });
  }, 420_000);
});
