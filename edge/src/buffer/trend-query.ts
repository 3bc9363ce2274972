/**
 * Read side for the nurses' station trend: the last hour of every device's readings, averaged into fixed
 * buckets, straight from the buffer. One pass over the readings received in the window (no index on
 * measured time is needed: `seq` is commit order, so the window starts at the first row received after
 * `since`, found by a binary search over the rowid).
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { METRIC_CODES, type MetricCode } from '@vitals/shared';
import type { Db } from './open-database.js';

export interface TrendBucketRow {
  readonly deviceId: string;
  readonly metric: MetricCode;
  /** Start of the bucket (ms since the epoch, a multiple of the bucket size). */
  readonly bucketStartMs: number;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

export interface TrendQuery {
  /** Readings measured at or after this time. */
  readonly sinceMs: number;
  readonly bucketMs: number;
  /** Readings committed before this seq only (exclusive); undefined = all. */
  readonly beforeSeq?: number;
  /** How far before `sinceMs` a reading measured after it may have been received (clock skew of devices). */
  readonly receivedSlackMs?: number;
}

/** The first seq whose received time is at or after `receivedMs` (received times rise with seq). */
export function firstSeqReceivedFrom(db: Db, receivedMs: number): number | undefined {
  const bounds = db.prepare('SELECT min(seq) AS lo, max(seq) AS hi FROM readings').get() as {
    lo: number | null;
    hi: number | null;
  };
  if (bounds.lo === null || bounds.hi === null) return undefined;
  const at = db.prepare('SELECT seq, received_at FROM readings WHERE seq >= ? ORDER BY seq LIMIT 1');
  let lo = bounds.lo;
  let hi = bounds.hi + 1;
  // Invariant: every seq < lo was received before receivedMs; the answer is in [lo, hi].
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = at.get(mid) as { seq: number; received_at: number } | undefined;
    if (!row) hi = mid;
    else if (row.received_at < receivedMs) lo = row.seq + 1;
    else hi = mid;
  }
  return lo > bounds.hi ? undefined : lo;
}

export function queryTrendBuckets(db: Db, q: TrendQuery): TrendBucketRow[] {
  const from = firstSeqReceivedFrom(db, q.sinceMs - (q.receivedSlackMs ?? 5 * 60_000));
  if (from === undefined) return [];
  const rows = db
    .prepare(
      `SELECT d.device_id AS deviceId, r.metric AS metric, r.measured_at - (r.measured_at % :bucket) AS bucketStartMs,
              sum(r.value) AS sum, count(*) AS count, min(r.value) AS min, max(r.value) AS max
       FROM readings r JOIN devices d ON d.ref = r.device_ref
       WHERE r.seq >= :from AND r.seq < :before AND r.measured_at >= :since
       GROUP BY r.device_ref, r.metric, bucketStartMs`,
    )
    .all({
      bucket: q.bucketMs,
      from,
      before: q.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      since: q.sinceMs,
    }) as Array<Omit<TrendBucketRow, 'metric'> & { metric: number }>;
  const out: TrendBucketRow[] = [];
  for (const r of rows) {
    const metric = METRIC_CODES[r.metric];
    if (metric !== undefined) out.push({ ...r, metric });
  }
  return out;
}

/**
 * Reads the trend through a connection of its own, read-only, opened and closed around the query (WAL lets it
 * read beside the gateway's writer without blocking it).
 */
export function readTrendFromBuffer(dataDir: string, q: TrendQuery): TrendBucketRow[] {
  const db = new Database(path.join(dataDir, 'buffer.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    return queryTrendBuckets(db, q);
  } finally {
    db.close();
  }
}
