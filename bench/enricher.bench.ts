/**
 * Enricher benchmark: readings/s of one enricher instance (one Node thread), exactly once (one Kafka
 * transaction per batch: output, changelog, offsets), from a pre-filled raw-readings topic to enriched-readings;
 * beside, in the same run, a plain kafkajs consume-and-produce pass-through of the same records (the raw limit
 * of the client underneath). Then p50/p99 latency from a reading's produce to its enriched record being visible
 * to a read_committed consumer, at a steady 500 readings/s.
 */
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import pino from 'pino';
import { waitFor } from '@vitals/shared';
import { uniqueSuffix } from '@vitals/stack/testing';
import { loadEnricherConfig } from '../cloud/src/enricher/config.js';
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

    // Latency at a steady rate: produce -> visible under read_committed.
    const latencyGroup = `bench-latency-${uniqueSuffix()}`;
    const watcher = kafka.consumer({ groupId: latencyGroup, readUncommitted: false, maxWaitTimeInMs: 50 });
    await watcher.connect();
    const ends = await topicBounds(admin, 'enriched-readings');
    await watcher.subscribe({ topic: 'enriched-readings', fromBeginning: false });
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
    for (const [partition, b] of ends) watcher.seek({ topic: 'enriched-readings', partition, offset: b.high.toString() });
    const RATE = 500;
    const SECONDS = 10;
    for (let s = 0; s < SECONDS * 10; s++) {
      const tick = Date.now();
      const messages = [];
      for (let i = 0; i < RATE / 10; i++) {
        const d = devices[(s * 50 + i) % DEVICES]!;
        const r = reading(d, Date.now() - 1000, { value: 75 });
        sentAt.set(r.readingId, Date.now());
        messages.push({ key: d, value: JSON.stringify(r) });
      }
      await producer.send({ topic: input, acks: -1, messages });
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
    }
    await waitFor(() => latencies.length >= sentAt.size * 0.99, { timeoutMs: 60_000, intervalMs: 50, what: 'latency samples' });
    await watcher.disconnect();
    await enricher.close();

    const passRate = N / passSeconds;
    const enrichRate = N / enrichSeconds;
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
      ],
      notes: ['commit interval (ENRICHER_COMMIT_INTERVAL) 200 ms bounds the latency from below under light load'],
    };
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    await hospital.close();
    await deleteTopics(kafka, input);
  }
};

export default bench;
