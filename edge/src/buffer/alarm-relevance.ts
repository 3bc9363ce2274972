/**
 * Which readings the full buffer keeps longest: a value outside any of the catalog's default alarm thresholds
 * for its metric. (Local alarm evaluation with configured thresholds comes later; this only ranks what to
 * drop.) Pure.
 */
import { METRIC_CATALOG, type MetricCode } from '@vitals/shared';

export function isAlarmRelevant(metric: MetricCode, value: number): boolean {
  for (const t of METRIC_CATALOG[metric].defaultThresholds) {
    if (t.low !== undefined && value < t.low) return true;
    if (t.high !== undefined && value > t.high) return true;
  }
  return false;
}
