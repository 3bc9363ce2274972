/**
 * Enricher benchmark: readings/s of one enricher instance (one Node thread), exactly once (one Kafka
 * transaction per batch: output, changelog, offsets), from a pre-filled raw-readings topic to enriched-readings;
 * beside, in the same run, a plain kafkajs consume-and-produce pass-through of the same records (the raw limit
 * of the client underneath). Then p50/p99 latency from a reading's produce to its enriched record being visible
 * to a read_committed consumer, at a steady 500 readings/s. The same two figures for the Flink enricher job
 * (docker/flink/enricher.sql) on the stack's Flink session cluster (one TaskManager, parallelism
 * FLINK_PARALLELISM), over the same pre-filled input.
 */
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import pino from 'pino';
import { waitFor } from '@vitals/shared';
import { uniqueSuffix } from '@vitals/stack/testing';
import { CDC_TOPIC_PREFIX } from '@vitals/shared';
import { ensureFlinkCluster, testStackConfig } from '@vitals/stack/testing';
import { loadEnricherConfig } from '../cloud/src/enricher/config.js';
import { submitEnricherJob } from '../cloud/src/flink/enricher-job.js';
import { jobManagerClient, sqlGatewayClient } from '../cloud/src/flink/index.js';
import { startEnricher } from '../cloud/src/enricher/service.js';
import { topicBounds } from '../cloud/src/kafka/partition-reader.js';
import { createHospital, createInputTopic, deleteTopics, reading } from '../cloud/test/support/enricher-world.js';
import { percentile, type Benchmark } from './harness.js';

const N = 100_000;
const DEVICES = 60;
const PARTITIONS = 6;

async function committedTotal(admin: Admin, group: string, topic: string): Promise<number> {
  const c = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return c[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

const RATE = 500;
const SECONDS = 10;

/** p50/p99 of produce -> visible under read_committed in `output`, at RATE readings/s for SECONDS. */
async function steadyLatency(
  kafka: Kafka,
  admin: Admin,
  producer: Producer,
  input: string,
  output: string,
  devices: readonly string[],
): Promise<number[]> {
  const watcher = kafka.consumer({ groupId: `bench-latency-${uniqueSuffix()}`, readUncommitted: false, maxWaitTimeInMs: 50 });
  await watcher.connect();
  const ends = await topicBounds(admin, output);
  await watcher.subscribe({ topic: output, fromBeginning: false });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  await watcher.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const id = /"readingId":"([0-9a-f-]{36})"/.exec(m.value?.toString() ?? '')?.[1];
        const s = id ? sentAt.get(id) : undefined;
        if (s !== undefined) latencies.push(now - s);
      }
    },
  });
  for (const [partition, b] of ends) watcher.seek({ topic: output, partition, offset: b.high.toString() });
  for (let s = 0; s < SECONDS * 10; s++) {
    const tick = Date.now();
    const messages = [];
    for (let i = 0; i < RATE / 10; i++) {
      const d = devices[(s * 50 + i) % devices.length]!;
      const r = reading(d, Date.now() - 1000, { value: 75 });
      sentAt.set(r.readingId, Date.now());
      messages.push({ key: d, value: JSON.stringify(r) });
    }
    await producer.send({ topic: input, acks: -1, messages });
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
  }
  await waitFor(() => latencies.length >= sentAt.size * 0.99, { timeoutMs: 60_000, intervalMs: 50, what: 'latency samples' });
  await watcher.disconnect();
  return latencies;
}

const bench: Benchmark = async () => {
  const kafka = new Kafka({ clientId: 'bench', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const hospital = await createHospital();
  const devices: string[] = [];
  for (let i = 0; i < DEVICES; i++) devices.push(await hospital.device({ assignFrom: '2026-01-01T00:00:00Z' }));
  const input = await createInputTopic(kafka, PARTITIONS);
  const passOut = `${input}-passthrough`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: passOut, numPartitions: PARTITIONS }] });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    // Pre-fill the input with N readings (values in the normal range; a few alarms).
    const t0 = Date.now() - 3_600_000;
    for (let sent = 0; sent < N;) {
      const messages = [];
      for (let i = 0; i < 5_000 && sent < N; i++, sent++) {
        const d = devices[sent % DEVICES]!;
        messages.push({ key: d, value: JSON.stringify(reading(d, t0 + sent, { deviceSeq: sent, value: 60 + (sent % 40) })) });
      }
      await producer.send({ topic: input, acks: -1, messages });
    }

    // Raw limit: consume every record and produce it unchanged (acks=-1), no transactions.
    const passGroup = `bench-pass-${uniqueSuffix()}`;
    const consumer = kafka.consumer({ groupId: passGroup, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let passed = 0;
    const p0 = Date.now();
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch }) => {
        await producer.send({ topic: passOut, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
        passed += batch.messages.length;
      },
    });
    await waitFor(() => passed >= N, { timeoutMs: 600_000, intervalMs: 50, what: 'the pass-through to finish' });
    const passSeconds = (Date.now() - p0) / 1000;
    await consumer.disconnect();

    // The enricher, in this process, from the beginning of the pre-filled topic.
    const group = `bench-enricher-${uniqueSuffix()}`;
    const enricher = await startEnricher(
      loadEnricherConfig(process.env, {
        port: 0,
        groupId: group,
        inputTopic: input,
        changelogTopic: `${group}-changelog`,
        deviceSilenceMs: 3_600_000,
      }),
      { log: pino({ level: 'warn' }) },
    );
    const e0 = Date.now();
    await waitFor(async () => (await committedTotal(admin, group, input)) >= N, {
      timeoutMs: 600_000,
      intervalMs: 100,
      what: 'the enricher to commit the input',
    });
    const enrichSeconds = (Date.now() - e0) / 1000;

    const latencies = await steadyLatency(kafka, admin, producer, input, 'enriched-readings', devices);
    await enricher.close();

    // The Flink job over the same input (the N pre-filled readings and the latency run's), into its own topics.
    const { restUrl, gatewayUrl } = await ensureFlinkCluster();
    const jm = jobManagerClient(restUrl);
    const flinkGroup = `bench-flink-${uniqueSuffix()}`;
    const flinkOut = `${flinkGroup}-enriched`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [flinkOut, `${flinkGroup}-dlq`, `${flinkGroup}-alarm-inputs`].map((topic) => ({
        topic,
        numPartitions: PARTITIONS,
      })),
    });
    const submitted = Date.now();
    const jobId = await submitEnricherJob(sqlGatewayClient(gatewayUrl), {
      jobName: flinkGroup,
      kafkaBrokers: testStackConfig().kafkaBrokers,
      groupId: flinkGroup,
      transactionalIdPrefix: flinkGroup,
      cdcTopicPrefix: CDC_TOPIC_PREFIX,
      rawTopic: input,
      enrichedTopic: flinkOut,
      dlqTopic: `${flinkGroup}-dlq`,
      alarmInputsTopic: `${flinkGroup}-alarm-inputs`,
      startFrom: 'earliest',
    });
    let flinkSeconds: number;
    let flinkLatencies: number[];
    let submitSeconds: number;
    let parallelism = 0;
    try {
      await jm.waitForState(jobId, ['RUNNING'], 180_000);
      const f0 = Date.now();
      submitSeconds = (f0 - submitted) / 1000;
      parallelism = (await jm.job(jobId)).tasks.total;
      // The Kafka source commits its offsets to the group at each checkpoint, with the output it produced.
      await waitFor(async () => (await committedTotal(admin, flinkGroup, input)) >= N, {
        timeoutMs: 900_000,
        intervalMs: 200,
        what: 'the Flink job to commit the input',
      });
      flinkSeconds = (Date.now() - f0) / 1000;
      flinkLatencies = await steadyLatency(kafka, admin, producer, input, flinkOut, devices);
    } finally {
      await jm.cancel(jobId).catch(() => undefined);
      await deleteTopics(kafka, flinkGroup);
    }

    const passRate = N / passSeconds;
    const enrichRate = N / enrichSeconds;
    const flinkRate = N / flinkSeconds;
    return {
      component: 'enricher',
      figures: [
        {
          name: 'raw-readings -> enriched-readings, exactly once, 1 instance',
          value: enrichRate,
          unit: 'readings/s',
          baseline: { name: 'kafkajs consume + produce pass-through', value: passRate },
          detail: `${N} readings, ${PARTITIONS} partitions, ${DEVICES} devices`,
        },
        {
          name: 'produce -> visible (read_committed), p50',
          value: percentile(latencies, 50),
          unit: 'ms',
          detail: `${RATE}/s for ${SECONDS} s`,
        },
        { name: 'produce -> visible (read_committed), p99', value: percentile(latencies, 99), unit: 'ms' },
        {
          name: 'Flink job: raw-readings -> enriched-readings, exactly once',
          value: flinkRate,
          unit: 'readings/s',
          baseline: { name: 'kafkajs consume + produce pass-through', value: passRate },
          detail: `same input; ${parallelism} subtasks on 1 TaskManager (2 slots); submitted and RUNNING in ${submitSeconds.toFixed(1)} s`,
        },
        {
          name: 'Flink job: produce -> visible (read_committed), p50',
          value: percentile(flinkLatencies, 50),
          unit: 'ms',
          detail: `${RATE}/s for ${SECONDS} s`,
        },
        { name: 'Flink job: produce -> visible (read_committed), p99', value: percentile(flinkLatencies, 99), unit: 'ms' },
      ],
      notes: [
        'commit interval (ENRICHER_COMMIT_INTERVAL) 200 ms bounds the latency from below under light load',
        'the Flink job commits its output at each checkpoint (FLINK_CHECKPOINT_INTERVAL, 5 s): its latency is about half that plus the watermark wait',
      ],
    };
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    await hospital.close();
    await deleteTopics(kafka, input);
  }
};

export default bench;
