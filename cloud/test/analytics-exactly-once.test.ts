/**
 * Exactly-once materialisation: an analytics process is killed with SIGKILL in the middle of a stream and
 * restarted; its final window rows are identical to those of an uninterrupted run over the same input (same
 * topic, another consumer group and database), and both equal the windows computed in memory by the same rules.
 * The input has out-of-order readings within the bound, late readings (some late for one query and not another),
 * and a last reading per partition far ahead that closes every window of the data before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { waitFor } from '@vitals/shared';
import { uniqueSuffix } from '@vitals/stack/testing';
import { loadQueriesFile } from '../src/analytics/queries/compile.js';
import { REPO_ROOT } from '../src/analytics/config.js';
import { ManualClock, Pipeline, seededRandom } from '../src/analytics/engine/test-fixtures.js';
import type { EnrichedReading } from '@vitals/shared';
import { startChild, type ChildService } from './support/child-service.js';
import {
  analyticsEnv,
  cloneDb,
  createAnalyticsDb,
  createTopic,
  deleteGroups,
  deleteTopics,
  produce,
  reading,
  startInstance,
  testKafka,
  topicsOf,
  windowTable,
  type Db,
  type Tenant,
} from './support/analytics-world.js';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';

const kafka = testKafka();
const PARTITIONS = 3;
const PATIENTS = 9;
let killedDb: Db;
let cleanDb: Db;
let topic: string;
let producer: Producer;
const children: ChildService[] = [];
const groups: string[] = [];
const minute = 60_000;
const base = Math.floor((Date.now() - 3 * 3_600_000) / minute) * minute;
const tenant: Tenant = {
  customerId: randomUUID(),
  departmentId: randomUUID(),
  patients: Array.from({ length: PATIENTS }, () => randomUUID()),
};

/** Per partition, in produce order. */
const input: EnrichedReading[][] = Array.from({ length: PARTITIONS }, () => []);

function buildInput(): void {
  const rnd = seededRandom(7);
  for (const [i, patientId] of tenant.patients.entries()) {
    const series: EnrichedReading[] = [];
    for (let t = 0; t < 12 * minute; t += 2_000) {
      for (const metric of ['heart_rate', 'spo2'] as const) {
        const value = metric === 'heart_rate' ? 60 + Math.round(rnd() * 500) / 10 : 90 + Math.round(rnd() * 100) / 10;
        series.push(reading(tenant, { at: base + t + Math.floor(rnd() * 1000), value, metric, patientId }));
      }
    }
    input[i % PARTITIONS]!.push(...series);
  }
  for (const part of input) {
    // Out of order within 4 s (the bound is 5 s): on time for every window.
    const keyed = part.map((r) => ({ r, k: Date.parse(r.reading.measuredAt) + rnd() * 4_000 }));
    keyed.sort((a, b) => a.k - b.k);
    part.splice(0, part.length, ...keyed.map((x) => x.r));
    // A few readings 3 minutes behind: late for the 1-minute windows (30 s grace), often not for the 5-minute ones.
    for (let j = 0; j < 12; j++) {
      const at = Math.floor(part.length * (0.2 + 0.6 * rnd()));
      const behind = part[at]!;
      const copy = reading(tenant, {
        at: Date.parse(behind.reading.measuredAt) - 3 * minute,
        value: 77,
        patientId: behind.patientId,
      });
      part.splice(at, 0, copy);
    }
    // Far ahead: closes every window of the data above.
    part.push(reading(tenant, { at: base + 2 * 3_600_000, value: 50, patientId: part[0]!.patientId }));
  }
}

async function nextOffsets(pool: pg.Pool, group: string): Promise<number> {
  const { rows } = await pool.query<{ n: string | null }>(
    'SELECT sum(next_offset) AS n FROM stream_offsets WHERE consumer_group = $1',
    [group],
  );
  return Number(rows[0]?.n ?? 0);
}

async function done(pool: pg.Pool, group: string, total: number): Promise<boolean> {
  if ((await nextOffsets(pool, group)) < total) return false;
  const { rows } = await pool.query<{ open: string }>(
    `SELECT count(*) AS open FROM window_aggregates WHERE NOT is_final AND window_end < $1`,
    [new Date(base + 3_600_000)],
  );
  return Number(rows[0]!.open) === 0;
}

/** The same windows computed in memory by the same rules, as the lines `windowTable` prints. */
async function expectedTable(): Promise<string[]> {
  const queries = loadQueriesFile(path.join(REPO_ROOT, 'docker/analytics/queries.json'));
  const clock = new ManualClock(Date.now());
  const p = await Pipeline.create(queries, clock, { partitions: PARTITIONS });
  for (const [i, part] of input.entries()) for (let j = 0; j < part.length; j += 500) await p.feed(i, part.slice(j, j + 500));
  await p.tick();
  return p
    .rows()
    .sort((a, b) =>
      `${a.queryId} ${a.groupId} ${a.metric} ${String(a.windowStart).padStart(16)}`.localeCompare(
        `${b.queryId} ${b.groupId} ${b.metric} ${String(b.windowStart).padStart(16)}`,
      ),
    )
    .map(
      (r) =>
        `${r.queryId} ${r.groupId} ${r.metric} ${new Date(r.windowStart).toISOString()} n=${r.count} sum=${r.sum} min=${r.min} max=${r.max} last=${r.last}@${new Date(r.lastMeasuredAt).toISOString()} final=${r.final}`,
    );
}

beforeAll(async () => {
  buildInput();
  killedDb = await createAnalyticsDb();
  cleanDb = await cloneDb(killedDb);
  topic = await createTopic(kafka, PARTITIONS);
  producer = kafka.producer();
  await producer.connect();
  await produce(
    producer,
    topic,
    input.flatMap((part, partition) => part.map((value) => ({ value, partition }))),
  );
});

afterAll(async () => {
  for (const c of children) await c.kill('SIGKILL');
  await producer?.disconnect();
  await deleteTopics(kafka, topicsOf(topic));
  await deleteGroups(kafka, groups);
  await killedDb?.drop();
  await cleanDb?.drop();
});

describe('analytics exactly once', () => {
  it('kill -9 mid-stream and restart: final window rows identical to an uninterrupted run', async () => {
    const total = input.reduce((n, p) => n + p.length, 0);

    // The uninterrupted run, in this process.
    const cleanGroup = `analytics-clean-${uniqueSuffix()}`;
    groups.push(cleanGroup);
    const clean = await startInstance(
      analyticsEnv(cleanDb, topic, cleanGroup, { ANALYTICS_IDLE_TIMEOUT: '1h', ANALYTICS_MAX_BATCH_RECORDS: '500' }),
    );
    try {
      await waitFor(() => done(cleanDb.pool, cleanGroup, total), {
        timeoutMs: 120_000,
        intervalMs: 250,
        what: 'the uninterrupted run to finish',
      });
    } finally {
      await clean.close();
    }

    // The same input in another group and database, in a child process killed with -9 partway.
    const group = `analytics-killed-${uniqueSuffix()}`;
    groups.push(group);
    const env = analyticsEnv(killedDb, topic, group, { ANALYTICS_IDLE_TIMEOUT: '1h', ANALYTICS_MAX_BATCH_RECORDS: '20' });
    const first = startChild('cloud/src/cli/analytics-main.ts', env, 'analytics-ready');
    children.push(first);
    await first.ready;
    await waitFor(async () => (await nextOffsets(killedDb.pool, group)) >= total / 3, {
      timeoutMs: 120_000,
      intervalMs: 20,
      what: 'the first process to commit a third of the input',
    });
    await first.kill('SIGKILL');
    const atKill = await nextOffsets(killedDb.pool, group);
    expect(atKill).toBeLessThan(total);

    const second = startChild('cloud/src/cli/analytics-main.ts', env, 'analytics-ready');
    children.push(second);
    await second.ready;
    await waitFor(() => done(killedDb.pool, group, total), {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: 'the restarted run to finish',
    });
    await second.kill('SIGTERM');

    const killed = await windowTable(killedDb.pool);
    const uninterrupted = await windowTable(cleanDb.pool);
    expect(killed.length).toBeGreaterThan(500);
    expect(killed).toEqual(uninterrupted);
    expect(killed).toEqual(await expectedTable());
  });
});
