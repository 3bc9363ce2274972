/**
 * The nurses' station sparklines: per device and metric, the readings of the last hour averaged into fixed
 * buckets. Filled once from the buffer at start (so a restarted gateway still shows the hour) and then from
 * every commit. Pure state plus the times given to it; nothing reads a clock here.
 */
import type { MetricCode } from '@vitals/shared';
import type { TrendBucketRow } from '../../buffer/trend-query.js';

interface Bucket {
  sum: number;
  count: number;
}

/** `[bucketStartMs, average]`, oldest first. */
export type TrendPoint = readonly [number, number];

export interface TrendStoreOptions {
  readonly bucketMs: number;
  readonly windowMs: number;
}

export class TrendStore {
  private readonly series = new Map<string, Map<MetricCode, Map<number, Bucket>>>();

  constructor(readonly options: TrendStoreOptions) {}

  bucketOf(atMs: number): number {
    return Math.floor(atMs / this.options.bucketMs) * this.options.bucketMs;
  }

  private bucketsOf(deviceId: string, metric: MetricCode): Map<number, Bucket> {
    let perDevice = this.series.get(deviceId);
    if (!perDevice) this.series.set(deviceId, (perDevice = new Map()));
    let buckets = perDevice.get(metric);
    if (!buckets) perDevice.set(metric, (buckets = new Map()));
    return buckets;
  }

  /** Adds one value; returns its bucket's point after the addition. */
  add(deviceId: string, metric: MetricCode, measuredAtMs: number, value: number): TrendPoint {
    const start = this.bucketOf(measuredAtMs);
    const buckets = this.bucketsOf(deviceId, metric);
    const b = buckets.get(start);
    if (b) {
      b.sum += value;
      b.count += 1;
    } else buckets.set(start, { sum: value, count: 1 });
    const now = buckets.get(start)!;
    return [start, round(now.sum / now.count)];
  }

  /** Merges buckets read from the buffer. */
  load(rows: readonly TrendBucketRow[]): void {
    for (const r of rows) {
      const buckets = this.bucketsOf(r.deviceId, r.metric);
      const b = buckets.get(r.bucketStartMs);
      if (b) {
        b.sum += r.sum;
        b.count += r.count;
      } else buckets.set(r.bucketStartMs, { sum: r.sum, count: r.count });
    }
  }

  /** Drops buckets that ended before the window (relative to `nowMs`). */
  prune(nowMs: number): void {
    const oldest = this.bucketOf(nowMs - this.options.windowMs);
    for (const [deviceId, perDevice] of this.series) {
      for (const [metric, buckets] of perDevice) {
        for (const start of buckets.keys()) if (start < oldest) buckets.delete(start);
        if (buckets.size === 0) perDevice.delete(metric);
      }
      if (perDevice.size === 0) this.series.delete(deviceId);
    }
  }

  /** Every series of a device within the window, oldest point first. */
  pointsOf(deviceId: string, nowMs: number): Partial<Record<MetricCode, TrendPoint[]>> {
    const oldest = this.bucketOf(nowMs - this.options.windowMs);
    const out: Partial<Record<MetricCode, TrendPoint[]>> = {};
    for (const [metric, buckets] of this.series.get(deviceId) ?? []) {
      const points = [...buckets]
        .filter(([start]) => start >= oldest)
        .sort((a, b) => a[0] - b[0])
        .map(([start, b]): TrendPoint => [start, round(b.sum / b.count)]);
      if (points.length > 0) out[metric] = points;
    }
    return out;
  }

  devices(): string[] {
    return [...this.series.keys()];
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
