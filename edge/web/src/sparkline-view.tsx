import type { TrendPointView } from '../../src/http/ward-view/schemas.js';
import { sparklinePath } from './sparkline.js';

const W = 120;
const H = 28;

export function Sparkline(props: {
  points: readonly TrendPointView[];
  now: number;
  windowMs: number;
  bucketMs: number;
  label: string;
}) {
  const d = sparklinePath(
    props.points,
    { width: W, height: H, fromMs: props.now - props.windowMs, toMs: props.now },
    props.bucketMs,
  );
  return (
    <svg class="spark" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={props.label}>
      {d ? <path d={d} /> : null}
    </svg>
  );
}
