/** Kafka topic names and their shapes: the one place that names them. */

export const TOPICS = Object.freeze({
  /** Readings as ingested, key: device id, value: `Reading` JSON. */
  rawReadings: 'raw-readings',
  /** Readings joined with reference data, key: patient id, value: `EnrichedReading` JSON. */
  enrichedReadings: 'enriched-readings',
  /**
   * Live enriched readings with the alarm bands in force, key: device id, value: `AlarmInput` JSON
   * (cloud/src/enricher/alarm-input.ts). Written by the Flink enricher job (STREAM_ENGINE=flink); the enricher
   * service's alarm stage turns them into `alerts`, as the Node engine does in its join.
   */
  alarmInputs: 'alarm-inputs',
  /** Alert lifecycle events, key: patient id, value: `AlertEvent` JSON. */
  alerts: 'alerts',
  /** Records that could not be processed, with the reason, key: original key, value: `DeadLetter` JSON. */
  readingsDlq: 'readings-dlq',
  /** Readings that arrived after their window closed, key: patient id, value: `EnrichedReading` JSON. */
  lateReadings: 'late-readings',
  /**
   * Window rows of the Flink analytics job (STREAM_ENGINE=flink), upsert-keyed by (query, group, metric, window
   * start), value: the row as JSON; the analytics service applies them to PostgreSQL.
   */
  windowResults: 'window-results',
  /**
   * Reference changes (Debezium records) the enricher could not apply, with the reason, key: the source
   * `topic/partition/offset`, value: `DeadLetter` JSON. Compacted by that key: the enricher reads the reference
   * topics from their beginning at every start and writes the same letters again, which compaction folds.
   */
  referenceDlq: 'reference-dlq',
});

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Debezium's topic prefix for our reference tables. */
export const CDC_TOPIC_PREFIX = 'db-changes';

/**
 * Tables captured by Debezium (never readings): the reference tables, in bootstrap order, and the heartbeat row
 * whose `beat_at` tells consumers how far the reference topics are complete (migration V8).
 */
export const CDC_TABLES = [
  'customers',
  'departments',
  'beds',
  'patients',
  'devices',
  'gateways',
  'device_assignments',
  'alert_thresholds',
  'device_settings',
  'cdc_heartbeat',
] as const;
export type CdcTable = (typeof CDC_TABLES)[number];

/** `db-changes.public.<table>` */
export function cdcTopic(table: CdcTable, schema = 'public', prefix = CDC_TOPIC_PREFIX): string {
  return `${prefix}.${schema}.${table}`;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

/** Topic layout the stack creates (docker-compose uses the same list through `vitals stack topics`). */
export function topicSpecs(opts: { readingPartitions?: number } = {}): TopicSpec[] {
  const p = opts.readingPartitions ?? 6;
  const week = String(7 * 24 * 3_600_000);
  return [
    { name: TOPICS.rawReadings, partitions: p, config: { 'retention.ms': week } },
    { name: TOPICS.enrichedReadings, partitions: p, config: { 'retention.ms': week } },
    { name: TOPICS.alarmInputs, partitions: p, config: { 'retention.ms': String(24 * 3_600_000) } },
    { name: TOPICS.alerts, partitions: 3, config: { 'retention.ms': week } },
    { name: TOPICS.readingsDlq, partitions: 3, config: { 'retention.ms': String(30 * 24 * 3_600_000) } },
    { name: TOPICS.lateReadings, partitions: 3, config: { 'retention.ms': week } },
    { name: TOPICS.windowResults, partitions: p, config: { 'retention.ms': week } },
    { name: TOPICS.referenceDlq, partitions: 1, config: { 'cleanup.policy': 'compact' } },
    ...CDC_TABLES.map((t) => ({
      name: cdcTopic(t),
      partitions: 1,
      config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(24 * 3_600_000) },
    })),
  ];
}
