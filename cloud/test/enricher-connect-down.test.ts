/**
 * The enricher started while Kafka Connect is down (issue 14): no CDC heartbeat has ever been seen, so the
 * watermark is unknown. Readings must still be enriched once their longest hold is over, counted as unconfirmed,
 * and the stream must keep flowing. Before the fix the consumer died at the first hold that ran out
 * (`RangeError: Invalid time value` formatting the unknown watermark) and the process stayed alive, idle.
 * The real Debezium connector is paused for the test (no change event, no heartbeat reaches Kafka) and resumed
 * afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { TOPICS, cdcTopic, waitFor, type EnrichedReading } from '@vitals/shared';
import { consumeUntil, markTopicEnds, pauseCdcConnector, uniqueSuffix, type TopicMarks } from '@vitals/stack/testing';
import { loadEnricherConfig } from '../src/enricher/config.js';
import { startEnricher, type RunningEnricher } from '../src/enricher/service.js';
import {
  createHospital,
  createInputTopic,
  deleteTopics,
  produce,
  reading,
  testKafka,
  type Hospital,
} from './support/enricher-world.js';

const kafka = testKafka();
const group = `enricher-nocdc-${uniqueSuffix()}`;
let hospital: Hospital;
let enricher: RunningEnricher | undefined;
let producer: Producer;
let input: string;
let since: TopicMarks;
let resumeConnector: (() => Promise<void>) | undefined;
let device: string;

/** End offsets of the heartbeat topic, as one comparable string. */
async function heartbeatEnds(): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(cdcTopic('cdc_heartbeat', 'public'));
    return offsets.map((o) => `${o.partition}:${o.high}`).join(',');
  } finally {
    await admin.disconnect();
  }
}

/** A counter's value in Prometheus text, summed over the series that carry `label` (0 when none has counted yet). */
function metric(text: string, name: string, label = ''): number {
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

beforeAll(async () => {
  since = await markTopicEnds([TOPICS.enrichedReadings, TOPICS.readingsDlq]);
  const assignments = cdcTopic('device_assignments', 'public');
  const assignmentsSince = await markTopicEnds([assignments]);
  hospital = await createHospital();
  device = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
  // The assignment is in Kafka before Connect goes down: the enricher's bootstrap will find it.
  await consumeUntil([assignments], (rs) => rs.some((r) => r.value?.includes(device)), { since: assignmentsSince });
  resumeConnector = await pauseCdcConnector();
  // No heartbeat is produced any more once the end offsets stay put for several heartbeat intervals (250 ms).
  let last = await heartbeatEnds();
  let stableSince = Date.now();
  await waitFor(
    async () => {
      const now = await heartbeatEnds();
      if (now !== last) [last, stableSince] = [now, Date.now()];
      return Date.now() - stableSince >= 1_500;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'heartbeats to stop after pausing the connector' },
  );
  input = await createInputTopic(kafka, 1);
  producer = kafka.producer();
  await producer.connect();
  enricher = await startEnricher(
    loadEnricherConfig(process.env, {
      port: 0,
      groupId: group,
      inputTopic: input,
      changelogTopic: `${group}-changelog`,
      graceMs: 1_000,
      deviceSilenceMs: 3_600_000,
      cdcMaxHoldMs: 1_500,
    }),
    {
      log: pino({ level: process.env.ENRICHER_TEST_LOG_LEVEL ?? 'silent' }),
      onFatal: (err) => {
        throw err;
      },
    },
  );
});

afterAll(async () => {
  await enricher?.close();
  await resumeConnector?.();
  await producer?.disconnect();
  await hospital?.close();
  if (input) await deleteTopics(kafka, input);
  await deleteTopics(kafka, `${group}-changelog`);
});

describe('enricher started with Kafka Connect down', () => {
  it('enriches readings after their hold, counts them unconfirmed, and keeps consuming', async () => {
    const status = (await enricher!.app.inject({ method: 'GET', url: '/api/status' })).json<{ cdcWatermark: unknown }>();
    expect(status.cdcWatermark).toBeNull();

    const first = reading(device, Date.now());
    await produce(producer, input, [{ key: device, value: first }]);
    const [out] = (
      await consumeUntil([TOPICS.enrichedReadings], (rs) => rs.some((r) => r.value?.includes(first.readingId)), { since })
    )
      .map((r) => JSON.parse(r.value ?? 'null') as EnrichedReading)
      .filter((e) => e.reading.readingId === first.readingId);
    expect(out?.bedLabel).toBe('A');
    expect(out?.patientId).toBeDefined();

    // The consumer is still alive: a second reading, produced after the first hold ran out, goes through too.
    const second = reading(device, Date.now());
    await produce(producer, input, [{ key: device, value: second }]);
    await consumeUntil([TOPICS.enrichedReadings], (rs) => rs.some((r) => r.value?.includes(second.readingId)), { since });

    const text = (await enricher!.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metric(text, 'enricher_unconfirmed_joins_total')).toBe(2);
    expect(metric(text, 'enricher_consumer_crashes_total')).toBe(0);
  });
});
