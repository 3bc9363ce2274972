/**
 * The periodic work of an instance, on the injected clock: closing department windows (when every partition's
 * stored watermark passed them; any instance may, one at a time) and purging rows past retention.
 */
import type { Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import type { AnalyticsMetrics } from './metrics.js';
import type { ChangeListener, WindowSink } from './sink/ports.js';

export interface MaintenanceDeps {
  readonly sink: WindowSink;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: AnalyticsMetrics;
  /** Rows closed here, after their commit. */
  readonly onChanges: ChangeListener;
}

export function startMaintenance(
  d: MaintenanceDeps,
  o: { tickMs: number; retentionIntervalMs: number; closeDepartments?: boolean },
): { stop(): void } {
  let closing = false;
  const closer = d.clock.setInterval(() => {
    // With the Flink engine the job closes every window itself.
    if (closing || o.closeDepartments === false) return;
    closing = true;
    d.sink
      .closeDepartments()
      .then((rows) => {
        if (rows.length === 0) return;
        d.metrics.departmentsClosed(rows.length);
        d.onChanges(rows);
      })
      .catch((err: unknown) => d.log.warn({ err }, 'closing department windows failed; trying again next tick'))
      .finally(() => {
        closing = false;
      });
  }, o.tickMs);
  let purging = false;
  const purger = d.clock.setInterval(() => {
    if (purging) return;
    purging = true;
    d.sink
      .purge(d.clock.now())
      .then((n) => {
        d.metrics.retentionDeleted(n);
        if (n > 0) d.log.info({ deleted: n }, 'purged window rows past retention');
      })
      .catch((err: unknown) => d.log.warn({ err }, 'retention purge failed'))
      .finally(() => {
        purging = false;
      });
  }, o.retentionIntervalMs);
  return {
    stop() {
      d.clock.clearInterval(closer);
      d.clock.clearInterval(purger);
    },
  };
}
