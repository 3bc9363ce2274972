/**
 * The SQL of the window sink and the mapping of its rows. The merge rules mirror `windows/aggregate.ts`: exact
 * integer sums (`sum_milli`), least/greatest, and `last` (with its NEWS2 score, department and bed) by
 * (measured-at, value); an update never touches a final window.
 */
import type { WindowRow } from '../windows/window-row.js';

export const ROW_COLUMNS = `query_id, customer_id::text AS customer_id, group_kind, group_id::text AS group_id,
  department_id::text AS department_id, bed_id::text AS bed_id, metric, window_start, window_end, count, sum, min, max,
  last, last_measured_at, last_news2, revision, is_final`;

export const UPSERT = `
INSERT INTO window_aggregates AS w (query_id, customer_id, group_kind, group_id, metric, window_start, window_end, close_at,
  source_partition, count, sum_milli, sum, min, max, last, last_measured_at, last_news2, department_id, bed_id, revision,
  is_final, updated_at)
SELECT d.query_id, d.customer_id, d.group_kind, d.group_id, d.metric, d.window_start, d.window_end, d.close_at,
  d.source_partition, d.count, d.sum_milli, d.sum_milli / 1000.0, d.min, d.max, d.last, d.last_measured_at, d.last_news2,
  d.department_id, d.bed_id, 1, false, now()
FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::timestamptz[], $7::timestamptz[],
  $8::timestamptz[], $9::int[], $10::bigint[], $11::bigint[], $12::float8[], $13::float8[], $14::float8[],
  $15::timestamptz[], $16::smallint[], $17::uuid[], $18::uuid[])
  AS d(query_id, customer_id, group_kind, group_id, metric, window_start, window_end, close_at, source_partition, count,
       sum_milli, min, max, last, last_measured_at, last_news2, department_id, bed_id)
ON CONFLICT (query_id, group_id, metric, window_start) DO UPDATE SET
  count = w.count + excluded.count,
  sum_milli = coalesce(w.sum_milli, round(w.sum * 1000)::bigint) + excluded.sum_milli,
  sum = (coalesce(w.sum_milli, round(w.sum * 1000)::bigint) + excluded.sum_milli) / 1000.0,
  min = least(w.min, excluded.min),
  max = greatest(w.max, excluded.max),
  last = CASE WHEN (excluded.last_measured_at, excluded.last) > (w.last_measured_at, w.last) THEN excluded.last ELSE w.last END,
  last_news2 = CASE WHEN (excluded.last_measured_at, excluded.last) > (w.last_measured_at, w.last) THEN excluded.last_news2 ELSE w.last_news2 END,
  department_id = CASE WHEN (excluded.last_measured_at, excluded.last) > (w.last_measured_at, w.last) THEN excluded.department_id ELSE w.department_id END,
  bed_id = CASE WHEN (excluded.last_measured_at, excluded.last) > (w.last_measured_at, w.last) THEN excluded.bed_id ELSE w.bed_id END,
  last_measured_at = greatest(w.last_measured_at, excluded.last_measured_at),
  revision = w.revision + 1,
  updated_at = now()
WHERE NOT w.is_final
RETURNING ${ROW_COLUMNS}`;

/**
 * Rows of the Flink job (absolute values): a window's row replaced by a newer one of it. A final row is never
 * replaced; a running row only by the final one or by a running row counting at least as many readings (they
 * may arrive out of order).
 */
export const APPLY_RESULTS = `
INSERT INTO window_aggregates AS w (query_id, customer_id, group_kind, group_id, metric, window_start, window_end, close_at,
  source_partition, count, sum_milli, sum, min, max, last, last_measured_at, last_news2, department_id, bed_id, revision,
  is_final, updated_at)
SELECT d.query_id, d.customer_id, d.group_kind, d.group_id, d.metric, d.window_start, d.window_end, d.close_at, NULL,
  d.count, d.sum_milli, d.sum_milli / 1000.0, d.min, d.max, d.last, d.last_measured_at, d.last_news2, d.department_id,
  d.bed_id, 1, d.is_final, now()
FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::timestamptz[], $7::timestamptz[],
  $8::timestamptz[], $9::bigint[], $10::bigint[], $11::float8[], $12::float8[], $13::float8[], $14::timestamptz[],
  $15::smallint[], $16::uuid[], $17::uuid[], $18::bool[])
  AS d(query_id, customer_id, group_kind, group_id, metric, window_start, window_end, close_at, count, sum_milli, min,
       max, last, last_measured_at, last_news2, department_id, bed_id, is_final)
ON CONFLICT (query_id, group_id, metric, window_start) DO UPDATE SET
  count = excluded.count,
  sum_milli = excluded.sum_milli,
  sum = excluded.sum,
  min = excluded.min,
  max = excluded.max,
  last = excluded.last,
  last_measured_at = excluded.last_measured_at,
  last_news2 = excluded.last_news2,
  department_id = excluded.department_id,
  bed_id = excluded.bed_id,
  is_final = excluded.is_final,
  revision = w.revision + 1,
  updated_at = now()
WHERE NOT w.is_final AND (excluded.is_final OR excluded.count >= w.count)
RETURNING ${ROW_COLUMNS}`;

export const CLOSE_PARTITION = `
UPDATE window_aggregates SET is_final = true, revision = revision + 1, updated_at = now()
WHERE query_id = ANY($1::text[]) AND source_partition = $2 AND NOT is_final AND close_at <= $3
RETURNING ${ROW_COLUMNS}`;

export const CLOSE_DEPARTMENTS = `
WITH marks AS (
  SELECT count(*) AS n, min(watermark) AS low, bool_and(watermark IS NOT NULL) AS all_set
  FROM stream_offsets WHERE consumer_group = $1 AND topic = $2 AND partition < $3
)
UPDATE window_aggregates w SET is_final = true, revision = w.revision + 1, updated_at = now()
FROM marks
WHERE marks.n = $3 AND marks.all_set AND w.query_id = ANY($4::text[]) AND NOT w.is_final AND w.close_at <= marks.low
RETURNING ${ROW_COLUMNS}`;

export interface PositionRow {
  next_offset: string;
  watermark: Date | null;
  max_event_time: Date | null;
}

export interface DbRow {
  query_id: string;
  customer_id: string;
  group_kind: 'patient' | 'department';
  group_id: string;
  department_id: string | null;
  bed_id: string | null;
  metric: string;
  window_start: Date;
  window_end: Date;
  count: string;
  sum: number;
  min: number;
  max: number;
  last: number;
  last_measured_at: Date;
  last_news2: number | null;
  revision: number;
  is_final: boolean;
}

export function windowRowOf(r: DbRow): WindowRow {
  return {
    queryId: r.query_id,
    customerId: r.customer_id,
    groupKind: r.group_kind,
    groupId: r.group_id,
    departmentId: r.department_id,
    bedId: r.bed_id,
    metric: r.metric,
    windowStart: r.window_start.getTime(),
    windowEnd: r.window_end.getTime(),
    count: Number(r.count),
    sum: r.sum,
    min: r.min,
    max: r.max,
    last: r.last,
    lastMeasuredAt: r.last_measured_at.getTime(),
    lastNews2: r.last_news2,
    revision: r.revision,
    final: r.is_final,
  };
}
