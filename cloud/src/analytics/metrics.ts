/** Prometheus metrics of the analytics service, on the service's registry (`/metrics`). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StepReport } from './engine/partition-task.js';

export interface AnalyticsMetrics {
  observeStep(r: StepReport, now: number): void;
  reload(fenced: boolean): void;
  conflicts(n: number): void;
  assigned(n: number): void;
  departmentsClosed(n: number): void;
  retentionDeleted(n: number): void;
  readonly consumerCrashes: Counter<'restarted'>;
  readonly wsClients: Gauge;
  readonly wsSubscriptions: Gauge;
  readonly wsMessages: Counter;
  readonly wsDropped: Counter<'reason'>;
  readonly listenerGaps: Counter;
}

export function createAnalyticsMetrics(registry: Registry): AnalyticsMetrics {
  const registers = [registry];
  const readings = new Counter({
    name: 'vitals_analytics_readings_total',
    help: 'Input records by outcome: accepted (in at least one window), late (for some query), ignored (no query takes the metric), malformed',
    labelNames: ['outcome'] as const,
    registers,
  });
  const late = new Counter({
    name: 'vitals_analytics_late_total',
    help: 'Readings that arrived after every window of a query containing them had closed (sent to late-readings), by query',
    labelNames: ['query'] as const,
    registers,
  });
  const drops = new Counter({
    name: 'vitals_analytics_window_drops_total',
    help: 'Readings left out of one closed hopping window while other windows of the query took them, by query',
    labelNames: ['query'] as const,
    registers,
  });
  const commits = new Counter({
    name: 'vitals_analytics_commits_total',
    help: 'PostgreSQL commits, by kind (batch, idle)',
    labelNames: ['kind'] as const,
    registers,
  });
  const commitSeconds = new Histogram({
    name: 'vitals_analytics_step_seconds',
    help: 'Time of one step: windowing, late publishing and the PostgreSQL commit',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const rows = new Counter({
    name: 'vitals_analytics_rows_written_total',
    help: 'Window rows written (merged or closed)',
    registers,
  });
  const finals = new Counter({
    name: 'vitals_analytics_windows_closed_total',
    help: 'Windows made final',
    labelNames: ['group'] as const,
    registers,
  });
  const watermarkLag = new Gauge({
    name: 'vitals_analytics_watermark_lag_seconds',
    help: 'Wall clock minus the watermark of each assigned partition',
    labelNames: ['partition'] as const,
    registers,
  });
  const partitions = new Gauge({
    name: 'vitals_analytics_partitions',
    help: 'Input partitions assigned to this instance',
    registers,
  });
  const reloads = new Counter({
    name: 'vitals_analytics_partition_reloads_total',
    help: 'Partitions rebuilt from PostgreSQL after a failed step, by cause (fenced: another instance had committed it)',
    labelNames: ['cause'] as const,
    registers,
  });
  const conflicts = new Counter({
    name: 'vitals_analytics_final_conflicts_total',
    help: 'Window deltas refused because the window was already final (must stay 0; non-zero means mis-keyed input)',
    registers,
  });
  const retention = new Counter({
    name: 'vitals_analytics_retention_deleted_total',
    help: 'Window rows purged past retention',
    registers,
  });
  return {
    observeStep(r, now) {
      commits.inc({ kind: r.kind });
      commitSeconds.observe(r.seconds);
      rows.inc(r.rows);
      if (r.finals > 0) finals.inc({ group: 'patient' }, r.finals);
      if (r.result) {
        const x = r.result;
        readings.inc({ outcome: 'accepted' }, x.accepted);
        readings.inc({ outcome: 'ignored' }, x.ignored);
        readings.inc({ outcome: 'malformed' }, x.malformed.length);
        readings.inc({ outcome: 'late' }, x.late.length);
        for (const [q, n] of x.lateByQuery) late.inc({ query: q }, n);
        for (const [q, n] of x.drops) drops.inc({ query: q }, n);
      }
      const wm = r.position.eventTime.watermark;
      if (wm !== null) watermarkLag.set({ partition: String(r.partition) }, (now - wm) / 1000);
    },
    reload(fenced) {
      reloads.inc({ cause: fenced ? 'fenced' : 'failure' });
    },
    conflicts(n) {
      conflicts.inc(n);
    },
    assigned(n) {
      partitions.set(n);
    },
    departmentsClosed(n) {
      finals.inc({ group: 'department' }, n);
    },
    retentionDeleted(n) {
      retention.inc(n);
    },
    consumerCrashes: new Counter({
      name: 'vitals_analytics_consumer_crashes_total',
      help: 'Crashes of the enriched-readings consumer, by who restarted it (kafkajs, supervisor, gave-up: the service exits)',
      labelNames: ['restarted'] as const,
      registers,
    }),
    wsClients: new Gauge({ name: 'vitals_analytics_ws_clients', help: 'Open WebSocket connections', registers }),
    wsSubscriptions: new Gauge({ name: 'vitals_analytics_ws_subscriptions', help: 'Active WebSocket subscriptions', registers }),
    wsMessages: new Counter({
      name: 'vitals_analytics_ws_messages_total',
      help: 'Row messages sent to WebSocket clients',
      registers,
    }),
    wsDropped: new Counter({
      name: 'vitals_analytics_ws_dropped_total',
      help: 'WebSocket connections closed by the server, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    listenerGaps: new Counter({
      name: 'vitals_analytics_listener_gaps_total',
      help: 'Times the NOTIFY listener lost its connection (changes of other instances may have been missed)',
      registers,
    }),
  };
}
