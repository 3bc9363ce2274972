/**
 * Everything the analytics application plugin needs, built by `server.ts` from config and injected, so the
 * plugin does no I/O until a request comes and tests can build it around adapters of their choosing.
 */
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { Clock } from '@vitals/shared';
import type { Authenticator } from '../auth/authenticator.js';
import type { ClusterProbe } from '../kafka/cluster-probe.js';
import type { Logger } from '../logging.js';
import type { DependencyGuard } from '../resilience/dependency-guard.js';
import type { AnalyticsConfig } from './config.js';
import type { PartitionStatus } from './kafka/consumer-runner.js';
import type { AnalyticsMetrics } from './metrics.js';
import type { ChangeHub } from './push/change-hub.js';
import type { WindowQuery } from './queries/compile.js';
import type { WindowReader } from './read/window-reader.js';

export interface AnalyticsStatus {
  readonly instance: string;
  readonly consuming: boolean;
  readonly listening: boolean;
  readonly partitions: readonly PartitionStatus[];
  readonly engine: 'node' | 'flink';
  /** With the Flink engine: the windows job, as last seen by its watch. */
  readonly job?: {
    readonly id: string;
    readonly name: string;
    readonly state: string;
    readonly started: string;
    readonly checkpoints: number;
    readonly lastCheckpointAt: string | null;
  };
}

export interface AnalyticsDeps {
  readonly config: AnalyticsConfig;
  readonly log: Logger;
  readonly clock: Clock;
  readonly pool: pg.Pool;
  /** Every PostgreSQL call of a request goes through it (timeout + breaker: 503 when down). */
  readonly pg: DependencyGuard;
  readonly kafkaProbe: ClusterProbe;
  readonly authenticator: Authenticator;
  readonly registry: Registry;
  readonly metrics: AnalyticsMetrics;
  readonly queries: readonly WindowQuery[];
  readonly reader: WindowReader;
  readonly hub: ChangeHub;
  readonly status: () => AnalyticsStatus;
}
