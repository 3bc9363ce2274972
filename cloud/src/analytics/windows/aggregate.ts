/**
 * The running aggregate of one window, and how two of them merge. Merging is associative and commutative, so a
 * window's result does not depend on the order readings arrive in, nor on how they were batched:
 * - the sum is kept exactly, as an integer number of thousandths (`sumMilli`), so no floating-point rounding
 *   depends on the order (values are measured to far coarser precision than 0.001);
 * - `last` is the value with the latest measured-at time; equal times keep the larger value.
 * The same rules are written in SQL in `sink/pg-window-store.ts`; the two are tested against each other.
 */

export interface Aggregate {
  count: number;
  sumMilli: number;
  min: number;
  max: number;
  last: number;
  /** Measured-at time of `last`, ms since the epoch. */
  lastAt: number;
  /** NEWS2 sub-score of the `last` reading, when the metric has one. */
  lastNews2: number | null;
  /** Department and bed of the `last` reading (patient windows). */
  lastDepartmentId: string | null;
  lastBedId: string | null;
}

export function toMilli(value: number): number {
  return Math.round(value * 1000);
}

export interface ReadingFacts {
  readonly value: number;
  readonly at: number;
  readonly news2: number | null;
  readonly departmentId: string | null;
  readonly bedId: string | null;
}

export function aggregateOf(r: ReadingFacts): Aggregate {
  return {
    count: 1,
    sumMilli: toMilli(r.value),
    min: r.value,
    max: r.value,
    last: r.value,
    lastAt: r.at,
    lastNews2: r.news2,
    lastDepartmentId: r.departmentId,
    lastBedId: r.bedId,
  };
}

/** True when (at, value) comes after (otherAt, otherValue) in the order that decides `last`. */
export function isLater(at: number, value: number, otherAt: number, otherValue: number): boolean {
  return at > otherAt || (at === otherAt && value > otherValue);
}

/** Merges `b` into `a` (mutates and returns `a`). */
export function mergeInto(a: Aggregate, b: Aggregate): Aggregate {
  a.count += b.count;
  a.sumMilli += b.sumMilli;
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
  if (isLater(b.lastAt, b.last, a.lastAt, a.last)) {
    a.last = b.last;
    a.lastAt = b.lastAt;
    a.lastNews2 = b.lastNews2;
    a.lastDepartmentId = b.lastDepartmentId;
    a.lastBedId = b.lastBedId;
  }
  return a;
}

export function sumOf(a: Pick<Aggregate, 'sumMilli'>): number {
  return a.sumMilli / 1000;
}
