/**
 * Windowed aggregates of one metric as chart series: x (window start, seconds), average, minimum, maximum, with a
 * live row replacing its window (a higher revision wins) or adding a new one. Pure.
 */
import type { RowObject } from './stream.js';

export interface WindowPoint {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly avg: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly count: number | null;
  readonly revision: number;
}

export type ChartSeries = [number[], (number | null)[], (number | null)[], (number | null)[]];

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function windowOf(row: RowObject | Record<string, unknown>): WindowPoint | undefined {
  if (typeof row.windowStart !== 'string' || typeof row.windowEnd !== 'string') return undefined;
  return {
    windowStart: row.windowStart,
    windowEnd: row.windowEnd,
    avg: num(row.avg),
    min: num(row.min),
    max: num(row.max),
    count: num(row.count),
    revision: num(row.revision) ?? 0,
  };
}

/** Inserts or replaces a window (same start), keeping start order; an older revision never replaces a newer one. */
export function upsertWindow(list: readonly WindowPoint[], w: WindowPoint, fromMs?: number): WindowPoint[] {
  const out = list.filter((x) => x.windowStart !== w.windowStart);
  const prev = list.find((x) => x.windowStart === w.windowStart);
  out.push(prev && prev.revision > w.revision ? prev : w);
  return out
    .filter((x) => fromMs === undefined || Date.parse(x.windowStart) >= fromMs)
    .sort((a, b) => a.windowStart.localeCompare(b.windowStart));
}

export function toSeries(list: readonly WindowPoint[]): ChartSeries {
  return [
    list.map((w) => Date.parse(w.windowStart) / 1000),
    list.map((w) => w.avg),
    list.map((w) => w.min),
    list.map((w) => w.max),
  ];
}
