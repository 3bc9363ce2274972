/**
 * End to end through real parts: a reading produced to a raw-readings topic is joined by the real enricher
 * (in-process, reference data from PostgreSQL through Debezium), shows up enriched on enriched-readings, in its
 * 1-minute window in PostgreSQL, and on the WebSocket of the analytics service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { TOPICS, waitFor } from '@vitals/shared';
import { uniqueSuffix } from '@vitals/stack/testing';
import { loadEnricherConfig } from '../src/enricher/config.js';
import { startEnricher, type RunningEnricher } from '../src/enricher/service.js';
import type { RunningAnalytics } from '../src/analytics/server.js';
import {
  createHospital,
  createInputTopic,
  deleteTopics as deleteTopicsByPrefix,
  produce as produceRaw,
  reading as rawReading,
  until,
  type Hospital,
} from './support/enricher-world.js';
import {
  StreamClient,
  analyticsEnv,
  createAnalyticsDb,
  createTopic,
  deleteGroups,
  deleteTopics,
  rowsOf,
  seedTenant,
  startInstance,
  tailTopic,
  testKafka,
  token,
  topicsOf,
  type Db,
} from './support/analytics-world.js';

const kafka = testKafka();
const enricherGroup = `analytics-e2e-enricher-${uniqueSuffix()}`;
const analyticsGroup = `analytics-e2e-${uniqueSuffix()}`;
let hospital: Hospital;
let rawTopic: string;
let sideTopic: string;
let enricher: RunningEnricher;
let analytics: RunningAnalytics;
let db: Db;
let producer: Producer;
let client: StreamClient | undefined;
let tail: Awaited<ReturnType<typeof tailTopic>> | undefined;

beforeAll(async () => {
  hospital = await createHospital();
  rawTopic = await createInputTopic(kafka, 3);
  producer = kafka.producer();
  await producer.connect();
  enricher = await startEnricher(
    loadEnricherConfig(process.env, {
      port: 0,
      groupId: enricherGroup,
      inputTopic: rawTopic,
      changelogTopic: `${enricherGroup}-changelog`,
      deviceSilenceMs: 3_600_000,
    }),
    { log: pino({ level: 'warn' }) },
  );
  db = await createAnalyticsDb();
  await seedTenant(db.pool, {
    ids: { customerId: hospital.customerId, departmentId: hospital.departmentId, patients: [hospital.patientId] },
  });
  // Late and dead-letter records of this instance go to private topics; the input is the shared enriched-readings,
  // from its end (other suites' readings may pass through; a future skew of 0 keeps their clocks out of ours).
  sideTopic = await createTopic(kafka, 1, 'analytics-e2e');
  analytics = await startInstance(
    analyticsEnv(db, TOPICS.enrichedReadings, analyticsGroup, {
      ANALYTICS_LATE_TOPIC: `${sideTopic}-late`,
      ANALYTICS_DLQ_TOPIC: `${sideTopic}-dlq`,
      ANALYTICS_FROM_BEGINNING: 'false',
      ANALYTICS_MAX_FUTURE_SKEW: '0s',
      // Changes go to the WebSocket straight after the commit (the other suites cover the NOTIFY path).
      ANALYTICS_NOTIFY: 'false',
    }),
  );
});

afterAll(async () => {
  await client?.close();
  await tail?.close();
  await analytics?.close();
  await enricher?.close();
  await producer?.disconnect();
  await hospital?.close();
  await deleteTopicsByPrefix(kafka, rawTopic);
  await deleteTopicsByPrefix(kafka, `${enricherGroup}-changelog`);
  await deleteTopics(kafka, topicsOf(sideTopic));
  await deleteGroups(kafka, [analyticsGroup, enricherGroup, 'analytics-tail-']);
  await db?.drop();
});

describe('analytics end to end', () => {
  it('raw reading -> enricher -> enriched-readings -> its 1-minute window in PostgreSQL and on the WebSocket', async () => {
    const device = await hospital.device({
      assignFrom: new Date(Date.now() - 3_600_000).toISOString(),
      patientId: hospital.patientId,
    });
    await until(
      'the assignment to reach the enricher',
      () => enricher.state.assignmentAt(device, Date.now()) !== undefined,
      60_000,
    );
    await waitFor(
      () => {
        const ps = analytics.deps.status().partitions;
        return ps.length > 0 && ps.every((p) => p.ready);
      },
      { timeoutMs: 60_000, what: 'the analytics instance to position its partitions' },
    );

    client = await StreamClient.connect(analytics.url, {
      token: await token({ role: 'clinician', customer: hospital.customerId }),
    });
    await client.next((m) => m.type === 'ready');
    client.send({ type: 'subscribe', id: 'e2e', query: 'patient-1m', patientId: hospital.patientId });
    await client.next((m) => m.type === 'header');

    tail = await tailTopic(kafka, TOPICS.enrichedReadings);
    const measuredAt = Date.now() - 1_000;
    const raw = rawReading(device, measuredAt, { value: 83 });
    await produceRaw(producer, rawTopic, [{ key: device, value: raw }]);

    const enriched = await tail.until((r) => (r.value ?? '').includes(raw.readingId));
    expect(enriched.key).toBe(hospital.patientId);
    expect(JSON.parse(enriched.value!)).toMatchObject({
      reading: { readingId: raw.readingId, value: 83 },
      patientId: hospital.patientId,
      departmentId: hospital.departmentId,
      customerId: hospital.customerId,
      news2: 0,
    });

    const start = Math.floor(measuredAt / 60_000) * 60_000;
    const row = await waitFor(
      async () =>
        (
          await db.pool.query(
            `SELECT count, last, department_id::text AS department_id, customer_id::text AS customer_id, window_end
             FROM window_aggregates WHERE query_id = 'patient-1m' AND group_id = $1 AND metric = 'heart_rate' AND window_start = $2`,
            [hospital.patientId, new Date(start)],
          )
        ).rows[0],
      { timeoutMs: 60_000, what: 'the 1-minute window row' },
    );
    expect(row).toMatchObject({ count: '1', last: 83, department_id: hospital.departmentId, customer_id: hospital.customerId });
    expect(row.window_end.getTime()).toBe(start + 60_000);

    await client.next((m) => m.type === 'row' && m.subscription === 'e2e');
    expect(rowsOf(client, 'e2e')[0]).toMatchObject({
      groupId: hospital.patientId,
      metric: 'heart_rate',
      windowStart: new Date(start).toISOString(),
      count: 1,
      last: 83,
      revision: 1,
    });
  });
});
