import { describe, expect, it } from 'vitest';
import { TrendStore } from './trend-store.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 10);

describe('trend store', () => {
  it('averages values per bucket and lists them oldest first within the window', () => {
    const t = new TrendStore({ bucketMs: MIN, windowMs: 60 * MIN });
    expect(t.add('MON-1', 'heart_rate', T0 + 5 * MIN + 10, 70)).toEqual([T0 + 5 * MIN, 70]);
    expect(t.add('MON-1', 'heart_rate', T0 + 5 * MIN + 20, 81)).toEqual([T0 + 5 * MIN, 75.5]);
    t.add('MON-1', 'heart_rate', T0 + MIN, 60);
    t.add('MON-1', 'spo2', T0 + MIN, 97);
    expect(t.pointsOf('MON-1', T0 + 10 * MIN)).toEqual({
      heart_rate: [
        [T0 + MIN, 60],
        [T0 + 5 * MIN, 75.5],
      ],
      spo2: [[T0 + MIN, 97]],
    });
    expect(t.pointsOf('MON-1', T0 + 64 * MIN)).toEqual({ heart_rate: [[T0 + 5 * MIN, 75.5]] });
  });

  it('merges buckets loaded from the buffer with live values, and prunes what left the window', () => {
    const t = new TrendStore({ bucketMs: MIN, windowMs: 10 * MIN });
    t.load([{ deviceId: 'MON-1', metric: 'heart_rate', bucketStartMs: T0, sum: 140, count: 2, min: 60, max: 80 }]);
    t.add('MON-1', 'heart_rate', T0 + 30_000, 100);
    expect(t.pointsOf('MON-1', T0)).toEqual({ heart_rate: [[T0, 80]] });
    t.prune(T0 + 20 * MIN);
    expect(t.devices()).toEqual([]);
  });
});
