/**
 * Settings of the cloud services, read once at start-up. `cloudCommonSettings` are shared by every cloud
 * service (database, Kafka, auth, TLS, resilience); each service adds its own spec (`storageSettings`). Every
 * variable is listed in docs/configuration.md (a test checks).
 */
import { ConfigError, TOPICS, parse, readConfig, type ConfigOf } from '@vitals/shared';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const cloudCommonSettings = {
  databaseUrl: {
    env: 'DATABASE_URL',
    default: 'postgres://postgres@127.0.0.1:5432/vitals',
    doc: 'PostgreSQL connection URL of the platform database',
    parse: parse.url,
  },
  pgPoolMax: {
    env: 'PG_POOL_MAX',
    default: '10',
    doc: 'Connections in the PostgreSQL pool of a service',
    parse: parse.int(1, 200),
  },
  pgConnectTimeoutMs: {
    env: 'PG_CONNECT_TIMEOUT',
    default: '3s',
    doc: 'How long to wait for a PostgreSQL connection before the request fails with 503',
    parse: parse.duration,
  },
  pgStatementTimeoutMs: {
    env: 'PG_STATEMENT_TIMEOUT',
    default: '15s',
    doc: 'Server-side statement timeout of every pooled connection',
    parse: parse.duration,
  },
  kafkaBrokers: {
    env: 'KAFKA_BROKERS',
    default: '127.0.0.1:9092',
    doc: 'Kafka bootstrap servers, comma-separated',
    parse: parse.list,
  },
  kafkaClientId: { env: 'KAFKA_CLIENT_ID', default: 'vitals-cloud', doc: 'Kafka client id prefix', parse: parse.nonEmpty },
  kafkaConnectTimeoutMs: {
    env: 'KAFKA_CONNECT_TIMEOUT',
    default: '3s',
    doc: 'Kafka TCP connect timeout',
    parse: parse.duration,
  },
  kafkaRequestTimeoutMs: {
    env: 'KAFKA_REQUEST_TIMEOUT',
    default: '10s',
    doc: 'How long a produce waits for the acknowledgement of all in-sync replicas',
    parse: parse.duration,
  },
  logLevel: { env: 'LOG_LEVEL', default: 'info', doc: 'pino log level', parse: parse.oneOf(...LOG_LEVELS) },
  jwtSecret: {
    env: 'CLOUD_JWT_SECRET',
    default: '',
    doc: 'HS256 secret (at least 32 characters) for bearer JWTs; empty disables JWT authentication',
    parse: parse.string,
    secret: true,
  },
  jwtIssuer: { env: 'CLOUD_JWT_ISSUER', default: 'vitals', doc: 'Required `iss` claim of JWTs', parse: parse.nonEmpty },
  jwtAudience: {
    env: 'CLOUD_JWT_AUDIENCE',
    default: 'vitals-cloud',
    doc: 'Required `aud` claim of JWTs',
    parse: parse.nonEmpty,
  },
  tlsCertFile: {
    env: 'CLOUD_TLS_CERT_FILE',
    default: '',
    doc: 'PEM certificate (chain) file; with CLOUD_TLS_KEY_FILE every HTTP listener serves HTTPS',
    parse: parse.string,
  },
  tlsKeyFile: { env: 'CLOUD_TLS_KEY_FILE', default: '', doc: 'PEM private key file of the certificate', parse: parse.string },
  breakerThreshold: {
    env: 'CLOUD_BREAKER_THRESHOLD',
    default: '3',
    doc: 'Consecutive dependency failures that open its circuit breaker',
    parse: parse.int(1, 1000),
  },
  breakerHalfOpenAfterMs: {
    env: 'CLOUD_BREAKER_HALF_OPEN_AFTER',
    default: '5s',
    doc: 'How long an open breaker fails fast before letting one trial call through (also the Retry-After)',
    parse: parse.duration,
  },
  dependencyTimeoutMs: {
    env: 'CLOUD_DEPENDENCY_TIMEOUT',
    default: '15s',
    doc: 'Upper bound of one call to PostgreSQL or Kafka before it counts as failed',
    parse: parse.duration,
  },
} as const;

/**
 * Which engine runs the enricher's join and the analytics windows, and where the Flink session cluster answers
 * (the local stack starts it there with `--engine flink`; the enricher and analytics submit their jobs there).
 */
export const streamEngineSettings = {
  streamEngine: {
    env: 'STREAM_ENGINE',
    default: 'node',
    doc: 'Stream engine of the enricher and analytics: node (embedded processors, one box) or flink (SQL jobs on a Flink session cluster)',
    parse: parse.oneOf('node', 'flink'),
  },
  flinkRestUrl: {
    env: 'FLINK_REST_URL',
    default: 'http://127.0.0.1:8181',
    doc: 'REST address (and web UI) of the Flink JobManager; the local one listens there',
    parse: parse.url,
  },
  flinkGatewayUrl: {
    env: 'FLINK_SQL_GATEWAY_URL',
    default: 'http://127.0.0.1:8183',
    doc: 'REST address of the Flink SQL Gateway that jobs are submitted through; the local one listens there',
    parse: parse.url,
  },
} as const;

/** Retention and look-ahead of the day partitions of `readings` (storage service and `vitals db maintain`). */
export const readingsMaintenanceSettings = {
  readingsRetention: {
    env: 'READINGS_RETENTION',
    default: '90d',
    doc: 'How long reading partitions are kept (whole UTC days past this are dropped by the maintenance)',
    parse: parse.duration,
  },
  readingsPartitionsAhead: {
    env: 'READINGS_PARTITIONS_AHEAD',
    default: '7',
    doc: 'How many coming UTC days the maintenance creates reading partitions for',
    parse: parse.int(1, 366),
  },
} as const;

export const storageSettings = {
  ...readingsMaintenanceSettings,
  maintenanceIntervalMs: {
    env: 'STORAGE_MAINTENANCE_INTERVAL',
    default: '1h',
    doc: 'How often the storage service maintains the reading partitions (at start, then at this interval; one instance at a time); 0 = never (run `vitals db maintain` from a scheduler instead)',
    parse: parse.duration,
  },
  port: { env: 'STORAGE_PORT', default: '8080', doc: 'HTTP(S) port of the storage service', parse: parse.port },
  host: { env: 'STORAGE_HOST', default: '0.0.0.0', doc: 'Address the storage service listens on', parse: parse.nonEmpty },
  readingsTopic: {
    env: 'STORAGE_READINGS_TOPIC',
    default: TOPICS.rawReadings,
    doc: 'Kafka topic accepted readings are produced to (key: device id)',
    parse: parse.nonEmpty,
  },
  ingestBodyLimit: {
    env: 'STORAGE_INGEST_BODY_LIMIT',
    default: '8MiB',
    doc: 'Largest ingest body after gzip decompression; larger answers 413',
    parse: parse.bytes,
  },
  apiBodyLimit: {
    env: 'STORAGE_API_BODY_LIMIT',
    default: '256KiB',
    doc: 'Largest body of a reference-data request; larger answers 413',
    parse: parse.bytes,
  },
  maxBatchReadings: {
    env: 'STORAGE_MAX_BATCH_READINGS',
    default: '5000',
    doc: 'Most readings in one `POST /v1/readings:batch`; more answers 413',
    parse: parse.int(1, 100_000),
  },
  maxDirectReadings: {
    env: 'STORAGE_MAX_DIRECT_READINGS',
    default: '100',
    doc: 'Most readings in one `POST /v1/readings` (device posting directly); more answers 413',
    parse: parse.int(1, 10_000),
  },
  rateLimitMax: {
    env: 'STORAGE_RATE_LIMIT_MAX',
    default: '3000',
    doc: 'Requests one caller (API key, JWT subject, gateway) may make per window; beyond answers 429',
    parse: parse.int(1, 10_000_000),
  },
  rateLimitWindowMs: {
    env: 'STORAGE_RATE_LIMIT_WINDOW',
    default: '1m',
    doc: 'Window of the per-caller rate limit',
    parse: parse.duration,
  },
  readingMaxFutureSkewMs: {
    env: 'STORAGE_READING_MAX_FUTURE_SKEW',
    default: '5m',
    doc: 'How far in the future a measured-at time may be (clock skew) before FUTURE_TIMESTAMP',
    parse: parse.duration,
  },
  readingMaxAgeMs: {
    env: 'STORAGE_READING_MAX_AGE',
    default: '30d',
    doc: 'How old a measured-at time may be before STALE_TIMESTAMP',
    parse: parse.duration,
  },
  fhirBaseUrl: {
    env: 'FHIR_BASE_URL',
    default: '',
    doc: 'Public base URL of the FHIR API (fullUrl and paging links), e.g. https://vitals.example.org/fhir/r4; empty = from the request (Host, protocol)',
    parse: (raw: string) => (raw === '' ? '' : parse.url(raw).replace(/\/+$/, '')),
  },
  fhirDefaultCount: {
    env: 'FHIR_DEFAULT_COUNT',
    default: '50',
    doc: 'Entries per FHIR search page when the request has no `_count`',
    parse: parse.int(1, 1_000),
  },
  fhirMaxCount: {
    env: 'FHIR_MAX_COUNT',
    default: '1000',
    doc: 'Largest `_count` a FHIR search accepts; more answers 400 (OperationOutcome)',
    parse: parse.int(1, 10_000),
  },
  fhirMrnSystem: {
    env: 'FHIR_MRN_SYSTEM',
    default: 'urn:vitals:mrn',
    doc: "Identifier system prefix of patients' MRNs in FHIR; the system of a patient's MRN is `<prefix>:<customer id>`",
    parse: parse.nonEmpty,
  },
  docsEnabled: {
    env: 'STORAGE_DOCS_ENABLED',
    default: 'true',
    doc: 'Serve the OpenAPI document and Swagger UI at /docs',
    parse: parse.bool,
  },
} as const;

export type CloudCommonConfig = ConfigOf<typeof cloudCommonSettings>;
export type StorageConfig = ConfigOf<typeof cloudCommonSettings & typeof storageSettings>;

type Env = Readonly<Record<string, string | undefined>>;

/** Problems no single setting can see: settings that only make sense together. */
function crossChecks(c: CloudCommonConfig): string[] {
  const problems: string[] = [];
  if ((c.tlsCertFile === '') !== (c.tlsKeyFile === '')) {
    problems.push('CLOUD_TLS_CERT_FILE and CLOUD_TLS_KEY_FILE must be set together (or neither)');
  }
  if (c.jwtSecret !== '' && c.jwtSecret.length < 32) problems.push('CLOUD_JWT_SECRET must be at least 32 characters');
  return problems;
}

function storageChecks(c: StorageConfig): string[] {
  return c.fhirDefaultCount > c.fhirMaxCount ? ['FHIR_DEFAULT_COUNT must not exceed FHIR_MAX_COUNT'] : [];
}

export function loadCloudCommonConfig(
  env: Env,
  overrides: Partial<Record<keyof CloudCommonConfig, unknown>> = {},
): CloudCommonConfig {
  const config = readConfig(cloudCommonSettings, env, overrides);
  const problems = crossChecks(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export function loadStorageConfig(env: Env, overrides: Partial<Record<keyof StorageConfig, unknown>> = {}): StorageConfig {
  const config = readConfig({ ...cloudCommonSettings, ...storageSettings }, env, overrides);
  const problems = [...crossChecks(config), ...storageChecks(config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
