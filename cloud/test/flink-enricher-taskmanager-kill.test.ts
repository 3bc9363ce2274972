/**
 * The Flink enricher job survives `kill -9` of the TaskManager mid-stream: monitors keep sending, the
 * TaskManager is started again (as a cluster's supervisor would), the job restores from its latest checkpoint,
 * and every acknowledged reading is in enriched-readings exactly once (read_committed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { CDC_TOPIC_PREFIX, waitFor, type EnrichedReading, type Reading } from '@vitals/shared';
import {
  consumeUntil,
  createTopic,
  ensureFlinkCluster,
  killFlinkProcess,
  testStackConfig,
  uniqueSuffix,
} from '@vitals/stack/testing';
import { jobManagerClient, sqlGatewayClient, type JobManagerClient } from '../src/flink/index.js';
import { submitEnricherJob } from '../src/flink/enricher-job.js';
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
const sfx = uniqueSuffix();
const enrichedTopic = `flink-kill-enriched-${sfx}`;
const dlqTopic = `flink-kill-dlq-${sfx}`;
const alarmInputsTopic = `flink-kill-alarm-inputs-${sfx}`;
let hospital: Hospital;
let producer: Producer;
let input: string;
let jm: JobManagerClient;
let jobId: string | undefined;

beforeAll(async () => {
  const { restUrl, gatewayUrl } = await ensureFlinkCluster();
  jm = jobManagerClient(restUrl);
  hospital = await createHospital();
  input = await createInputTopic(kafka, 2);
  for (const topic of [enrichedTopic, dlqTopic, alarmInputsTopic]) await createTopic(testStackConfig().kafkaBrokers, topic, 2);
  producer = kafka.producer();
  await producer.connect();
  jobId = await submitEnricherJob(sqlGatewayClient(gatewayUrl), {
    jobName: `enricher-kill-${sfx}`,
    kafkaBrokers: testStackConfig().kafkaBrokers,
    groupId: `flink-kill-${sfx}`,
    transactionalIdPrefix: `flink-kill-${sfx}`,
    cdcTopicPrefix: CDC_TOPIC_PREFIX,
    rawTopic: input,
    enrichedTopic,
    dlqTopic,
    alarmInputsTopic,
    startFrom: 'earliest',
  });
  await jm.waitForState(jobId, ['RUNNING'], 120_000);
}, 300_000);

afterAll(async () => {
  if (jobId) await jm.cancel(jobId).catch(() => undefined);
  await ensureFlinkCluster().catch(() => undefined);
  await producer?.disconnect();
  await hospital?.close();
  for (const t of [input, enrichedTopic, dlqTopic, alarmInputsTopic]) await deleteTopics(kafka, t);
});

describe('the Flink enricher job and a TaskManager crash', () => {
  it('restores from its checkpoint after kill -9 of the TaskManager: every acknowledged reading enriched once', async () => {
    const assignFrom = new Date(Date.now() - 3_600_000).toISOString();
    const devices: string[] = [];
    for (let i = 0; i < 4; i++) devices.push(await hospital.device({ assignFrom }));
    const sent: Reading[] = [];
    let seq = 0;
    // Monitors at 4 readings each per 100 ms; only what Kafka acknowledged counts as sent.
    const sendBurst = async () => {
      const now = Date.now();
      const rs = devices.flatMap((d) => [0, 1, 2, 3].map((i) => reading(d, now + i, { deviceSeq: seq++ })));
      await produce(
        producer,
        input,
        rs.map((r) => ({ key: r.deviceId, value: r })),
      );
      sent.push(...rs);
    };
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        await sendBurst();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // Mid-stream: after a checkpoint has committed output.
    await waitFor(async () => ((await jm.checkpoints(jobId!)).completed >= 1 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the first checkpoint',
    });
    await consumeUntil([enrichedTopic], (rs) => rs.length > 0, { timeoutMs: 60_000 });
    await killFlinkProcess('taskmanager');
    await ensureFlinkCluster();
    await jm.waitForState(jobId!, ['RUNNING'], 120_000);
    await waitFor(async () => ((await jm.checkpoints(jobId!)).restoredFrom ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the job to report the checkpoint it restored from',
    });
    // Keep streaming for a while after the restore.
    const sentAtRestore = sent.length;
    await waitFor(async () => (sent.length >= sentAtRestore + 200 ? true : undefined), {
      timeoutMs: 30_000,
      what: '200 more readings sent after the restore',
    });
    streaming = false;
    await stream;

    const ids = new Set(sent.map((r) => r.readingId));
    const out = (
      await consumeUntil(
        [enrichedTopic],
        (rs) => new Set(rs.map((r) => (JSON.parse(r.value ?? 'null') as EnrichedReading).reading.readingId)).size >= ids.size,
        { timeoutMs: 120_000 },
      )
    ).map((r) => (JSON.parse(r.value ?? 'null') as EnrichedReading).reading.readingId);
    // A last reading per device comes after every other one on its partition: once all are out, nothing
    // earlier can still arrive, so a duplicate would be counted now.
    const markers = devices.map((d) => reading(d, Date.now() + 1_000, { deviceSeq: seq++ }));
    await produce(
      producer,
      input,
      markers.map((r) => ({ key: r.deviceId, value: r })),
    );
    const markerIds = new Set(markers.map((r) => r.readingId));
    const final = (
      await consumeUntil(
        [enrichedTopic],
        (rs) =>
          rs.filter((r) => markerIds.has((JSON.parse(r.value ?? 'null') as EnrichedReading).reading.readingId)).length === 4,
        { timeoutMs: 120_000 },
      )
    ).map((r) => (JSON.parse(r.value ?? 'null') as EnrichedReading).reading.readingId);
    const withoutMarkers = final.filter((id) => !markerIds.has(id));
    expect(new Set(out)).toEqual(ids);
    expect(new Set(withoutMarkers)).toEqual(ids);
    expect(withoutMarkers).toHaveLength(ids.size);
    expect(sent.length).toBeGreaterThan(200);
  }, 300_000);
});
