/** Which windows a measurement time falls in: epoch-aligned, half-open `[start, start + size)`. */
import type { WindowShape } from '../queries/compile.js';

/** Starts of every window of `shape` containing `t` (ms since the epoch), oldest first. */
export function windowStarts(t: number, shape: WindowShape): number[] {
  const newest = Math.floor(t / shape.advanceMs) * shape.advanceMs;
  const out: number[] = [];
  for (let s = newest; s + shape.sizeMs > t; s -= shape.advanceMs) out.push(s);
  return out.reverse();
}
