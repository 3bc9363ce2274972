/** Prometheus metrics of the storage service (beside the HTTP ones of http/metrics.ts). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReadingsBatchResponse } from '@vitals/shared';
import type { BreakerState } from '../resilience/dependency-guard.js';

export interface StorageMetrics {
  /** Outcomes of an acknowledged batch. */
  recordBatch(endpoint: string, response: ReadingsBatchResponse, seconds: number): void;
  /** A batch that got no acknowledgement (503, 500). */
  recordFailedBatch(endpoint: string, code: string, seconds: number): void;
  breakerState(dependency: string, state: BreakerState): void;
  dependencyUp(dependency: string, up: boolean): void;
}

const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function createStorageMetrics(registry: Registry): StorageMetrics {
  const readings = new Counter({
    name: 'vitals_ingest_readings_total',
    help: 'Readings of answered ingest requests, by outcome (accepted, duplicate, rejected) and reject reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const batches = new Counter({
    name: 'vitals_ingest_batches_total',
    help: 'Ingest requests by endpoint and result (ok, or the error code)',
    labelNames: ['endpoint', 'result'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'vitals_ingest_batch_duration_seconds',
    help: 'Time from a batch arriving to its answer, PostgreSQL commit and Kafka acknowledgement included',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'vitals_dependency_breaker_state',
    help: 'Circuit breaker per dependency: 0 closed, 1 half-open, 2 open',
    labelNames: ['dependency'] as const,
    registers: [registry],
  });
  const up = new Gauge({
    name: 'vitals_dependency_up',
    help: 'Last readiness check per dependency: 1 reachable, 0 not',
    labelNames: ['dependency'] as const,
    registers: [registry],
  });
  for (const d of ['postgres', 'kafka']) breaker.set({ dependency: d }, 0);
  return {
    recordBatch(endpoint, r, seconds) {
      batches.inc({ endpoint, result: 'ok' });
      latency.observe({ endpoint }, seconds);
      if (r.accepted) readings.inc({ outcome: 'accepted', reason: '' }, r.accepted);
      if (r.duplicate) readings.inc({ outcome: 'duplicate', reason: '' }, r.duplicate);
      for (const o of r.results) if (o.status === 'rejected') readings.inc({ outcome: 'rejected', reason: o.reason ?? '' });
    },
    recordFailedBatch(endpoint, code, seconds) {
      batches.inc({ endpoint, result: code });
      latency.observe({ endpoint }, seconds);
    },
    breakerState: (dependency, state) => breaker.set({ dependency }, BREAKER_VALUES[state]),
    dependencyUp: (dependency, isUp) => up.set({ dependency }, isUp ? 1 : 0),
  };
}
