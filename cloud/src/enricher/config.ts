/** Settings of the enricher (beside the common cloud settings), read once at start-up. */
import { CDC_TOPIC_PREFIX, parse, readConfig, TOPICS, type ConfigOf } from '@vitals/shared';
import { cloudCommonSettings, streamEngineSettings } from '../config.js';

export const enricherSettings = {
  port: {
    env: 'ENRICHER_PORT',
    default: '8084',
    doc: 'HTTP port of the enricher (health, readiness, metrics)',
    parse: parse.port,
  },
  groupId: {
    env: 'ENRICHER_GROUP_ID',
    default: 'vitals-enricher',
    doc: 'Kafka consumer group of the enricher instances (also the transactional id prefix)',
    parse: parse.nonEmpty,
  },
  inputTopic: {
    env: 'ENRICHER_INPUT_TOPIC',
    default: 'raw-readings',
    doc: 'Topic of raw readings the enricher consumes (keyed by device id)',
    parse: parse.nonEmpty,
  },
  changelogTopic: {
    env: 'ENRICHER_CHANGELOG_TOPIC',
    default: 'vitals-enricher-changelog',
    doc: 'Compacted topic holding the enricher state (alarms, held readings, device liveness, offsets) per input partition',
    parse: parse.nonEmpty,
  },
  graceMs: {
    env: 'ENRICHER_GRACE',
    default: '5s',
    doc: 'How long a reading without a device or assignment is held for its reference data before it is dead-lettered',
    parse: parse.duration,
  },
  cdcMaxHoldMs: {
    env: 'ENRICHER_CDC_MAX_HOLD',
    default: '3s',
    doc: "Longest wait, from its arrival, for the CDC watermark (Debezium heartbeat) to reach a reading's measured-at time before it is joined with the reference data known; 0 joins at once",
    parse: parse.duration,
  },
  dedupeWindowMs: {
    env: 'ENRICHER_DEDUPE_WINDOW',
    default: '10m',
    doc: 'Window of input (by arrival) within which a repeated reading id is dropped as a duplicate; memory is about 100 bytes per reading in it',
    parse: parse.duration,
  },
  historyMs: {
    env: 'ENRICHER_HISTORY',
    default: '7d',
    doc: 'How long ended assignments and superseded rule versions are kept to enrich late readings',
    parse: parse.duration,
  },
  deviceSilenceMs: {
    env: 'ENRICHER_DEVICE_SILENCE',
    default: '2m',
    doc: 'A device assigned to a patient that sends nothing for this long raises a technical alert',
    parse: parse.duration,
  },
  commitIntervalMs: {
    env: 'ENRICHER_COMMIT_INTERVAL',
    default: '200ms',
    doc: 'Longest wait for more input before a batch is processed and committed (one transaction per batch)',
    parse: parse.duration,
  },
  sessionTimeoutMs: {
    env: 'ENRICHER_SESSION_TIMEOUT',
    default: '10s',
    doc: 'Consumer group session timeout: how soon the partitions of a dead instance move to the others',
    parse: parse.duration,
  },
  transactionTimeoutMs: {
    env: 'ENRICHER_TRANSACTION_TIMEOUT',
    default: '60s',
    doc: 'Kafka transaction timeout (well above a batch plus a restart)',
    parse: parse.duration,
  },
  cdcTopicPrefix: {
    env: 'ENRICHER_CDC_TOPIC_PREFIX',
    default: CDC_TOPIC_PREFIX,
    doc: 'Prefix of the Debezium topics of the reference tables the enricher follows (`<prefix>.public.<table>`)',
    parse: parse.nonEmpty,
  },
  referenceDlqTopic: {
    env: 'ENRICHER_REFERENCE_DLQ_TOPIC',
    default: TOPICS.referenceDlq,
    doc: 'Topic for reference changes the enricher cannot apply (dead letters keyed by their source offset)',
    parse: parse.nonEmpty,
  },
  fromBeginning: {
    env: 'ENRICHER_FROM_BEGINNING',
    default: 'true',
    doc: 'A new consumer group starts at the beginning of raw-readings (false: at the end)',
    parse: parse.bool,
  },
} as const;

export const enricherConfigSettings = { ...cloudCommonSettings, ...streamEngineSettings, ...enricherSettings };
export type EnricherConfig = ConfigOf<typeof enricherConfigSettings>;

export function loadEnricherConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<EnricherConfig> = {},
): EnricherConfig {
  return readConfig(enricherConfigSettings, env, overrides);
}
