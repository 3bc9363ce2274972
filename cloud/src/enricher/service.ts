/**
 * The enricher service: reference state from CDC, exactly-once join of raw-readings into enriched-readings,
 * alerts and readings-dlq, and a small HTTP port for health, readiness and metrics. `start(config)` returns
 * `{ close() }`; several instances in one consumer group share the input partitions.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '@vitals/shared';
import { createKafkaClient } from '../kafka/client.js';
import { exitNonZero } from '../kafka/consumer-supervisor.js';
import { ensureTopicLike } from '../kafka/ensure-topic.js';
import { createLogger, type Logger } from '../logging.js';
import { healthPlugin } from '../http/health.js';
import { createMetricsRegistry, metricsPlugin } from '../http/metrics.js';
import { loadTlsOptions } from '../http/tls.js';
import { CHANGELOG_TOPIC_CONFIG } from './changelog.js';
import type { CdcFollower } from './cdc-follower.js';
import { followReference, type FollowedReference } from './reference-follow.js';
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
  await ensureTopicLike(kafka, config.changelogTopic, config.inputTopic, CHANGELOG_TOPIC_CONFIG);

  const state = new ReferenceState();
  let cdc: CdcFollower | undefined;
  let reference: FollowedReference | undefined;
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
    referenceDeadLetters: { sent: reference?.letters.sent ?? 0, failed: reference?.letters.failed ?? 0 },
    cdcWatermark: cdc && Number.isFinite(cdc.watermarkMs) ? new Date(cdc.watermarkMs).toISOString() : null,
  }));
  const address = await app.listen({ port: config.port, host: '0.0.0.0' });
  const port = Number(new URL(address).port);

  try {
    reference = await followReference(kafka, config, config.groupId, { log, clock, state });
    cdc = reference.cdc;
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
    await reference?.close().catch(() => undefined);
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
      await reference?.close();
      await app.close();
      log.info('enricher stopped');
    },
  };
}
