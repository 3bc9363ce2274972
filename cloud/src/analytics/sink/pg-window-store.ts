/**
 * The window sink in PostgreSQL. One transaction per commit: lock the partition's stored position and check it
 * is the one the batch started from (compare-and-set: a zombie owner, or a commit whose acknowledgement was lost,
 * is refused instead of counted twice), merge each window's delta into its row, close the partition's patient
 * windows the new watermark reached, store the new offset and watermark, and NOTIFY the changed rows (delivered
 * only on commit). Merging rules mirror `windows/aggregate.ts`: exact integer sums, least/greatest, and `last`
 * by (measured-at, value). Rows are written in key order, so concurrent commits lock shared department rows in
 * the same order; deadlocks with the department closer are retried.
 */
import type pg from 'pg';
import { isVitalsError } from '@vitals/shared';
import type { WindowDelta } from '../engine/partition-engine.js';
import { AnalyticsErrors } from '../errors.js';
import type { WindowQuery } from '../queries/compile.js';
import { coalesce } from './memory-sink.js';
import { encodeNotices, NOTIFY_CHANNEL } from '../push/notify-codec.js';
import type { WindowRow } from '../windows/window-row.js';
import type { CommitRequest, PartitionPosition, WindowSink } from './ports.js';
import { withRetriedTransaction } from './pg-transaction.js';
import type { WindowResult } from '../flink/window-result.js';
import {
  APPLY_RESULTS,
  CLOSE_DEPARTMENTS,
  CLOSE_PARTITION,
  UPSERT,
  windowRowOf,
  type DbRow,
  type PositionRow,
} from './window-sql.js';

export interface PgWindowStoreOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly queries: readonly WindowQuery[];
  /** Partitions of the input topic (department windows close only when every one of them passed). */
  readonly partitionCount: () => Promise<number>;
  /** This instance, in NOTIFY payloads; undefined: no NOTIFY. */
  readonly notifyAs?: string;
  /** Told about deltas that hit an already-final window (a bug or a mis-keyed input; they are not applied). */
  readonly onConflict?: (count: number) => void;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const ms = (d: Date | null) => (d === null ? null : d.getTime());

function positionOf(r: PositionRow): PartitionPosition {
  return { nextOffset: BigInt(r.next_offset), eventTime: { watermark: ms(r.watermark), maxEventTime: ms(r.max_event_time) } };
}

function samePosition(a: PartitionPosition, b: PartitionPosition): boolean {
  return (
    a.nextOffset === b.nextOffset &&
    a.eventTime.watermark === b.eventTime.watermark &&
    a.eventTime.maxEventTime === b.eventTime.maxEventTime
  );
}

function describe(p: PartitionPosition | undefined): string {
  return p ? `offset ${p.nextOffset} watermark ${iso(p.eventTime.watermark) ?? 'none'}` : 'nothing';
}

function deltaParams(deltas: readonly WindowDelta[]): unknown[] {
  const cols: unknown[][] = Array.from({ length: 18 }, () => []);
  for (const d of deltas) {
    const a = d.agg;
    const values = [
      d.query.id,
      d.customerId,
      d.query.group,
      d.groupId,
      d.metric,
      iso(d.windowStart),
      iso(d.windowEnd),
      iso(d.closeAt),
      d.partition,
      a.count,
      String(a.sumMilli),
      a.min,
      a.max,
      a.last,
      iso(a.lastAt),
      a.lastNews2,
      d.query.group === 'department' ? d.groupId : a.lastDepartmentId,
      a.lastBedId,
    ];
    values.forEach((v, i) => cols[i]!.push(v));
  }
  return cols;
}

/** A commit of the Flink job's rows: the stored next offset must be `expected`; `next` is stored with the rows. */
export interface ResultCommit {
  readonly partition: number;
  readonly expected: bigint;
  readonly next: bigint;
  /** One per window (`coalesceResults`), in key order. */
  readonly rows: readonly WindowResult[];
}

function resultParams(rows: readonly WindowResult[], graceOf: (queryId: string) => number): unknown[] {
  const cols: unknown[][] = Array.from({ length: 18 }, () => []);
  for (const r of rows) {
    const values = [
      r.query_id,
      r.customer_id,
      r.group_kind,
      r.group_id,
      r.metric,
      iso(r.window_start_ms),
      iso(r.window_end_ms),
      iso(r.window_end_ms + graceOf(r.query_id)),
      r.count,
      String(r.sum_milli),
      r.min,
      r.max,
      r.last,
      iso(r.last_measured_at_ms),
      r.last_news2 ?? null,
      r.group_kind === 'department' ? r.group_id : (r.department_id ?? null),
      r.group_kind === 'department' ? null : (r.bed_id ?? null),
      r.is_final,
    ];
    values.forEach((v, i) => cols[i]!.push(v));
  }
  return cols;
}

export class PgWindowStore implements WindowSink {
  private readonly patientQueryIds: string[];
  private readonly departmentQueryIds: string[];

  constructor(
    private readonly pool: pg.Pool,
    private readonly o: PgWindowStoreOptions,
  ) {
    this.patientQueryIds = o.queries.filter((q) => q.group === 'patient').map((q) => q.id);
    this.departmentQueryIds = o.queries.filter((q) => q.group === 'department').map((q) => q.id);
  }

  private key(partition: number): unknown[] {
    return [this.o.groupId, this.o.topic, partition];
  }

  /** The partition's stored position, locked until the transaction ends (undefined when there is none). */
  private async lockPosition(client: pg.PoolClient, partition: number): Promise<PartitionPosition | undefined> {
    const locked = await client.query<PositionRow>({
      name: 'analytics-lock-position',
      text: 'SELECT next_offset, watermark, max_event_time FROM stream_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
      values: this.key(partition),
    });
    return locked.rows[0] ? positionOf(locked.rows[0]) : undefined;
  }

  async position(partition: number, initial: () => Promise<bigint>): Promise<PartitionPosition> {
    const select =
      'SELECT next_offset, watermark, max_event_time FROM stream_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3';
    const found = await this.pool.query<PositionRow>(select, this.key(partition));
    if (found.rows[0]) return positionOf(found.rows[0]);
    const start = await initial();
    await this.pool.query(
      `INSERT INTO stream_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
       ON CONFLICT (consumer_group, topic, partition) DO NOTHING`,
      [...this.key(partition), start.toString()],
    );
    const stored = await this.pool.query<PositionRow>(select, this.key(partition));
    return positionOf(stored.rows[0]!);
  }

  async commit(req: CommitRequest): Promise<WindowRow[]> {
    try {
      return await this.commitOnce(req);
    } catch (err) {
      if (isVitalsError(err)) throw err;
      throw AnalyticsErrors.ANALYTICS_ERR_SINK_FAILED.withCause(err, req.partition, (err as Error).message);
    }
  }

  private async commitOnce(req: CommitRequest): Promise<WindowRow[]> {
    const rows = await withRetriedTransaction(this.pool, async (client) => {
      const stored = await this.lockPosition(client, req.partition);
      if (!stored || !samePosition(stored, req.expected)) {
        throw AnalyticsErrors.ANALYTICS_ERR_PARTITION_FENCED(req.partition, describe(stored), describe(req.expected));
      }
      const out: WindowRow[] = [];
      if (req.deltas.length > 0) {
        const merged = await client.query<DbRow>({ name: 'analytics-upsert', text: UPSERT, values: deltaParams(req.deltas) });
        if (merged.rows.length < req.deltas.length) this.o.onConflict?.(req.deltas.length - merged.rows.length);
        for (const r of merged.rows) out.push(windowRowOf(r));
      }
      const wm = req.next.eventTime.watermark;
      if (wm !== null && this.patientQueryIds.length > 0 && wm !== req.expected.eventTime.watermark) {
        const closed = await client.query<DbRow>({
          name: 'analytics-close-partition',
          text: CLOSE_PARTITION,
          values: [this.patientQueryIds, req.partition, iso(wm)],
        });
        for (const r of closed.rows) out.push(windowRowOf(r));
      }
      await client.query({
        name: 'analytics-store-position',
        text: `UPDATE stream_offsets SET next_offset = $4, watermark = $5, max_event_time = $6, updated_at = now()
               WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
        values: [...this.key(req.partition), req.next.nextOffset.toString(), iso(wm), iso(req.next.eventTime.maxEventTime)],
      });
      const changed = coalesce(out);
      await this.notify(client, changed);
      return changed;
    });
    return rows;
  }

  /**
   * With the Flink engine: in one transaction, checks the partition's stored next offset of the results topic,
   * applies the job's rows, stores `next`, and NOTIFYs the changed rows. Returns them (after the commit).
   */
  async applyResults(req: ResultCommit): Promise<WindowRow[]> {
    const grace = new Map(this.o.queries.map((q) => [q.id, q.graceMs]));
    try {
      return await withRetriedTransaction(this.pool, async (client) => {
        const stored = await this.lockPosition(client, req.partition);
        if (!stored || stored.nextOffset !== req.expected) {
          const expected = { nextOffset: req.expected, eventTime: { watermark: null, maxEventTime: null } };
          throw AnalyticsErrors.ANALYTICS_ERR_PARTITION_FENCED(req.partition, describe(stored), describe(expected));
        }
        const out: WindowRow[] = [];
        if (req.rows.length > 0) {
          const applied = await client.query<DbRow>({
            name: 'analytics-apply-results',
            text: APPLY_RESULTS,
            values: resultParams(req.rows, (id) => grace.get(id) ?? 0),
          });
          for (const r of applied.rows) out.push(windowRowOf(r));
        }
        await client.query({
          name: 'analytics-store-offset',
          text: `UPDATE stream_offsets SET next_offset = $4, updated_at = now()
                 WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
          values: [...this.key(req.partition), req.next.toString()],
        });
        await this.notify(client, out);
        return out;
      });
    } catch (err) {
      if (isVitalsError(err)) throw err;
      throw AnalyticsErrors.ANALYTICS_ERR_SINK_FAILED.withCause(err, req.partition, (err as Error).message);
    }
  }

  async closeDepartments(): Promise<WindowRow[]> {
    if (this.departmentQueryIds.length === 0) return [];
    const partitions = await this.o.partitionCount();
    return withRetriedTransaction(this.pool, async (client) => {
      // One closer at a time per group (any instance may run it; the others skip this round).
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [
        `vitals-analytics/${this.o.groupId}/${this.o.topic}/departments`,
      ]);
      if (!lock.rows[0]?.ok) return [];
      const closed = await client.query<DbRow>({
        name: 'analytics-close-departments',
        text: CLOSE_DEPARTMENTS,
        values: [this.o.groupId, this.o.topic, partitions, this.departmentQueryIds],
      });
      const rows = closed.rows.map(windowRowOf);
      await this.notify(client, rows);
      return rows;
    });
  }

  /** Deletes rows past retention, 10,000 at a time; one instance of the group at a time (the others skip). */
  async purge(now: number): Promise<number> {
    const client = await this.pool.connect();
    const lockKey = `vitals-analytics/${this.o.groupId}/retention`;
    try {
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [lockKey]);
      if (!lock.rows[0]?.ok) return 0;
      try {
        let deleted = 0;
        for (const q of this.o.queries) {
          const cutoff = iso(now - q.retentionMs);
          for (;;) {
            const r = await client.query(
              `DELETE FROM window_aggregates WHERE ctid IN (
                 SELECT ctid FROM window_aggregates WHERE query_id = $1 AND window_end < $2 LIMIT 10000)`,
              [q.id, cutoff],
            );
            deleted += r.rowCount ?? 0;
            if ((r.rowCount ?? 0) < 10_000) break;
          }
        }
        return deleted;
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    } finally {
      client.release();
    }
  }

  private async notify(client: pg.PoolClient, rows: readonly WindowRow[]): Promise<void> {
    if (this.o.notifyAs === undefined || rows.length === 0) return;
    await client.query({
      name: 'analytics-notify',
      text: 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p',
      values: [NOTIFY_CHANNEL, encodeNotices(this.o.notifyAs, this.o.groupId, rows)],
    });
  }
}
