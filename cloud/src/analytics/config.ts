/**
 * Settings of the analytics service (beside the common cloud settings), read once at start-up. Every variable is
 * listed in docs/configuration.md (a test checks).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, TOPICS, parse, readConfig, type ConfigOf } from '@vitals/shared';
import { cloudCommonSettings, streamEngineSettings } from '../config.js';

/** The repository root: relative paths of settings resolve against it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const analyticsSettings = {
  port: {
    env: 'ANALYTICS_PORT',
    default: '8082',
    doc: 'HTTP(S) port of the analytics service (REST, WebSocket, health, metrics)',
    parse: parse.port,
  },
  host: { env: 'ANALYTICS_HOST', default: '0.0.0.0', doc: 'Address the analytics service listens on', parse: parse.nonEmpty },
  groupId: {
    env: 'ANALYTICS_GROUP_ID',
    default: 'vitals-analytics',
    doc: 'Kafka consumer group of the analytics instances; also the key of their stored offsets (one group per database)',
    parse: parse.nonEmpty,
  },
  inputTopic: {
    env: 'ANALYTICS_INPUT_TOPIC',
    default: TOPICS.enrichedReadings,
    doc: 'Topic of enriched readings the analytics consume (read_committed, keyed by patient id)',
    parse: parse.nonEmpty,
  },
  lateTopic: {
    env: 'ANALYTICS_LATE_TOPIC',
    default: TOPICS.lateReadings,
    doc: 'Topic that receives readings whose windows had all closed (at least once, key: patient id)',
    parse: parse.nonEmpty,
  },
  deadLetterTopic: {
    env: 'ANALYTICS_DLQ_TOPIC',
    default: TOPICS.readingsDlq,
    doc: 'Topic that receives input records that are not enriched readings (reason MALFORMED)',
    parse: parse.nonEmpty,
  },
  resultsTopic: {
    env: 'ANALYTICS_RESULTS_TOPIC',
    default: TOPICS.windowResults,
    doc: 'With STREAM_ENGINE=flink: topic of window rows the Flink job writes and this service applies to PostgreSQL',
    parse: parse.nonEmpty,
  },
  queriesFile: {
    env: 'ANALYTICS_QUERIES_FILE',
    default: 'docker/analytics/queries.json',
    doc: 'Window definitions (docs/analytics.md); a relative path resolves against the repository root',
    parse: (raw: string) => path.resolve(REPO_ROOT, parse.nonEmpty(raw)),
  },
  maxOutOfOrderMs: {
    env: 'ANALYTICS_MAX_OUT_OF_ORDER',
    default: '5s',
    doc: 'Out-of-orderness bound: a partition watermark is its latest measured-at time minus this',
    parse: parse.duration,
  },
  idleTimeoutMs: {
    env: 'ANALYTICS_IDLE_TIMEOUT',
    default: '30s',
    doc: 'A partition without input for this long advances its watermark by wall clock (now minus this and the bound)',
    parse: parse.duration,
  },
  maxFutureSkewMs: {
    env: 'ANALYTICS_MAX_FUTURE_SKEW',
    default: '5m',
    doc: 'A measured-at time further than this past the wall clock counts in its windows but moves the watermark only this far',
    parse: parse.duration,
  },
  tickIntervalMs: {
    env: 'ANALYTICS_TICK_INTERVAL',
    default: '1s',
    doc: 'How often idle partitions advance their watermark and department windows are checked for closing',
    parse: parse.duration,
  },
  maxBatchRecords: {
    env: 'ANALYTICS_MAX_BATCH_RECORDS',
    default: '5000',
    doc: 'Most input records in one PostgreSQL transaction (a larger fetch is split)',
    parse: parse.int(1, 1_000_000),
  },
  fetchWaitMs: {
    env: 'ANALYTICS_FETCH_WAIT',
    default: '100ms',
    doc: 'Longest wait of a Kafka fetch for more input; bounds the latency from a reading to its committed update',
    parse: parse.duration,
  },
  sessionTimeoutMs: {
    env: 'ANALYTICS_SESSION_TIMEOUT',
    default: '10s',
    doc: 'Consumer group session timeout: how soon the partitions of a dead instance move to the others',
    parse: parse.duration,
  },
  fromBeginning: {
    env: 'ANALYTICS_FROM_BEGINNING',
    default: 'true',
    doc: 'A partition with no stored offset starts at the beginning of the input topic (false: at its end)',
    parse: parse.bool,
  },
  retentionIntervalMs: {
    env: 'ANALYTICS_RETENTION_INTERVAL',
    default: '10m',
    doc: 'How often window rows older than their query’s retention are purged',
    parse: parse.duration,
  },
  notify: {
    env: 'ANALYTICS_NOTIFY',
    default: 'true',
    doc: 'Publish committed changes with PostgreSQL NOTIFY, so WebSocket clients of every instance see every change',
    parse: parse.bool,
  },
  wsMaxBufferedBytes: {
    env: 'ANALYTICS_WS_MAX_BUFFERED',
    default: '1MiB',
    doc: 'A WebSocket client with more than this unsent is dropped (close 4008, slow consumer)',
    parse: parse.bytes,
  },
  wsMaxSubscriptions: {
    env: 'ANALYTICS_WS_MAX_SUBSCRIPTIONS',
    default: '50',
    doc: 'Most subscriptions one WebSocket connection may hold',
    parse: parse.int(1, 10_000),
  },
  wsAuthTimeoutMs: {
    env: 'ANALYTICS_WS_AUTH_TIMEOUT',
    default: '10s',
    doc: 'How long a WebSocket without an Authorization header has to send its auth message',
    parse: parse.duration,
  },
  rateLimitMax: {
    env: 'ANALYTICS_RATE_LIMIT_MAX',
    default: '3000',
    doc: 'REST requests one caller may make per window; beyond answers 429',
    parse: parse.int(1, 10_000_000),
  },
  rateLimitWindowMs: {
    env: 'ANALYTICS_RATE_LIMIT_WINDOW',
    default: '1m',
    doc: 'Window of the per-caller rate limit of the analytics REST API',
    parse: parse.duration,
  },
  docsEnabled: {
    env: 'ANALYTICS_DOCS_ENABLED',
    default: 'true',
    doc: 'Serve the OpenAPI document and Swagger UI at /docs',
    parse: parse.bool,
  },
} as const;

export const analyticsConfigSettings = { ...cloudCommonSettings, ...streamEngineSettings, ...analyticsSettings };
export type AnalyticsConfig = ConfigOf<typeof analyticsConfigSettings>;

export function loadAnalyticsConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<AnalyticsConfig> = {},
): AnalyticsConfig {
  const config = readConfig(analyticsConfigSettings, env, overrides);
  const problems: string[] = [];
  if ((config.tlsCertFile === '') !== (config.tlsKeyFile === '')) {
    problems.push('CLOUD_TLS_CERT_FILE and CLOUD_TLS_KEY_FILE must be set together (or neither)');
  }
  if (config.jwtSecret !== '' && config.jwtSecret.length < 32) problems.push('CLOUD_JWT_SECRET must be at least 32 characters');
  if (config.tickIntervalMs < 10) problems.push('ANALYTICS_TICK_INTERVAL must be at least 10ms');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
