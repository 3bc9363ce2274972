/**
 * Runs the storage service: reads nothing itself (config comes in), builds the adapters (PostgreSQL pool, Kafka
 * producer, guards), the fastify server (TLS when configured), listens, and closes everything in order on
 * `close()`: stop accepting, finish in-flight requests, then Kafka and PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '@vitals/shared';
import { createAuthenticator } from '../auth/authenticator.js';
import { createPgCredentialStore } from '../auth/credential-store.js';
import { createJwtVerifier } from '../auth/jwt.js';
import type { StorageConfig } from '../config.js';
import { isPgUnavailable } from '../db/pg-errors.js';
import { createPgPool } from '../db/pool.js';
import { createMetricsRegistry } from '../http/metrics.js';
import { loadTlsOptions, type TlsOptions } from '../http/tls.js';
import { createKafkaClient, isKafkaUnavailable } from '../kafka/client.js';
import { createClusterProbe } from '../kafka/cluster-probe.js';
import { createIdempotentProducer } from '../kafka/idempotent-producer.js';
import { createLogger, type Logger } from '../logging.js';
import { createDependencyGuard } from '../resilience/dependency-guard.js';
import storageApp from './app.js';
import type { StorageDeps } from './deps.js';
import { createIngestService } from './ingest/ingest-service.js';
import { createKafkaReadingPublisher } from './ingest/kafka-reading-publisher.js';
import { createPgReadingStore } from './ingest/pg-reading-store.js';
import { startReadingsMaintenance, type ReadingsMaintenanceJob } from './readings-maintenance-job.js';
import { createStorageMetrics } from './metrics.js';

export interface RunningService {
  /** `http(s)://host:port` the service listens on. */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** The adapters of the service, unconnected (connections open on first use). */
export function createStorageDeps(config: StorageConfig, log: Logger, clock: Clock = systemClock): StorageDeps {
  const registry = createMetricsRegistry({ service: 'storage' });
  const metrics = createStorageMetrics(registry);
  const pool = createPgPool(
    {
      url: config.databaseUrl,
      max: config.pgPoolMax,
      connectTimeoutMs: config.pgConnectTimeoutMs,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      applicationName: 'vitals-storage',
    },
    log,
  );
  const kafka = createKafkaClient(
    {
      brokers: config.kafkaBrokers,
      clientId: `${config.kafkaClientId}-storage`,
      connectTimeoutMs: config.kafkaConnectTimeoutMs,
      requestTimeoutMs: config.kafkaRequestTimeoutMs,
    },
    log,
  );
  const producer = createIdempotentProducer(kafka, { log, ackTimeoutMs: config.kafkaRequestTimeoutMs });
  const kafkaProbe = createClusterProbe(kafka, config.kafkaConnectTimeoutMs + 2_000);
  const guard = (name: string, isUnavailable: (err: unknown) => boolean) =>
    createDependencyGuard({
      name,
      isUnavailable,
      threshold: config.breakerThreshold,
      halfOpenAfterMs: config.breakerHalfOpenAfterMs,
      timeoutMs: config.dependencyTimeoutMs,
      clock,
      onStateChange: (state) => {
        metrics.breakerState(name, state);
        log.warn({ dependency: name, state }, `circuit breaker of ${name} is ${state}`);
      },
    });
  const pg = guard('postgres', isPgUnavailable);
  const kafkaGuard = guard('kafka', isKafkaUnavailable);
  const authenticator = createAuthenticator({
    store: createPgCredentialStore(pool),
    jwt:
      config.jwtSecret === ''
        ? undefined
        : createJwtVerifier({ secret: config.jwtSecret, issuer: config.jwtIssuer, audience: config.jwtAudience, clock }),
    guard: pg,
  });
  const ingest = createIngestService({
    store: createPgReadingStore(pool),
    publisher: createKafkaReadingPublisher(producer, config.readingsTopic),
    pg,
    kafka: kafkaGuard,
    clock,
    limits: { maxFutureSkewMs: config.readingMaxFutureSkewMs, maxAgeMs: config.readingMaxAgeMs },
  });
  return { config, log, clock, pool, producer, kafkaProbe, pg, kafka: kafkaGuard, authenticator, ingest, registry, metrics };
}

export async function closeStorageDeps(deps: StorageDeps): Promise<void> {
  await deps.producer.close();
  await deps.kafkaProbe.close();
  await deps.pool.end();
}

/** The fastify server with the storage app registered (not listening). `deps` are closed with the server. */
export function buildStorageServer(deps: StorageDeps, tls?: TlsOptions): FastifyInstance {
  const options = {
    loggerInstance: deps.log,
    bodyLimit: deps.config.apiBodyLimit,
    exposeHeadRoutes: false,
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle' as const,
    return503OnClosing: true,
    ...(tls ? { https: { ...tls } } : {}),
  };
  const app = Fastify(options) as unknown as FastifyInstance;
  app.register(storageApp, { deps });
  let maintenance: ReadingsMaintenanceJob | undefined;
  app.addHook('onReady', async () => {
    maintenance = startReadingsMaintenance({
      pool: deps.pool,
      clock: deps.clock,
      log: deps.log,
      intervalMs: deps.config.maintenanceIntervalMs,
      partitionsAhead: deps.config.readingsPartitionsAhead,
      retentionMs: deps.config.readingsRetention,
    });
  });
  app.addHook('onClose', async () => {
    await maintenance?.stop();
    await closeStorageDeps(deps);
  });
  return app;
}

export async function startStorage(config: StorageConfig, o: { log?: Logger; clock?: Clock } = {}): Promise<RunningService> {
  const log = o.log ?? createLogger({ level: config.logLevel, name: 'storage' });
  const tls = loadTlsOptions({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile });
  const deps = createStorageDeps(config, log, o.clock);
  const app = buildStorageServer(deps, tls);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  // Connect the producer now, so the first batch does not pay for it; a Kafka that is down is not fatal: the
  // service starts not-ready (readyz) and ingest answers 503 until Kafka is back.
  deps.producer
    .connect()
    .catch((err: unknown) => log.warn({ err }, 'Kafka is not reachable yet; ingest answers 503 until it is'));
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return { url: `${tls ? 'https' : 'http'}://${host}:${port}`, app, close: () => app.close() };
}
