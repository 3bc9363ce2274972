/**
 * Which alarm rules apply to a reading, and which band a value breaches. Precedence per metric: the most
 * specific scope that has any enabled rule for the metric wins with all its bands (patient > department >
 * customer > catalog default). Within the winning scope, the highest-priority band breached decides. Pure.
 */
import { METRIC_CATALOG, PRIORITY_RANK, type AlarmPriority, type MetricCode } from '../metric-catalog.js';
import type { ThresholdScope } from '../config-document.js';

export interface ThresholdBand {
  readonly metric: MetricCode;
  readonly low?: number;
  readonly high?: number;
  readonly priority: AlarmPriority;
  readonly hysteresis: number;
  readonly scope: ThresholdScope;
}

export const SCOPE_PRECEDENCE: readonly ThresholdScope[] = ['patient', 'department', 'customer', 'catalog'];

/** The catalog's default bands of a metric. */
export function catalogBands(metric: MetricCode): ThresholdBand[] {
  return METRIC_CATALOG[metric].defaultThresholds.map((t) => ({
    metric,
    low: t.low,
    high: t.high,
    priority: t.priority,
    hysteresis: t.hysteresis,
    scope: 'catalog',
  }));
}

/**
 * From candidate bands of one metric (any scopes), the bands of the most specific scope that has any; the
 * catalog defaults when none.
 */
export function effectiveBands(metric: MetricCode, candidates: readonly ThresholdBand[]): ThresholdBand[] {
  for (const scope of SCOPE_PRECEDENCE) {
    if (scope === 'catalog') break;
    const bands = candidates.filter((b) => b.metric === metric && b.scope === scope);
    if (bands.length > 0) return bands;
  }
  return catalogBands(metric);
}

export type BreachSide = 'low' | 'high';

export interface Breach {
  readonly side: BreachSide;
  readonly band: ThresholdBand;
}

export function breachOf(value: number, band: ThresholdBand): BreachSide | undefined {
  if (band.low !== undefined && value < band.low) return 'low';
  if (band.high !== undefined && value > band.high) return 'high';
  return undefined;
}

/** The highest-priority band the value breaches, or undefined when it is within every band. */
export function evaluateBands(value: number, bands: readonly ThresholdBand[]): Breach | undefined {
  let best: Breach | undefined;
  for (const band of bands) {
    const side = breachOf(value, band);
    if (side && (!best || PRIORITY_RANK[band.priority] > PRIORITY_RANK[best.band.priority])) best = { side, band };
  }
  return best;
}

/** True when the value is back inside the band's limit on `side` by at least the band's hysteresis. */
export function clearedWithHysteresis(value: number, band: ThresholdBand, side: BreachSide): boolean {
  if (side === 'high') return band.high === undefined || value <= band.high - band.hysteresis;
  return band.low === undefined || value >= band.low + band.hysteresis;
}
