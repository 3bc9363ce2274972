/**
 * The enricher's Flink SQL job: `docker/flink/enricher.sql` rendered with the topics, brokers and the metric
 * catalog, and submitted through the SQL Gateway as one statement set (one job).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TOPICS } from '@vitals/shared';
import { catalogSqlValues } from './catalog-sql.js';
import { submitSqlJob } from './sql-job.js';
import { renderSql, splitStatements } from './sql-script.js';
import type { SqlGatewayClient } from './sql-gateway.js';

export const ENRICHER_SQL_FILE = fileURLToPath(new URL('../../../docker/flink/enricher.sql', import.meta.url));

/** The measuredAt spellings the job reads: ISO-8601 with seconds, an optional fraction, Z or an offset. */
export const ISO_INSTANT_PATTERN = String.raw`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`;

export interface EnricherJobOptions {
  readonly jobName: string;
  readonly kafkaBrokers: readonly string[];
  /** Consumer group of the job's Kafka sources (offsets are in its checkpoints; the group is for lag). */
  readonly groupId: string;
  /** Prefix of the sinks' transactional ids: unique per job. */
  readonly transactionalIdPrefix: string;
  readonly cdcTopicPrefix: string;
  readonly rawTopic?: string;
  readonly enrichedTopic?: string;
  readonly dlqTopic?: string;
  /** Live enriched readings with their bands, keyed by device, for the alarm stage (`alarm-input.ts`). */
  readonly alarmInputsTopic?: string;
  /** Where a first run starts reading raw-readings. */
  readonly startFrom: 'earliest' | 'latest';
  readonly idleTimeout?: string;
  readonly outOfOrderSeconds?: number;
}

export function enricherSqlValues(o: EnricherJobOptions): Record<string, string | number> {
  return {
    ...catalogSqlValues(),
    JOB_NAME: o.jobName,
    KAFKA_BROKERS: o.kafkaBrokers.join(','),
    GROUP_ID: o.groupId,
    TX_PREFIX: o.transactionalIdPrefix,
    CDC_PREFIX: o.cdcTopicPrefix,
    RAW_TOPIC: o.rawTopic ?? TOPICS.rawReadings,
    ENRICHED_TOPIC: o.enrichedTopic ?? TOPICS.enrichedReadings,
    DLQ_TOPIC: o.dlqTopic ?? TOPICS.readingsDlq,
    ALARM_INPUTS_TOPIC: o.alarmInputsTopic ?? TOPICS.alarmInputs,
    START_FROM: o.startFrom,
    IDLE_TIMEOUT: o.idleTimeout ?? '2 s',
    READING_OUT_OF_ORDER_SECONDS: o.outOfOrderSeconds ?? 5,
    ISO_INSTANT_PATTERN: ISO_INSTANT_PATTERN,
  };
}

/** The job's statements, ready for the SQL Gateway. */
export async function enricherStatements(o: EnricherJobOptions, file = ENRICHER_SQL_FILE): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return splitStatements(renderSql(file, text, enricherSqlValues(o)));
}

/**
 * Submits the job. `recoveryPath` (a checkpoint or savepoint) resumes it with its state and source offsets.
 * Returns the job id.
 */
export async function submitEnricherJob(
  gateway: SqlGatewayClient,
  o: EnricherJobOptions,
  opts: { recoveryPath?: string } = {},
): Promise<string> {
  return submitSqlJob(gateway, ENRICHER_SQL_FILE, await enricherStatements(o), o.jobName, opts.recoveryPath);
}
