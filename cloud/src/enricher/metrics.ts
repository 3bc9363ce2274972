/** The enricher's Prometheus metrics. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Effects } from './partition-processor.js';

export interface EnricherMetrics {
  readonly partitions: Gauge;
  readonly held: Gauge;
  readonly transactionFailures: Counter;
  readonly referenceEvents: Gauge;
  readonly watermarkLag: Gauge;
  readonly watermarkWait: Histogram;
  readonly unconfirmedJoins: Counter;
  readonly consumerCrashes: Counter;
  observeCommit(fx: Effects, seconds: number): void;
}

export function createEnricherMetrics(registry: Registry): EnricherMetrics {
  const readings = new Counter({
    name: 'enricher_readings_total',
    help: 'Raw readings by outcome (enriched, duplicate, held for the grace period)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'enricher_dead_letters_total',
    help: 'Records sent to readings-dlq, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const alerts = new Counter({ name: 'enricher_alert_events_total', help: 'Alert events emitted', registers: [registry] });
  const transactions = new Histogram({
    name: 'enricher_transaction_seconds',
    help: 'Duration of committed Kafka transactions',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    partitions: new Gauge({
      name: 'enricher_partitions_assigned',
      help: 'Input partitions owned by this instance',
      registers: [registry],
    }),
    held: new Gauge({ name: 'enricher_held_readings', help: 'Readings held for the grace period', registers: [registry] }),
    transactionFailures: new Counter({
      name: 'enricher_transaction_failures_total',
      help: 'Transactions that failed and caused a partition rebuild',
      registers: [registry],
    }),
    referenceEvents: new Gauge({
      name: 'enricher_reference_events',
      help: 'Reference change events applied since start',
      registers: [registry],
    }),
    watermarkLag: new Gauge({
      name: 'enricher_cdc_watermark_lag_seconds',
      help: 'How far the CDC watermark (last heartbeat applied) is behind the wall clock',
      registers: [registry],
    }),
    watermarkWait: new Histogram({
      name: 'enricher_cdc_watermark_wait_seconds',
      help: 'How long a batch of readings measured after the CDC watermark waited for it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    unconfirmedJoins: new Counter({
      name: 'enricher_unconfirmed_joins_total',
      help: 'Readings joined after their longest hold without the CDC watermark reaching their measured-at time',
      registers: [registry],
    }),
    consumerCrashes: new Counter({
      name: 'enricher_consumer_crashes_total',
      help: 'Crashes of the raw-readings consumer, by who restarted it (kafkajs, supervisor, gave-up: the service exits)',
      labelNames: ['restarted'],
      registers: [registry],
    }),
    observeCommit(fx, seconds) {
      const c = fx.counts;
      if (c.enriched) readings.inc({ outcome: 'enriched' }, c.enriched);
      if (c.duplicates) readings.inc({ outcome: 'duplicate' }, c.duplicates);
      if (c.held) readings.inc({ outcome: 'held' }, c.held);
      for (const [reason, n] of Object.entries(c.deadLettered)) if (n) deadLetters.inc({ reason }, n);
      if (c.alerts) alerts.inc(c.alerts);
      transactions.observe(seconds);
    },
  };
}
