/**
 * The analytics Flink SQL job: `docker/analytics/queries.sql` (generated from the window definitions by
 * `analytics-sql.ts`) rendered with the topics, brokers and bound, and submitted through the SQL Gateway as one
 * statement set (one job).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ISO_INSTANT_PATTERN } from './enricher-job.js';
import { submitSqlJob } from './sql-job.js';
import { renderSql, splitStatements } from './sql-script.js';
import type { SqlGatewayClient } from './sql-gateway.js';

export const ANALYTICS_SQL_FILE = fileURLToPath(new URL('../../../docker/analytics/queries.sql', import.meta.url));

export interface AnalyticsJobOptions {
  readonly jobName: string;
  readonly kafkaBrokers: readonly string[];
  /** Consumer group of the job's Kafka source (offsets are in its checkpoints; the group is for lag). */
  readonly groupId: string;
  /** Prefix of the sinks' transactional ids: unique per job. */
  readonly transactionalIdPrefix: string;
  readonly inputTopic: string;
  readonly resultsTopic: string;
  readonly lateTopic: string;
  readonly dlqTopic: string;
  /** Where a first run starts reading its input. */
  readonly startFrom: 'earliest' | 'latest';
  readonly maxOutOfOrderMs: number;
  /** A partition without input for this long stops holding back the job's watermark (default 30 s). */
  readonly idleTimeout?: string;
  /** The SQL file (default: the generated `docker/analytics/queries.sql`). */
  readonly file?: string;
}

export function analyticsSqlValues(o: AnalyticsJobOptions): Record<string, string | number> {
  return {
    JOB_NAME: o.jobName,
    KAFKA_BROKERS: o.kafkaBrokers.join(','),
    GROUP_ID: o.groupId,
    TX_PREFIX: o.transactionalIdPrefix,
    INPUT_TOPIC: o.inputTopic,
    RESULTS_TOPIC: o.resultsTopic,
    LATE_TOPIC: o.lateTopic,
    DLQ_TOPIC: o.dlqTopic,
    START_FROM: o.startFrom,
    OUT_OF_ORDER_MS: o.maxOutOfOrderMs,
    IDLE_TIMEOUT: o.idleTimeout ?? '30 s',
    ISO_INSTANT_PATTERN,
  };
}

export async function analyticsStatements(o: AnalyticsJobOptions): Promise<string[]> {
  const file = o.file ?? ANALYTICS_SQL_FILE;
  return splitStatements(renderSql(file, await readFile(file, 'utf8'), analyticsSqlValues(o)));
}

/** Submits the job (from `recoveryPath` when given); returns its id. */
export async function submitAnalyticsJob(
  gateway: SqlGatewayClient,
  o: AnalyticsJobOptions,
  opts: { recoveryPath?: string } = {},
): Promise<string> {
  return submitSqlJob(gateway, o.file ?? ANALYTICS_SQL_FILE, await analyticsStatements(o), o.jobName, opts.recoveryPath);
}
