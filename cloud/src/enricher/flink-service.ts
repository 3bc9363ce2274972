/**
 * The enricher with `STREAM_ENGINE=flink`: the join runs as the Flink SQL job `docker/flink/enricher.sql` on
 * the session cluster; this service owns that job (submits or resumes it, watches it, stops it with a
 * savepoint) and reports it on its HTTP port: `/readyz` while the job runs, `/api/status` and `/metrics` with
 * the job's state and checkpoint age.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { systemClock, type Clock } from '@vitals/shared';
import { exitNonZero } from '../kafka/consumer-supervisor.js';
import { createLogger, type Logger } from '../logging.js';
import { healthPlugin } from '../http/health.js';
import { createMetricsRegistry, metricsPlugin } from '../http/metrics.js';
import { loadTlsOptions } from '../http/tls.js';
import { jobManagerClient, sqlGatewayClient } from '../flink/index.js';
import { submitEnricherJob, type EnricherJobOptions } from '../flink/enricher-job.js';
import { startManagedJob, type ManagedJob } from '../flink/job-lifecycle.js';
import type { EnricherConfig } from './config.js';

export interface FlinkEnricherDeps {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** The job ended by itself (default: exit the process non-zero). */
  readonly onFatal?: (err: Error) => void;
  /** Output topics other than the standard ones (tests). */
  readonly topics?: Pick<EnricherJobOptions, 'enrichedTopic' | 'dlqTopic'>;
}

export interface RunningFlinkEnricher {
  readonly port: number;
  readonly job: ManagedJob;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** The job's name on the cluster: one enricher job per consumer group. */
export function flinkEnricherJobName(config: Pick<EnricherConfig, 'groupId'>): string {
  return `${config.groupId}-flink`;
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
            ...deps.topics,
          },
          recoveryPath ? { recoveryPath } : {},
        ),
    },
    { jm, log, clock, onFatal: deps.onFatal ?? exitNonZero },
  );

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
    throw err;
  }
  const port = Number(new URL(address).port);
  log.info({ port, job: name, jobId: job.jobId }, 'enricher started (Flink engine)');
  return {
    port,
    job,
    app,
    async close() {
      clock.clearInterval(gauges);
      await job.close();
      await app.close();
      log.info('enricher stopped (Flink engine)');
    },
  };
}
