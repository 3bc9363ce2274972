/**
 * Runs the analytics service: reads nothing itself (config comes in), loads and checks the window definitions,
 * builds the adapters (PostgreSQL pool and sink, Kafka consumer and producer, NOTIFY listener), serves the app,
 * starts consuming, and closes everything in order on `close()`: stop consuming (the step under way commits or
 * not, atomically), close WebSockets and HTTP, then Kafka and PostgreSQL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Admin } from 'kafkajs';
import { Gauge } from 'prom-client';
import { systemClock, type Clock } from '@vitals/shared';
import { createAuthenticator } from '../auth/authenticator.js';
import { createPgCredentialStore } from '../auth/credential-store.js';
import { createJwtVerifier } from '../auth/jwt.js';
import { isPgUnavailable } from '../db/pg-errors.js';
import { createPgPool } from '../db/pool.js';
import { createMetricsRegistry } from '../http/metrics.js';
import { loadTlsOptions } from '../http/tls.js';
import { createKafkaClient } from '../kafka/client.js';
import { createClusterProbe } from '../kafka/cluster-probe.js';
import { exitNonZero } from '../kafka/consumer-supervisor.js';
import { createIdempotentProducer } from '../kafka/idempotent-producer.js';
import { submitAnalyticsJob } from '../flink/analytics-job.js';
import { jobManagerClient, sqlGatewayClient } from '../flink/index.js';
import { startManagedJob, type ManagedJob } from '../flink/job-lifecycle.js';
import { createLogger, type Logger } from '../logging.js';
import { createDependencyGuard } from '../resilience/dependency-guard.js';
import analyticsApp from './app.js';
import type { AnalyticsConfig } from './config.js';
import type { AnalyticsDeps } from './deps.js';
import { AnalyticsErrors } from './errors.js';
import { openResultTask } from './flink/result-task.js';
import { createKafkaRecordPublisher } from './kafka/record-publisher.js';
import { startConsumerRunner, type Runner } from './kafka/consumer-runner.js';
import { startMaintenance } from './maintenance.js';
import { createAnalyticsMetrics } from './metrics.js';
import { ChangeHub } from './push/change-hub.js';
import { listenForChanges, type RemoteChanges } from './push/pg-listener.js';
import { loadQueriesFile } from './queries/compile.js';
import { WindowReader } from './read/window-reader.js';
import { PgWindowStore } from './sink/pg-window-store.js';
import { registerQueries } from './sink/query-registry.js';

export interface RunningAnalytics {
  /** `http(s)://host:port` the service listens on. */
  readonly url: string;
  readonly port: number;
  readonly instance: string;
  readonly app: FastifyInstance;
  readonly deps: AnalyticsDeps;
  /** With STREAM_ENGINE=flink: the windows job this instance owns. */
  readonly job?: ManagedJob;
  close(): Promise<void>;
}

/** The analytics job's name on the Flink cluster: one per consumer group. */
export function flinkAnalyticsJobName(config: Pick<AnalyticsConfig, 'groupId'>): string {
  return `${config.groupId}-flink`;
}

/** Windows of a reading stay open at most size + grace + bound after it was measured; the enricher drops repeats for 10 minutes. */
const ENRICHER_DEDUPE_DEFAULT_MS = 10 * 60_000;

/** The input, late and dead-letter topics must exist (a missing output topic would stall every partition). */
async function checkTopics(admin: Admin, config: AnalyticsConfig): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted: Array<[string, string]> = [
    [config.inputTopic, 'ANALYTICS_INPUT_TOPIC'],
    [config.lateTopic, 'ANALYTICS_LATE_TOPIC'],
    [config.deadLetterTopic, 'ANALYTICS_DLQ_TOPIC'],
    ...(config.streamEngine === 'flink' ? ([[config.resultsTopic, 'ANALYTICS_RESULTS_TOPIC']] as Array<[string, string]>) : []),
  ];
  for (const [topic, env] of wanted) if (!existing.has(topic)) throw AnalyticsErrors.ANALYTICS_ERR_TOPIC_MISSING(topic, env);
}

export async function startAnalytics(
  config: AnalyticsConfig,
  o: { log?: Logger; clock?: Clock; onFatal?: (err: Error) => void } = {},
): Promise<RunningAnalytics> {
  const clock = o.clock ?? systemClock;
  const log = o.log ?? createLogger({ level: config.logLevel, name: 'analytics' });
  const flink = config.streamEngine === 'flink';
  const queries = loadQueriesFile(config.queriesFile);
  for (const q of queries) {
    if (q.window.sizeMs + q.graceMs + config.maxOutOfOrderMs > ENRICHER_DEDUPE_DEFAULT_MS) {
      log.warn(
        { query: q.id },
        'size + grace + bound exceeds the enricher dedupe window (10m): a repeat delivered late could count twice',
      );
    }
  }
  const instance = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tls = loadTlsOptions({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile });
  const pool = createPgPool(
    {
      url: config.databaseUrl,
      max: config.pgPoolMax,
      connectTimeoutMs: config.pgConnectTimeoutMs,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      applicationName: 'vitals-analytics',
    },
    log,
  );
  const cleanup: Array<() => Promise<unknown>> = [() => pool.end()];
  const closeAll = async () => {
    for (const c of cleanup.reverse()) await c().catch((err: unknown) => log.warn({ err }, 'close failed'));
  };
  try {
    await registerQueries(pool, queries);
  } catch (err) {
    await closeAll();
    throw err;
  }

  const kafka = createKafkaClient(
    {
      brokers: config.kafkaBrokers,
      clientId: `${config.kafkaClientId}-analytics`,
      connectTimeoutMs: config.kafkaConnectTimeoutMs,
      requestTimeoutMs: config.kafkaRequestTimeoutMs,
    },
    log,
  );
  const registry = createMetricsRegistry({ service: 'analytics' });
  const metrics = createAnalyticsMetrics(registry);
  const hub = new ChangeHub(queries);
  const producer = createIdempotentProducer(kafka, { log, ackTimeoutMs: config.kafkaRequestTimeoutMs });
  const kafkaProbe = createClusterProbe(kafka, config.kafkaConnectTimeoutMs + 2_000);
  cleanup.push(
    () => producer.close(),
    () => kafkaProbe.close(),
  );
  const admin: Admin = kafka.admin();
  let partitionCount: { n: number; at: number } | undefined;
  const countPartitions = async () => {
    if (partitionCount && clock.now() - partitionCount.at < 30_000) return partitionCount.n;
    const meta = await admin.fetchTopicMetadata({ topics: [config.inputTopic] });
    partitionCount = { n: meta.topics[0]?.partitions.length ?? 0, at: clock.now() };
    return partitionCount.n;
  };
  const sink = new PgWindowStore(pool, {
    groupId: config.groupId,
    // With Flink the stored positions are those of the job's results topic (the job keeps its input offsets).
    topic: flink ? config.resultsTopic : config.inputTopic,
    queries,
    partitionCount: countPartitions,
    notifyAs: config.notify ? instance : undefined,
    onConflict: (n) => {
      metrics.conflicts(n);
      log.error({ count: n }, 'window deltas hit final windows and were not applied: is the input keyed by patient id?');
    },
  });
  const pgGuard = createDependencyGuard({
    name: 'postgres',
    isUnavailable: isPgUnavailable,
    threshold: config.breakerThreshold,
    halfOpenAfterMs: config.breakerHalfOpenAfterMs,
    timeoutMs: config.dependencyTimeoutMs,
    clock,
  });
  const authenticator = createAuthenticator({
    store: createPgCredentialStore(pool),
    jwt:
      config.jwtSecret === ''
        ? undefined
        : createJwtVerifier({ secret: config.jwtSecret, issuer: config.jwtIssuer, audience: config.jwtAudience, clock }),
    guard: pgGuard,
  });
  let runner: Runner | undefined;
  let remote: RemoteChanges | undefined;
  let job: ManagedJob | undefined;
  const deps: AnalyticsDeps = {
    config,
    log,
    clock,
    pool,
    pg: pgGuard,
    kafkaProbe,
    authenticator,
    registry,
    metrics,
    queries,
    reader: new WindowReader(pool),
    hub,
    status: () => ({
      instance,
      consuming: runner !== undefined,
      listening: remote?.connected ?? false,
      partitions: runner?.status() ?? [],
      engine: flink ? 'flink' : 'node',
      ...(job
        ? {
            job: {
              id: job.lastStatus.jobId,
              name: flinkAnalyticsJobName(config),
              state: job.lastStatus.state,
              started: job.lastStatus.started,
              checkpoints: job.lastStatus.checkpoints,
              lastCheckpointAt: job.lastStatus.lastCheckpointAt ? new Date(job.lastStatus.lastCheckpointAt).toISOString() : null,
            },
          }
        : {}),
    }),
  };

  const app = Fastify({
    loggerInstance: log,
    exposeHeadRoutes: false,
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ...(tls ? { https: { ...tls } } : {}),
  }) as unknown as FastifyInstance;
  app.register(analyticsApp, { deps });
  try {
    await app.listen({ port: config.port, host: config.host });
    if (config.notify) {
      remote = listenForChanges(
        { url: config.databaseUrl, groupId: config.groupId, connectTimeoutMs: config.pgConnectTimeoutMs },
        {
          clock,
          log,
          onRows: (rows) => hub.publish(rows),
          onGap: (reason) => {
            metrics.listenerGaps.inc();
            hub.gap(reason);
          },
        },
      );
      await remote.ready;
    }
    await admin.connect();
    await checkTopics(admin, config);
    const publisher = createKafkaRecordPublisher(producer, {
      inputTopic: flink ? config.resultsTopic : config.inputTopic,
      lateTopic: config.lateTopic,
      deadLetterTopic: config.deadLetterTopic,
      clock,
    });
    // With NOTIFY every committed change (ours too) reaches the hub through the listener, in commit order.
    const onChanges = (rows: Parameters<ChangeHub['publish']>[0]) => {
      if (!config.notify) hub.publish(rows);
    };
    if (flink) {
      const name = flinkAnalyticsJobName(config);
      const gateway = sqlGatewayClient(config.flinkGatewayUrl);
      job = await startManagedJob(
        {
          name,
          submit: (recoveryPath) =>
            submitAnalyticsJob(
              gateway,
              {
                jobName: name,
                kafkaBrokers: config.kafkaBrokers,
                groupId: name,
                transactionalIdPrefix: name,
                inputTopic: config.inputTopic,
                resultsTopic: config.resultsTopic,
                lateTopic: config.lateTopic,
                dlqTopic: config.deadLetterTopic,
                startFrom: config.fromBeginning ? 'earliest' : 'latest',
                maxOutOfOrderMs: config.maxOutOfOrderMs,
                idleTimeout: `${Math.max(1, Math.round(config.idleTimeoutMs / 1000))} s`,
              },
              recoveryPath ? { recoveryPath } : {},
            ),
        },
        { jm: jobManagerClient(config.flinkRestUrl), log, clock, onFatal: o.onFatal ?? exitNonZero },
      );
    }
    const queryIds = new Set(queries.map((q) => q.id));
    runner = await startConsumerRunner(
      {
        groupId: flink ? `${config.groupId}-flink-results` : config.groupId,
        topic: flink ? config.resultsTopic : config.inputTopic,
        queries,
        settings: {
          maxOutOfOrderMs: config.maxOutOfOrderMs,
          idleTimeoutMs: config.idleTimeoutMs,
          maxFutureSkewMs: config.maxFutureSkewMs,
        },
        maxBatchRecords: config.maxBatchRecords,
        fetchWaitMs: config.fetchWaitMs,
        sessionTimeoutMs: config.sessionTimeoutMs,
        // The job's rows are read from the start of the results topic, whatever ANALYTICS_FROM_BEGINNING says of the
        // input (the job itself starts its input there).
        fromBeginning: flink ? true : config.fromBeginning,
        tickMs: config.tickIntervalMs,
      },
      {
        kafka,
        log,
        clock,
        sink,
        publisher,
        onChanges,
        onStep: (r) => metrics.observeStep(r, clock.now()),
        ...(flink
          ? {
              openTask: (partition: number, initial: () => Promise<bigint>) =>
                openResultTask(
                  partition,
                  {
                    store: sink,
                    publisher,
                    clock,
                    queryIds,
                    onChanges,
                    onStep: (r) =>
                      metrics.observeStep(
                        { ...r, kind: 'batch', position: { nextOffset: 0n, eventTime: { watermark: null, maxEventTime: null } } },
                        clock.now(),
                      ),
                  },
                  initial,
                ),
            }
          : {}),
        onReload: (_p, fenced) => metrics.reload(fenced),
        onAssignment: (ps) => metrics.assigned(ps.length),
        onConsumerCrash: (restarted) => metrics.consumerCrashes.inc({ restarted }),
        onFatal: o.onFatal ?? exitNonZero,
      },
    );
  } catch (err) {
    await runner?.close();
    await job?.close().catch(() => undefined);
    await remote?.close();
    await app.close().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await closeAll();
    throw err;
  }

  // With Flink: the job's state and the age of its latest checkpoint (its rows are committed then).
  let jobGauges: ReturnType<Clock['setInterval']> | undefined;
  if (job) {
    const running = new Gauge({
      name: 'vitals_analytics_flink_job_running',
      help: 'The analytics Flink job is RUNNING (1) or not (0)',
      registers: [registry],
    });
    const age = new Gauge({
      name: 'vitals_analytics_flink_checkpoint_age_seconds',
      help: 'Seconds since the analytics Flink job completed its latest checkpoint (its window rows are committed then)',
      registers: [registry],
    });
    const watched = job;
    const refresh = () => {
      const s = watched.lastStatus;
      running.set(s.state === 'RUNNING' ? 1 : 0);
      if (s.lastCheckpointAt) age.set((clock.now() - s.lastCheckpointAt) / 1000);
    };
    refresh();
    jobGauges = clock.setInterval(refresh, 1_000);
  }

  const maintenance = startMaintenance(
    { sink, clock, log, metrics, onChanges: (rows) => (config.notify ? undefined : hub.publish(rows)) },
    { tickMs: config.tickIntervalMs, retentionIntervalMs: config.retentionIntervalMs, closeDepartments: !flink },
  );

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  log.info(
    { port, groupId: config.groupId, topic: config.inputTopic, queries: queries.map((q) => q.id), instance },
    'analytics started',
  );
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    instance,
    app,
    deps,
    ...(job ? { job } : {}),
    async close() {
      maintenance.stop();
      if (jobGauges) clock.clearInterval(jobGauges);
      // The job first (stop with a savepoint: its last rows are committed to the topic), then its applier.
      await job?.close().catch((err: unknown) => log.warn({ err }, 'stopping the Flink job failed'));
      await runner?.close();
      await app.close();
      await remote?.close();
      await admin.disconnect().catch(() => undefined);
      await closeAll();
      log.info('analytics stopped');
    },
  };
}
