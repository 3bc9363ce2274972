/** The SVG path of a sparkline: points over a fixed time window, scaled to their own range. Pure. */
import type { TrendPointView } from '../../src/http/ward-view/schemas.js';

export interface SparkGeometry {
  readonly width: number;
  readonly height: number;
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Each point is a bucket's average, drawn at the middle of its bucket (`bucketMs`), the newest no further than
 * `toMs`. A lone point is drawn as a short dash so that it shows.
 */
export function sparklinePath(points: readonly TrendPointView[], g: SparkGeometry, bucketMs = 0): string {
  const inside = points
    .map(([t, v]): TrendPointView => [Math.min(t + bucketMs / 2, g.toMs), v])
    .filter((p) => p[0] >= g.fromMs && p[0] <= g.toMs);
  if (inside.length === 0) return '';
  let lo = Infinity;
  let hi = -Infinity;
  for (const [, v] of inside) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  const pad = 2;
  const x = (t: number) => ((t - g.fromMs) / (g.toMs - g.fromMs || 1)) * g.width;
  const y = (v: number) => pad + (1 - (hi === lo ? 0.5 : (v - lo) / span)) * (g.height - 2 * pad);
  const r = (n: number) => Math.round(n * 10) / 10;
  if (inside.length === 1) {
    const [t, v] = inside[0]!;
    return `M${r(Math.max(0, x(t) - 4))},${r(y(v))} L${r(x(t))},${r(y(v))}`;
  }
  return inside.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${r(x(t))},${r(y(v))}`).join(' ');
}
