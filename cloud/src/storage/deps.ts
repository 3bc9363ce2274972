/**
 * Everything the storage application needs, built from config by `createStorageDeps` (server.ts wires them) and
 * injected into the app plugin, so tests can build the app around real adapters of their choosing.
 */
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { Clock } from '@vitals/shared';
import type { Authenticator } from '../auth/authenticator.js';
import type { StorageConfig } from '../config.js';
import type { ClusterProbe } from '../kafka/cluster-probe.js';
import type { IdempotentProducer } from '../kafka/idempotent-producer.js';
import type { Logger } from '../logging.js';
import type { DependencyGuard } from '../resilience/dependency-guard.js';
import type { IngestService } from './ingest/ingest-service.js';
import type { StorageMetrics } from './metrics.js';

export interface StorageDeps {
  readonly config: StorageConfig;
  readonly log: Logger;
  readonly clock: Clock;
  readonly pool: pg.Pool;
  readonly producer: IdempotentProducer;
  readonly kafkaProbe: ClusterProbe;
  /** Dependency guards (timeout + circuit breaker): every PostgreSQL and Kafka call of a request goes through one. */
  readonly pg: DependencyGuard;
  readonly kafka: DependencyGuard;
  readonly authenticator: Authenticator;
  readonly ingest: IngestService;
  readonly registry: Registry;
  readonly metrics: StorageMetrics;
}
