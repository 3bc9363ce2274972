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

/** Where the first phase ends: every partition's last reading of it is measured exactly then. */
const SYNC = base + 6 * minute + 20_000;

/**
 * The input in two phases. Both engines judge a reading late against a watermark, but not the same one: the
 * Node engine against its partition's, Flink against the job's (the lowest of all partitions', docs/scaling.md),
 * and how far one partition is read ahead of another is up to the consumer. So the late readings come at the
 * head of the second phase, when every partition's watermark is the same (its last reading was measured at
 * SYNC): there both watermarks are SYNC minus the bound, and the outcome is determined.
 */
function buildInput(): { phase1: Item[]; phase2: Item[]; lateForAll: number; malformed: number } {
  const rnd = seededRandom(13);
  const tenantOf = (patientId: string) => tenants.find((t) => t.patients.includes(patientId))!;
  const patientsOf: string[][] = [[], []];
  tenants.flatMap((t) => t.patients).forEach((p, i) => patientsOf[i % 2]!.push(p));
  const series = (partition: number, from: number, to: number): EnrichedReading[] => {
    const out: EnrichedReading[] = [];
    for (const patientId of patientsOf[partition]!) {
      for (let at = from; at < to; at += 5_000) {
        for (const metric of ['heart_rate', 'spo2'] as const) {
          const value = metric === 'heart_rate' ? 60 + Math.round(rnd() * 500) / 10 : 90 + Math.round(rnd() * 100) / 10;
          out.push(reading(tenantOf(patientId), { at: at + Math.floor(rnd() * 1000), value, metric, patientId }));
        }
      }
    }
    // Out of order within 4 s (the bound is 5 s): on time for every window.
    const keyed = out.map((r) => ({ r, k: Date.parse(r.reading.measuredAt) + rnd() * 4_000 }));
    keyed.sort((a, b) => a.k - b.k);
    return keyed.map((x) => x.r);
  };
  const phase1: Item[] = [];
  const phase2: Item[] = [];
  let lateForAll = 0;
  for (const partition of [0, 1]) {
    const first = patientsOf[partition]![0]!;
    const t = tenantOf(first);
    const p1 = [...series(partition, base, SYNC - 5_000), reading(t, { at: SYNC, value: 61, patientId: first })];
    // Behind SYNC by 40 s to 2 min: late for the 1-minute windows (bound 5 s + grace 30 s) or not, depending on
    // where the window ends; never for the 5-minute ones (65 s). 3 minutes: late for the 1-minute windows. 10
    // minutes: late for every query.
    const head: EnrichedReading[] = [];
    for (const patientId of patientsOf[partition]!) {
      for (const behind of [40_000, 55_000, 70_000, 95_000, 120_000, 3 * minute]) {
        head.push(reading(tenantOf(patientId), { at: SYNC - behind, value: 66, patientId }));
      }
      head.push(reading(tenantOf(patientId), { at: SYNC - 10 * minute + 1_000, value: 88, patientId }));
      lateForAll++;
    }
    // Far ahead: closes every window of the data above.
    const p2 = [
      ...head,
      ...series(partition, SYNC + 5_000, base + 12 * minute),
      reading(t, { at: base + 2 * 3_600_000, value: 50, patientId: first }),
    ];
    phase1.push(...p1.map((r) => ({ partition, value: JSON.stringify(r) })));
    phase2.push(...p2.map((r) => ({ partition, value: JSON.stringify(r) })));
  }
  // Not enriched readings: cost nothing but a dead letter.
  const broken = { ...JSON.parse(phase1[5]!.value), patientId: 'not-a-uuid' };
  phase1.splice(40, 0, { partition: 0, value: 'not json' });
  phase2.splice(phase2.length - 60, 0, { partition: 1, value: JSON.stringify(broken) });
  return { phase1, phase2, lateForAll, malformed: 2 };
}

async function send(items: readonly Item[]): Promise<void> {
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
}

/** The end offsets of the input, and whether a consumer group (the Node engine's stored ones, or the Flink job's committed ones) reached them. */
async function inputEnds(): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

async function flinkReached(group: string, ends: Map<number, number>): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (t?.partitions ?? []).filter((p) => Number(p.offset) >= ends.get(p.partition)!).length === ends.size;
  } finally {
    await admin.disconnect();
  }
}

async function nodeReached(pool: pg.Pool, group: string, ends: Map<number, number>): Promise<boolean> {
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM stream_offsets WHERE consumer_group = $1 AND topic = $2',
    [group, topic],
  );
  return rows.filter((r) => Number(r.next_offset) >= ends.get(r.partition)!).length === ends.size;
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
    const { phase1, phase2, lateForAll, malformed } = buildInput();
    const flinkGroup = `flink-analytics-${sfx}-flink`;
    const nodeGroup = `flink-analytics-${sfx}-node`;
    await send(phase1);
    flink = await startInstance(
      analyticsEnv(flinkDb, topic, flinkGroup, {
        STREAM_ENGINE: 'flink',
        ANALYTICS_LATE_TOPIC: flinkTopics.late,
        ANALYTICS_DLQ_TOPIC: flinkTopics.dlq,
        ANALYTICS_RESULTS_TOPIC: flinkTopics.results,
      }),
    );
    // No wall-clock watermark on Node while it waits for Flink between the phases (Flink has none).
    node = await startInstance(analyticsEnv(nodeDb, topic, nodeGroup, { ANALYTICS_IDLE_TIMEOUT: '1h' }));
    const ends = await inputEnds();
    await waitFor(
      async () =>
        (await nodeReached(nodeDb.pool, nodeGroup, ends)) &&
        (await flinkReached(flinkAnalyticsJobName({ groupId: flinkGroup }), ends)),
      {
        timeoutMs: 180_000,
        intervalMs: 1_000,
        what: 'both engines through the first phase',
      },
    );
    await send(phase2);
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
      `flink-analytics: ${phase1.length + phase2.length} input records, ${nodeRows.length} final window rows, ${nodeLate.length} late readings ` +
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
    const metrics = await (await fetch(`${flink.url}/metrics`)).text();
    expect(metrics).toMatch(/^vitals_analytics_flink_job_running(\{[^}]*\})? 1$/m);
    expect(metrics).toMatch(/^vitals_analytics_flink_checkpoint_age_seconds(\{[^}]*\})? \d/m);
  }, 420_000);

  it('documented difference: a reading late for its own partition is counted on Flink while another partition lags', async () => {
    // Partition 0 runs 10 minutes ahead of partition 1. A reading 3 minutes behind partition 0's newest is late
    // for its 1-minute window on the Node engine (its partition's watermark) and on time on Flink (the job's
    // watermark is partition 1's). docs/scaling.md, "Which watermark makes a reading late".
    const skewTopic = await createTopic(kafka, 2, 'flink-analytics-skew');
    const skew = { late: `${skewTopic}-flink-late`, dlq: `${skewTopic}-flink-dlq`, results: `${skewTopic}-results` };
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: skew.late, numPartitions: 1 },
        { topic: skew.dlq, numPartitions: 1 },
        { topic: skew.results, numPartitions: 2 },
      ],
    });
    await admin.disconnect();
    const template = await createAnalyticsDb();
    const fDb = await cloneDb(template);
    const nDb: Db = template;
    const [ahead, behind] = tenants[0]!.patients as [string, string];
    const t = tenants[0]!;
    const items: Item[] = [];
    for (let at = 0; at < 10 * minute; at += 10_000)
      items.push({ partition: 0, value: JSON.stringify(reading(t, { at: base + at, value: 70, patientId: ahead })) });
    for (let at = 0; at < minute; at += 10_000)
      items.push({ partition: 1, value: JSON.stringify(reading(t, { at: base + at, value: 70, patientId: behind })) });
    const lateOne = reading(t, { at: base + 7 * minute + 30_000, value: 99, patientId: ahead });
    const group = `flink-analytics-${sfx}-skew`;
    let n: RunningAnalytics | undefined;
    let f: RunningAnalytics | undefined;
    try {
      const sendTo = async (xs: Item[]) =>
        producer.send({
          topic: skewTopic,
          acks: -1,
          messages: xs.map((x) => ({ key: 'k', value: x.value, partition: x.partition })),
        });
      await sendTo(items);
      // No idle timeout in reach: partition 1 holds Flink's watermark back (and the Node engine's wall clock is out).
      const env = { ANALYTICS_IDLE_TIMEOUT: '1h' };
      f = await startInstance(
        analyticsEnv(fDb, skewTopic, `${group}-flink`, {
          ...env,
          STREAM_ENGINE: 'flink',
          ANALYTICS_LATE_TOPIC: skew.late,
          ANALYTICS_DLQ_TOPIC: skew.dlq,
          ANALYTICS_RESULTS_TOPIC: skew.results,
        }),
      );
      n = await startInstance(analyticsEnv(nDb, skewTopic, `${group}-node`, env));
      const countOf = async (pool: pg.Pool) =>
        Number(
          (
            await pool.query<{ count: string }>(
              `SELECT count FROM window_aggregates WHERE query_id = 'patient-1m' AND group_id = $1 AND metric = 'heart_rate' AND window_start = $2`,
              [ahead, new Date(base + 7 * minute)],
            )
          ).rows[0]?.count ?? 0,
        );
      // Both engines have the 6 readings of that minute.
      await waitFor(async () => (await countOf(nDb.pool)) === 6 && (await countOf(fDb.pool)) === 6, {
        timeoutMs: 180_000,
        intervalMs: 1_000,
        what: 'the minute of the late reading counted on both engines',
      });
      await sendTo([{ partition: 0, value: JSON.stringify(lateOne) }]);
      const nodeLate = await consumeUntil([`${skewTopic}-late`], (rs) => rs.length >= 1, { timeoutMs: 60_000 });
      expect(nodeLate.map((r) => JSON.parse(r.value!).reading.readingId)).toEqual([lateOne.reading.readingId]);
      expect(nodeLate[0]!.headers['vitals-late-queries']!.split(',')).toContain('patient-1m');
      await waitFor(async () => (await countOf(fDb.pool)) === 7, {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'Flink to count it',
      });
      expect(await countOf(nDb.pool)).toBe(6);
      await expect(consumeUntil([skew.late], (rs) => rs.length > 0, { timeoutMs: 5_000 })).rejects.toThrow(/condition not met/);
    } finally {
      await n?.close();
      await f?.close();
      await nDb.drop();
      await fDb.drop();
      await deleteTopics(kafka, [...topicsOf(skewTopic), skew.late, skew.dlq, skew.results]);
    }
  }, 420_000);
});
