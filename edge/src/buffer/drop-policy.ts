/**
 * What the full buffer drops, in order: forwarded history first (it is safe in the cloud already), then the
 * oldest unsent readings; within each, readings outside the catalog's default alarm thresholds go last, so
 * alarm-relevant readings are kept longest. Pure.
 */

export interface DropClass {
  readonly kind: 'forwarded' | 'unsent';
  readonly alarm: boolean;
}

export const DROP_ORDER: readonly DropClass[] = [
  { kind: 'forwarded', alarm: false },
  { kind: 'forwarded', alarm: true },
  { kind: 'unsent', alarm: false },
  { kind: 'unsent', alarm: true },
];

export interface CapacityInput {
  readonly usedBytes: number;
  readonly maxBytes: number;
  /** Readings in the buffer (to estimate bytes per reading). */
  readonly readings: number;
  /** Fraction of the capacity freed below the limit, so that drops happen in chunks, not on every commit. */
  readonly headroom: number;
}

/** How many readings to drop to get back below the limit with the headroom; 0 while within the limit. */
export function readingsToDrop(i: CapacityInput): number {
  if (i.usedBytes <= i.maxBytes || i.readings === 0) return 0;
  const target = Math.floor(i.maxBytes * (1 - i.headroom));
  const perReading = i.usedBytes / i.readings;
  return Math.min(i.readings, Math.max(1, Math.ceil((i.usedBytes - target) / perReading)));
}

/**
 * Takes up to `wanted` readings class by class in drop order; `take(cls, max)` drops at most `max` of a class
 * and says how many it dropped. Returns what was taken from each class.
 */
export function dropInOrder(
  wanted: number,
  take: (cls: DropClass, max: number) => number,
): Array<{ cls: DropClass; count: number }> {
  const out: Array<{ cls: DropClass; count: number }> = [];
  let left = wanted;
  for (const cls of DROP_ORDER) {
    if (left <= 0) break;
    const n = take(cls, left);
    if (n > 0) out.push({ cls, count: n });
    left -= n;
  }
  return out;
}
