/**
 * The window table in memory, with exactly the merge and close rules of the PostgreSQL sink: the reference the
 * sink is tested against, and what the unit tests read final results from. Patient windows close with their
 * partition's watermark; department windows (merged from every partition) once every partition's watermark
 * passed them.
 */
import type { WindowQuery } from '../queries/compile.js';
import { mergeInto, sumOf, type Aggregate } from '../windows/aggregate.js';
import type { WindowRow } from '../windows/window-row.js';
import type { WindowDelta } from './partition-engine.js';

interface Entry {
  readonly delta: Omit<WindowDelta, 'agg'>;
  agg: Aggregate;
  revision: number;
  final: boolean;
}

export function rowOf(e: { delta: Omit<WindowDelta, 'agg'>; agg: Aggregate; revision: number; final: boolean }): WindowRow {
  const d = e.delta;
  return {
    queryId: d.query.id,
    customerId: d.customerId,
    groupKind: d.query.group,
    groupId: d.groupId,
    departmentId: d.query.group === 'department' ? d.groupId : e.agg.lastDepartmentId,
    bedId: d.query.group === 'patient' ? e.agg.lastBedId : null,
    metric: d.metric,
    windowStart: d.windowStart,
    windowEnd: d.windowEnd,
    count: e.agg.count,
    sum: sumOf(e.agg),
    min: e.agg.min,
    max: e.agg.max,
    last: e.agg.last,
    lastMeasuredAt: e.agg.lastAt,
    lastNews2: e.agg.lastNews2,
    revision: e.revision,
    final: e.final,
  };
}

export class WindowTable {
  private readonly entries = new Map<string, Entry>();
  /** Updates that hit an already-final window (must never happen). */
  conflicts = 0;

  /** Merges one commit's deltas; returns the changed rows. */
  apply(deltas: readonly WindowDelta[]): WindowRow[] {
    const out: WindowRow[] = [];
    for (const d of deltas) {
      const e = this.entries.get(d.key);
      if (!e) {
        const { agg, ...delta } = d;
        const created: Entry = { delta, agg: { ...agg }, revision: 1, final: false };
        this.entries.set(d.key, created);
        out.push(rowOf(created));
      } else if (e.final) {
        this.conflicts++;
      } else {
        mergeInto(e.agg, d.agg);
        e.revision++;
        out.push(rowOf(e));
      }
    }
    return out;
  }

  /** Closes the patient windows of `partition` whose close time the watermark reached. */
  closePartition(queries: readonly WindowQuery[], partition: number, watermark: number | null): WindowRow[] {
    if (watermark === null) return [];
    const ids = new Set(queries.filter((q) => q.group === 'patient').map((q) => q.id));
    return this.close((e) => ids.has(e.delta.query.id) && e.delta.partition === partition && e.delta.closeAt <= watermark);
  }

  /** Closes department windows once the lowest watermark of all partitions reached them. */
  closeDepartments(queries: readonly WindowQuery[], watermarks: readonly (number | null)[]): WindowRow[] {
    if (watermarks.length === 0 || watermarks.some((w) => w === null)) return [];
    const low = Math.min(...(watermarks as number[]));
    const ids = new Set(queries.filter((q) => q.group === 'department').map((q) => q.id));
    return this.close((e) => ids.has(e.delta.query.id) && e.delta.closeAt <= low);
  }

  private close(pred: (e: Entry) => boolean): WindowRow[] {
    const out: WindowRow[] = [];
    for (const e of this.entries.values()) {
      if (e.final || !pred(e)) continue;
      e.final = true;
      e.revision++;
      out.push(rowOf(e));
    }
    return out;
  }

  rows(): WindowRow[] {
    return [...this.entries.values()].map(rowOf);
  }
}
