/**
 * A crash of the enricher's readings consumer (issue 14): an exception in the batch handler that kafkajs does not
 * retry (a TypeError, as a bug would throw) used to stop the consumer for good while the process stayed alive.
 * The runner runs against real Kafka here with a reference feed that throws where the CDC watermark is read:
 * once, and the consumer is restarted and every reading enriched exactly once; always, and the service is told
 * to exit (onFatal) once the crash budget is spent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { TOPICS, systemClock, waitFor, type EnrichedReading } from '@vitals/shared';
import { consumeUntil, markTopicEnds, uniqueSuffix } from '@vitals/stack/testing';
import { createMetricsRegistry } from '../src/http/metrics.js';
import { createEnricherMetrics } from '../src/enricher/metrics.js';
import { reading, ward } from '../src/enricher/test-fixtures.js';
import { startTransactionalRunner, type ReferenceFeed, type Runner } from '../src/enricher/transactional-runner.js';
import { createInputTopic, deleteTopics, produce, testKafka } from './support/enricher-world.js';

const kafka = testKafka();
const log = pino({ level: process.env.ENRICHER_TEST_LOG_LEVEL ?? 'silent' });
const cleanups: Array<() => Promise<unknown>> = [];
let producer: Producer;

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A reference feed whose watermark read throws a TypeError the first `failures` times (Infinity: always). */
function failingFeed(failures: number): ReferenceFeed & { readonly thrown: number } {
  let thrown = 0;
  return {
    barrier: async () => undefined,
    get watermarkMs(): number {
      if (thrown < failures) {
        thrown++;
        throw new TypeError('injected: reading the CDC watermark failed');
      }
      return Number.POSITIVE_INFINITY;
    },
    confirmedAt: (t) => t,
    get thrown() {
      return thrown;
    },
  };
}

async function startRunner(feed: ReferenceFeed, onFatal: (err: Error) => void, maxCrashes: number) {
  const group = `enricher-crash-${uniqueSuffix()}`;
  const input = await createInputTopic(kafka, 1);
  const changelog = `${group}-changelog`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: changelog, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  await admin.disconnect();
  cleanups.push(
    () => deleteTopics(kafka, input),
    () => deleteTopics(kafka, changelog),
  );
  const registry = createMetricsRegistry({ service: 'enricher' });
  const runner: Runner = await startTransactionalRunner(
    {
      groupId: group,
      inputTopic: input,
      changelogTopic: changelog,
      graceMs: 1_000,
      dedupeWindowMs: 600_000,
      deviceSilenceMs: 3_600_000,
      cdcMaxHoldMs: 1_000,
      tickMs: 250,
      maxWaitMs: 100,
      sessionTimeoutMs: 10_000,
      transactionTimeoutMs: 60_000,
      fromBeginning: true,
      crashBudget: { maxCrashes, windowMs: 60_000 },
    },
    { kafka, state: ward(), reference: feed, clock: systemClock, log, metrics: createEnricherMetrics(registry), onFatal },
  );
  cleanups.push(() => runner.close());
  return { input, registry };
}

async function crashes(registry: ReturnType<typeof createMetricsRegistry>, restarted: string): Promise<number> {
  const m = (await registry.getSingleMetric('enricher_consumer_crashes_total')?.get())?.values ?? [];
  return m.filter((v) => v.labels.restarted === restarted).reduce((n, v) => n + v.value, 0);
}

describe('enricher consumer crash', () => {
  it('restarts the consumer after a crash kafkajs does not recover from, and enriches every reading exactly once', async () => {
    const since = await markTopicEnds([TOPICS.enrichedReadings]);
    const feed = failingFeed(1);
    const fatal: Error[] = [];
    const { input, registry } = await startRunner(feed, (err) => fatal.push(err), 5);
    const readings = [0, 1, 2].map((i) => reading(new Date(Date.now() - 60_000 + i * 1_000).toISOString()));
    await produce(
      producer,
      input,
      readings.map((r) => ({ key: r.deviceId, value: r })),
    );
    const ids = new Set(readings.map((r) => r.readingId));
    const mine = (rs: readonly { value: string | null }[]) =>
      rs.map((r) => JSON.parse(r.value ?? 'null') as EnrichedReading).filter((e) => ids.has(e.reading.readingId));
    await consumeUntil([TOPICS.enrichedReadings], (rs) => mine(rs).length >= 3, { since });
    // A later reading too: the restarted consumer keeps going.
    const later = reading(new Date().toISOString());
    ids.add(later.readingId);
    await produce(producer, input, [{ key: later.deviceId, value: later }]);
    const out = mine(await consumeUntil([TOPICS.enrichedReadings], (rs) => mine(rs).length >= 4, { since }));
    expect(new Set(out.map((e) => e.reading.readingId)).size).toBe(4);
    expect(out).toHaveLength(4);
    expect(feed.thrown).toBe(1);
    expect(await crashes(registry, 'supervisor')).toBe(1);
    expect(fatal).toEqual([]);
  });

  it('tells the service to exit non-zero when the consumer keeps crashing beyond its budget', async () => {
    const feed = failingFeed(Number.POSITIVE_INFINITY);
    const fatal: Error[] = [];
    const { input, registry } = await startRunner(feed, (err) => fatal.push(err), 1);
    const r = reading(new Date(Date.now() - 60_000).toISOString());
    await produce(producer, input, [{ key: r.deviceId, value: r }]);
    await waitFor(() => fatal.length > 0, { timeoutMs: 30_000, intervalMs: 50, what: 'the runner to give up' });
    expect((fatal[0] as { code?: string }).code).toBe('CLOUD_ERR_CONSUMER_FAILED');
    expect((fatal[0]!.cause as Error).message).toContain('injected');
    expect(await crashes(registry, 'supervisor')).toBe(1);
    expect(await crashes(registry, 'gave-up')).toBe(1);
  });
});
