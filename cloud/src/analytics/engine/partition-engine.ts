/**
 * The window logic of one input partition, pure: a batch of input records and the partition's event-time state
 * in, the window deltas to merge, the late and malformed records, and the next state out. Nothing is mutated
 * until the caller adopts the new state after its commit, so a failed commit leaves the engine as it was.
 *
 * Per record, in partition order: each query that takes the record's metric puts it in every window containing
 * its measured-at time that is still open under the watermark *before* the record; then the record moves the
 * watermark. A record none of whose windows of a query is open is late for that query (Flink's rule); a record
 * late for at least one query goes to the late-readings topic once, naming those queries. A record dropped
 * from some but not all windows of a hopping query is counted (`drops`) but not republished.
 */
import type { MetricCode } from '@vitals/shared';
import type { WindowQuery } from '../queries/compile.js';
import { aggregateOf, mergeInto, type Aggregate } from '../windows/aggregate.js';
import { windowStarts } from '../windows/assign.js';
import { decodeEnriched } from './decode.js';
import { idleAdvance, isClosed, observe, type EventTimeState, type WatermarkSettings } from './watermark.js';

export interface InputRecord {
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
}

export interface WindowDelta {
  /** `query \0 group \0 metric \0 start`. */
  readonly key: string;
  readonly query: WindowQuery;
  readonly customerId: string;
  readonly groupId: string;
  readonly metric: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** End plus grace: when the window becomes final. */
  readonly closeAt: number;
  /** Input partition of a patient window; null for department windows, which merge across partitions. */
  readonly partition: number | null;
  readonly agg: Aggregate;
}

export interface LateReading {
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly measuredAt: number;
  readonly queries: readonly string[];
  readonly watermark: number;
}

export interface MalformedRecord {
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly detail: string;
}

export interface BatchResult {
  /** In write order: patient windows, then department windows, each by key. */
  readonly deltas: readonly WindowDelta[];
  readonly late: readonly LateReading[];
  readonly malformed: readonly MalformedRecord[];
  /** Readings counted in at least one window. */
  readonly accepted: number;
  /** Readings of a metric no query takes. */
  readonly ignored: number;
  /** Per query: readings late for it. */
  readonly lateByQuery: ReadonlyMap<string, number>;
  /** Per query: (reading, window) pairs dropped because that window had closed while another window of the query took the reading. */
  readonly drops: ReadonlyMap<string, number>;
  readonly state: EventTimeState;
}

const SEP = '\u0000';

/**
 * The order rows are written in: patient windows (this partition's alone) first, then department windows, which
 * every partition updates: written last, their row locks are held for the shortest time, and always taken in the
 * same (key) order, so concurrent commits of different partitions queue briefly instead of deadlocking.
 */
function byWriteOrder(a: WindowDelta, b: WindowDelta): number {
  const ga = a.partition === null ? 1 : 0;
  const gb = b.partition === null ? 1 : 0;
  if (ga !== gb) return ga - gb;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export class PartitionEngine {
  private readonly byMetric = new Map<string, readonly WindowQuery[]>();
  /** Event-time state as last committed. */
  state: EventTimeState;
  /** Wall-clock time of the last input (or of the assignment), for the idle timeout. */
  lastInputAt: number;

  constructor(
    private readonly queries: readonly WindowQuery[],
    readonly partition: number,
    private readonly settings: WatermarkSettings,
    state: EventTimeState,
    now: number,
  ) {
    this.state = state;
    this.lastInputAt = now;
  }

  private queriesFor(metric: MetricCode): readonly WindowQuery[] {
    let list = this.byMetric.get(metric);
    if (!list) {
      list = this.queries.filter((q) => q.metrics === undefined || q.metrics.has(metric));
      this.byMetric.set(metric, list);
    }
    return list;
  }

  /** The outcome of `records` from the committed state; the engine is unchanged until `adopt`. */
  process(records: readonly InputRecord[], now: number): BatchResult {
    const deltas = new Map<string, WindowDelta>();
    const late: LateReading[] = [];
    const malformed: MalformedRecord[] = [];
    const lateByQuery = new Map<string, number>();
    const drops = new Map<string, number>();
    let accepted = 0;
    let ignored = 0;
    let state = this.state;
    for (const record of records) {
      const decoded = decodeEnriched(record.value);
      if (!decoded.ok) {
        malformed.push({ offset: record.offset, key: record.key, value: record.value, detail: decoded.detail });
        continue;
      }
      const { reading: e, at } = decoded;
      const queries = this.queriesFor(e.reading.metric);
      if (queries.length === 0) {
        ignored++;
        state = observe(state, at, now, this.settings);
        continue;
      }
      let lateFor: string[] | undefined;
      let counted = false;
      for (const q of queries) {
        const groupId = q.group === 'patient' ? e.patientId : e.departmentId;
        let took = 0;
        let dropped = 0;
        for (const start of windowStarts(at, q.window)) {
          const end = start + q.window.sizeMs;
          const closeAt = end + q.graceMs;
          if (isClosed(closeAt, state.watermark)) {
            dropped++;
            continue;
          }
          took++;
          const key = `${q.id}${SEP}${groupId}${SEP}${e.reading.metric}${SEP}${start}`;
          const agg = aggregateOf({
            value: e.reading.value,
            at,
            news2: e.news2 ?? null,
            departmentId: e.departmentId,
            bedId: q.group === 'patient' ? e.bedId : null,
          });
          const existing = deltas.get(key);
          if (existing) mergeInto(existing.agg, agg);
          else {
            deltas.set(key, {
              key,
              query: q,
              customerId: e.customerId,
              groupId,
              metric: e.reading.metric,
              windowStart: start,
              windowEnd: end,
              closeAt,
              partition: q.group === 'patient' ? this.partition : null,
              agg,
            });
          }
        }
        if (took === 0) {
          (lateFor ??= []).push(q.id);
          lateByQuery.set(q.id, (lateByQuery.get(q.id) ?? 0) + 1);
        } else {
          counted = true;
          if (dropped > 0) drops.set(q.id, (drops.get(q.id) ?? 0) + dropped);
        }
      }
      if (counted) accepted++;
      if (lateFor) {
        late.push({
          offset: record.offset,
          key: record.key,
          value: record.value as string,
          measuredAt: at,
          queries: lateFor,
          watermark: state.watermark as number,
        });
      }
      state = observe(state, at, now, this.settings);
    }
    const sorted = [...deltas.values()].sort(byWriteOrder);
    return { deltas: sorted, late, malformed, accepted, ignored, lateByQuery, drops, state };
  }

  /** The state after an idle check at `now`; the committed state itself when nothing moves. */
  idle(now: number): EventTimeState {
    return idleAdvance(this.state, this.lastInputAt, now, this.settings);
  }

  /** Takes a committed state; `hadInput` restarts the idle timeout. */
  adopt(state: EventTimeState, now: number, hadInput: boolean): void {
    this.state = state;
    if (hadInput) this.lastInputAt = now;
  }

  /** Queries whose windows belong to one partition (their rows are finalised by this partition's watermark). */
  get patientQueries(): readonly WindowQuery[] {
    return this.queries.filter((q) => q.group === 'patient');
  }
}
