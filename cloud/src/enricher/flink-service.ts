/**
 * The enricher with `STREAM_ENGINE=flink`: the join runs as the Flink SQL job `docker/flink/enricher.sql` on
 * the session cluster; this service owns that job (submits or resumes it, watches it, stops it with a
 * savepoint) and reports it on its HTTP port: `/readyz` while the job runs, `/api/status` and `/metrics` with
 * the job's state and checkpoint age. Beside the job runs the alarm stage: the Node engine's exactly-once runner
 * over the job's `alarm-inputs` (readings the job enriched, with their bands), which keeps the alarm episodes
 * and device silence per device and writes `alerts`, as the Node engine does after its own join.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import { Gauge } from 'prom-client';
import { systemClock, TOPICS, type Clock } from '@vitals/shared';
import { createKafkaClient } from '../kafka/client.js';
import { exitNonZero } from '../kafka/consumer-supervisor.js';
import { ensureTopicLike } from '../kafka/ensure-topic.js';
import { createLogger, type Logger } from '../logging.js';
import { healthPlugin } from '../http/health.js';
import { createMetricsRegistry, metricsPlugin } from '../http/metrics.js';
import { loadTlsOptions } from '../http/tls.js';
import { jobManagerClient, sqlGatewayClient } from '../flink/index.js';
import { submitEnricherJob, type EnricherJobOptions } from '../flink/enricher-job.js';
import { startManagedJob, type ManagedJob } from '../flink/job-lifecycle.js';
import { CHANGELOG_TOPIC_CONFIG } from './changelog.js';
import type { EnricherConfig } from './config.js';
import { createEnricherMetrics } from './metrics.js';
import { followReference, type FollowedReference } from './reference-follow.js';
import { startTransactionalRunner, type Runner } from './transactional-runner.js';

export interface FlinkEnricherDeps {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** The job ended by itself (default: exit the process non-zero). */
  readonly onFatal?: (err: Error) => void;
  /** Output topics other than the standard ones (tests). */
  readonly topics?: Pick<EnricherJobOptions, 'enrichedTopic' | 'dlqTopic' | 'alarmInputsTopic'> & {
    readonly alertsTopic?: string;
  };
}

export interface RunningFlinkEnricher {
  readonly port: number;
  readonly job: ManagedJob;
  /** The alarm stage's runner over `alarm-inputs`. */
  readonly alarms: Runner;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** The job's name on the cluster: one enricher job per consumer group. */
export function flinkEnricherJobName(config: Pick<EnricherConfig, 'groupId'>): string {
  return `${config.groupId}-flink`;
}

/** The alarm stage's consumer group (also its transactional id prefix); its changelog is `<group>-changelog`. */
export function flinkAlarmStageGroup(config: Pick<EnricherConfig, 'groupId'>): string {
  return `${flinkEnricherJobName(config)}-alarms`;
}

interface AlarmStage {
  readonly runner: Runner;
  readonly reference: FollowedReference;
}

/**
 * A consumer group that has committed nothing starts at the topic's end as it is now: the offsets are
 * committed before any member joins, so no record written after this call is skipped, however late the
 * group's first fetch.
 */
async function startNewGroupAtEnd(kafka: Kafka, groupId: string, topic: string, log: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    if (committed?.partitions.some((p) => Number(p.offset) >= 0)) return;
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
    log.info({ groupId, topic }, 'new alarm stage: starts at the end of its input');
  } finally {
    await admin.disconnect();
  }
}

/**
 * Starts the alarm stage before the job is submitted. A new stage starts at the end of `alarm-inputs` (old
 * inputs would raise alarms long over), and since it is pinned there before the job runs, it misses nothing
 * the job writes.
 */
async function startAlarmStage(
  config: EnricherConfig,
  topics: { alarmInputs: string; alerts: string; dlq: string },
  deps: { log: Logger; clock: Clock; registry: ReturnType<typeof createMetricsRegistry>; onFatal: (err: Error) => void },
): Promise<AlarmStage> {
  const { log, clock } = deps;
  const kafka = createKafkaClient(
    {
      brokers: config.kafkaBrokers,
      clientId: `${config.kafkaClientId}-enricher-alarms`,
      connectTimeoutMs: config.kafkaConnectTimeoutMs,
      requestTimeoutMs: config.kafkaRequestTimeoutMs,
    },
    log,
  );
  const group = flinkAlarmStageGroup(config);
  const changelogTopic = `${group}-changelog`;
  await ensureTopicLike(kafka, topics.alarmInputs, config.inputTopic, [{ name: 'retention.ms', value: String(86_400_000) }]);
  await ensureTopicLike(kafka, changelogTopic, topics.alarmInputs, CHANGELOG_TOPIC_CONFIG);
  await startNewGroupAtEnd(kafka, group, topics.alarmInputs, log);
  const reference = await followReference(kafka, config, group, { log, clock });
  try {
    const runner = await startTransactionalRunner(
      {
        groupId: group,
        inputTopic: topics.alarmInputs,
        changelogTopic,
        input: 'alarm-inputs',
        outputs: { alerts: topics.alerts, dlq: topics.dlq },
        // The job joined each reading once its reference data was in: nothing to hold or retry here.
        graceMs: 0,
        cdcMaxHoldMs: 0,
        dedupeWindowMs: config.dedupeWindowMs,
        deviceSilenceMs: config.deviceSilenceMs,
        tickMs: 250,
        maxWaitMs: config.commitIntervalMs,
        sessionTimeoutMs: config.sessionTimeoutMs,
        transactionTimeoutMs: config.transactionTimeoutMs,
        fromBeginning: true,
      },
      {
        kafka,
        state: reference.state,
        reference: reference.cdc,
        clock,
        log: log.child({ component: 'alarm-stage' }),
        metrics: createEnricherMetrics(deps.registry),
        onFatal: deps.onFatal,
      },
    );
    return { runner, reference };
  } catch (err) {
    await reference.close().catch(() => undefined);
    throw err;
  }
}

export async function startFlinkEnricher(config: EnricherConfig, deps: FlinkEnricherDeps = {}): Promise<RunningFlinkEnricher> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? createLogger({ level: config.logLevel, name: 'enricher' });
  const jm = jobManagerClient(config.flinkRestUrl);
  const gateway = sqlGatewayClient(config.flinkGatewayUrl);
  const name = flinkEnricherJobName(config);
  const registry = createMetricsRegistry({ service: 'enricher', engine: 'flink' });
  const jobUp = new Gauge({
    name: 'enricher_flink_job_running',
    help: 'The enricher Flink job is RUNNING (1) or not (0)',
    registers: [registry],
  });
  const checkpointAge = new Gauge({
    name: 'enricher_flink_checkpoint_age_seconds',
    help: 'Seconds since the enricher Flink job completed its latest checkpoint (its output is committed then)',
    registers: [registry],
  });

  const topics = {
    alarmInputs: deps.topics?.alarmInputsTopic ?? TOPICS.alarmInputs,
    alerts: deps.topics?.alertsTopic ?? TOPICS.alerts,
    dlq: deps.topics?.dlqTopic ?? TOPICS.readingsDlq,
  };
  const onFatal = deps.onFatal ?? exitNonZero;
  const stage = await startAlarmStage(config, topics, { log, clock, registry, onFatal });
  const job = await startManagedJob(
    {
      name,
      submit: (recoveryPath) =>
        submitEnricherJob(
          gateway,
          {
            jobName: name,
            kafkaBrokers: config.kafkaBrokers,
            groupId: name,
            transactionalIdPrefix: name,
            cdcTopicPrefix: config.cdcTopicPrefix,
            rawTopic: config.inputTopic,
            startFrom: config.fromBeginning ? 'earliest' : 'latest',
            ...(deps.topics?.enrichedTopic ? { enrichedTopic: deps.topics.enrichedTopic } : {}),
            dlqTopic: topics.dlq,
            alarmInputsTopic: topics.alarmInputs,
          },
          recoveryPath ? { recoveryPath } : {},
        ),
    },
    { jm, log, clock, onFatal },
  ).catch(async (err: unknown) => {
    await stage.runner.close().catch(() => undefined);
    await stage.reference.close().catch(() => undefined);
    throw err;
  });

  const app = Fastify({
    logger: false,
    https: loadTlsOptions({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile }) ?? null,
  });
  await app.register(metricsPlugin, { registry });
  await app.register(healthPlugin, {
    timeoutMs: 2_000,
    checks: {
      flinkJob: async () => {
        const s = await job.status();
        if (s.state !== 'RUNNING') throw new Error(`Flink job ${s.jobId} is ${s.state}`);
      },
    },
  });
  app.get('/api/status', async () => {
    const s = await job.status().catch(() => job.lastStatus);
    return {
      engine: 'flink',
      ready: s.state === 'RUNNING',
      job: {
        id: s.jobId,
        name,
        state: s.state,
        started: s.started,
        recoveredFrom: s.recoveredFrom ?? null,
        checkpoints: s.checkpoints,
        lastCheckpointAt: s.lastCheckpointAt ? new Date(s.lastCheckpointAt).toISOString() : null,
        lastCheckpointDurationMs: s.lastCheckpointDurationMs ?? null,
      },
      alarmStage: {
        group: flinkAlarmStageGroup(config),
        input: topics.alarmInputs,
        partitions: stage.runner.assigned,
        referenceEvents: stage.reference.cdc.events,
      },
    };
  });
  const refreshGauges = () => {
    const s = job.lastStatus;
    jobUp.set(s.state === 'RUNNING' ? 1 : 0);
    if (s.lastCheckpointAt) checkpointAge.set((clock.now() - s.lastCheckpointAt) / 1000);
  };
  refreshGauges();
  const gauges = clock.setInterval(refreshGauges, 1_000);
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: '0.0.0.0' });
  } catch (err) {
    clock.clearInterval(gauges);
    await job.close();
    await stage.runner.close().catch(() => undefined);
    await stage.reference.close().catch(() => undefined);
    throw err;
  }
  const port = Number(new URL(address).port);
  log.info({ port, job: name, jobId: job.jobId }, 'enricher started (Flink engine)');
  return {
    port,
    job,
    alarms: stage.runner,
    app,
    async close() {
      clock.clearInterval(gauges);
      await job.close();
      // After the job's last output is committed (its savepoint), so the stage has what it wrote.
      await stage.runner.close();
      await stage.reference.close();
      await app.close();
      log.info('enricher stopped (Flink engine)');
    },
  };
}
