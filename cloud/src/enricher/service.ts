/**
 * The enricher service: reference state from CDC, exactly-once join of raw-readings into enriched-readings,
 * alerts and readings-dlq, and a small HTTP port for health, readiness and metrics. `start(config)` returns
 * `{ close() }`; several instances in one consumer group share the input partitions.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '@vitals/shared';
import { createKafkaClient } from '../kafka/client.js';
import { exitNonZero } from '../kafka/consumer-supervisor.js';
import { topicBounds } from '../kafka/partition-reader.js';
import { createLogger, type Logger } from '../logging.js';
import { healthPlugin } from '../http/health.js';
import { createMetricsRegistry, metricsPlugin } from '../http/metrics.js';
import { loadTlsOptions } from '../http/tls.js';
import { startCdcFollower, type CdcFollower } from './cdc-follower.js';
import { startReferenceDeadLetters, type ReferenceDeadLetters } from './reference-dead-letters.js';
import type { EnricherConfig } from './config.js';
import { createEnricherMetrics } from './metrics.js';
import { ReferenceState } from './reference-state.js';
import { startTransactionalRunner, type Runner } from './transactional-runner.js';

export interface EnricherDeps {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** The readings consumer crashed beyond its restart budget (default: exit the process non-zero). */
  readonly onFatal?: (err: Error) => void;
}

export interface RunningEnricher {
  readonly port: number;
  readonly state: ReferenceState;
  readonly runner: Runner;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Creates the changelog topic (compacted, one partition per input partition) if it does not exist. */
async function ensureChangelog(kafka: ReturnType<typeof createKafkaClient>, config: EnricherConfig): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(config.changelogTopic)) return;
    const inputPartitions = (await topicBounds(admin, config.inputTopic)).size;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: config.changelogTopic,
          numPartitions: inputPartitions,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

export async function startEnricher(config: EnricherConfig, deps: EnricherDeps = {}): Promise<RunningEnricher> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? createLogger({ level: config.logLevel, name: 'enricher' });
  const kafka = createKafkaClient(
    {
      brokers: config.kafkaBrokers,
      clientId: `${config.kafkaClientId}-enricher`,
      connectTimeoutMs: config.kafkaConnectTimeoutMs,
      requestTimeoutMs: config.kafkaRequestTimeoutMs,
    },
    log,
  );
  const registry = createMetricsRegistry({ service: 'enricher' });
  const metrics = createEnricherMetrics(registry);
  await ensureChangelog(kafka, config);

  const state = new ReferenceState();
  let cdc: CdcFollower | undefined;
  let referenceLetters: ReferenceDeadLetters | undefined;
  let runner: Runner | undefined;
  let ready = false;
  const app = Fastify({
    logger: false,
    https: loadTlsOptions({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile }) ?? null,
  });
  await app.register(metricsPlugin, { registry });
  await app.register(healthPlugin, {
    timeoutMs: 2_000,
    checks: {
      reference: async () => {
        if (!ready) throw new Error('reference state is bootstrapping');
      },
    },
  });
  app.get('/api/status', async () => ({
    ready,
    partitions: runner?.assigned ?? [],
    reference: state.sizes,
    referenceEvents: cdc?.events ?? 0,
    referenceProblems: cdc?.problems ?? 0,
    referenceDeadLetters: { sent: referenceLetters?.sent ?? 0, failed: referenceLetters?.failed ?? 0 },
    cdcWatermark: cdc && Number.isFinite(cdc.watermarkMs) ? new Date(cdc.watermarkMs).toISOString() : null,
  }));
  const address = await app.listen({ port: config.port, host: '0.0.0.0' });
  const port = Number(new URL(address).port);

  try {
    referenceLetters = await startReferenceDeadLetters(kafka, config.referenceDlqTopic, log);
    cdc = await startCdcFollower(
      kafka,
      state,
      {
        groupPrefix: config.groupId,
        topicPrefix: config.cdcTopicPrefix,
        barrierCacheMs: 100,
        bootstrapTimeoutMs: 120_000,
        historyMs: config.historyMs,
      },
      { log, clock, deadLetters: referenceLetters },
    );
    // Bootstrap first: no reading is joined before the reference topics have been read to their end.
    await cdc.bootstrap();
    // The first heartbeat is usually a moment away: without it every fresh reading would count as unconfirmed.
    // Waiting longer than a reading's longest hold gains nothing, so that bounds the wait.
    if (!(await cdc.firstBeat(config.cdcMaxHoldMs))) {
      log.warn(
        { waitedMs: config.cdcMaxHoldMs },
        'no CDC heartbeat yet: the watermark is unknown, readings wait their longest hold (is Kafka Connect running?)',
      );
    }
    metrics.referenceEvents.set(cdc.events);
    runner = await startTransactionalRunner(
      {
        groupId: config.groupId,
        inputTopic: config.inputTopic,
        changelogTopic: config.changelogTopic,
        graceMs: config.graceMs,
        dedupeWindowMs: config.dedupeWindowMs,
        deviceSilenceMs: config.deviceSilenceMs,
        cdcMaxHoldMs: config.cdcMaxHoldMs,
        tickMs: 250,
        maxWaitMs: config.commitIntervalMs,
        sessionTimeoutMs: config.sessionTimeoutMs,
        transactionTimeoutMs: config.transactionTimeoutMs,
        fromBeginning: config.fromBeginning,
      },
      { kafka, state, reference: cdc, clock, log, metrics, onFatal: deps.onFatal ?? exitNonZero },
    );
    ready = true;
  } catch (err) {
    await runner?.close().catch(() => undefined);
    await cdc?.close().catch(() => undefined);
    await referenceLetters?.close().catch(() => undefined);
    await app.close();
    throw err;
  }
  log.info({ port, groupId: config.groupId }, 'enricher started');
  const gauges = clock.setInterval(() => {
    metrics.referenceEvents.set(cdc?.events ?? 0);
    const watermark = cdc?.watermarkMs ?? Number.NEGATIVE_INFINITY;
    if (Number.isFinite(watermark)) metrics.watermarkLag.set((clock.now() - watermark) / 1000);
  }, 1_000);

  return {
    port,
    state,
    runner,
    app,
    async close() {
      clock.clearInterval(gauges);
      await runner?.close();
      await cdc?.close();
      await referenceLetters?.close();
      await app.close();
      log.info('enricher stopped');
    },
  };
}
