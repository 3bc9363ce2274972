/**
 * Everything the configuration service's HTTP app needs, built by server.ts from config (or by a test around
 * real adapters of its choosing) and injected into the app plugin.
 */
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { Clock } from '@vitals/shared';
import type { Authenticator } from '../auth/authenticator.js';
import type { Logger } from '../logging.js';
import type { DependencyGuard } from '../resilience/dependency-guard.js';
import type { ConfigServiceConfig } from './config.js';
import type { ConfigServiceMetrics } from './metrics.js';
import type { ConfigTransport } from './mqtt/transport.js';
import type { Publisher } from './sync/publisher.js';
import type { Reconciler } from './sync/reconciler.js';

export interface ConfigServiceDeps {
  readonly config: ConfigServiceConfig;
  readonly log: Logger;
  readonly clock: Clock;
  readonly pool: pg.Pool;
  /** Every PostgreSQL call of a request goes through it (timeout + circuit breaker, 503 when down). */
  readonly pg: DependencyGuard;
  readonly authenticator: Authenticator;
  readonly registry: Registry;
  readonly metrics: ConfigServiceMetrics;
  readonly transport: ConfigTransport;
  readonly publisher: Publisher;
  readonly reconciler: Reconciler;
  /** Whether the change listener is connected (readiness). */
  readonly listening: () => boolean;
}
