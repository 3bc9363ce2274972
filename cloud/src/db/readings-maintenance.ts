/**
 * Database maintenance: creates the coming day partitions of readings (moving any early arrivals out of the
 * default partition) and drops the partitions past retention, after deleting the claims of their reading ids
 * (`reading_ids`, in batches, so no single transaction holds a day of rows). Safe to run at any time and any
 * number of times.
 */
import type pg from 'pg';

export interface MaintainOptions {
  readonly now: Date;
  readonly partitionsAhead: number;
  readonly retentionMs: number;
  readonly dryRun?: boolean;
}

export interface MaintainResult {
  readonly created: string[];
  readonly dropped: string[];
  readonly defaultRows: number;
  /** Reading-id claims deleted (in a dry run: that would be deleted) with the partitions past retention. */
  readonly idsDeleted: number;
}

const ID_DELETE_BATCH = 50_000;

function utcDay(d: Date, offsetDays: number): string {
  const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) + offsetDays * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export async function maintainReadings(client: pg.ClientBase, o: MaintainOptions): Promise<MaintainResult> {
  const created: string[] = [];
  const cutoff = new Date(o.now.getTime() - o.retentionMs);
  // Days that early arrivals in the default partition belong to get their partition too (if within retention).
  const early = await client.query<{ day: string }>(
    `SELECT DISTINCT to_char(measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM readings_default WHERE measured_at >= $1`,
    [cutoff],
  );
  const days = new Set<string>(early.rows.map((r) => r.day));
  for (let i = -1; i <= o.partitionsAhead; i++) days.add(utcDay(o.now, i));
  for (const day of [...days].sort()) {
    const name = `readings_p${day.replace(/-/g, '')}`;
    if (o.dryRun) {
      const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [name]);
      if (!exists.rows[0].e) created.push(name);
      continue;
    }
    const r = await client.query<{ created: boolean }>('SELECT readings_ensure_partition($1::date) AS created', [day]);
    if (r.rows[0]?.created) created.push(name);
  }
  // A partition is dropped once its day ends at or before the cutoff, so what stays starts at the cutoff's day.
  const keptFrom = new Date(`${utcDay(cutoff, 0)}T00:00:00.000Z`);
  let idsDeleted = 0;
  if (o.dryRun) {
    const r = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM reading_ids WHERE measured_at < $1', [keptFrom]);
    idsDeleted = Number(r.rows[0]?.n ?? 0);
  } else {
    for (;;) {
      const r = await client.query(
        `DELETE FROM reading_ids WHERE ctid IN (SELECT ctid FROM reading_ids WHERE measured_at < $1 LIMIT ${ID_DELETE_BATCH})`,
        [keptFrom],
      );
      idsDeleted += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < ID_DELETE_BATCH) break;
    }
  }
  let dropped: string[] = [];
  if (o.dryRun) {
    const r = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'readings' AND c.relname ~ '^readings_p[0-9]{8}$'
          AND ((to_date(substr(c.relname, 11), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC') <= $1 ORDER BY 1`,
      [cutoff],
    );
    dropped = r.rows.map((x) => x.name);
  } else {
    const r = await client.query<{ name: string }>('SELECT readings_drop_partitions_before($1) AS name', [cutoff]);
    dropped = r.rows.map((x) => x.name);
  }
  const def = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM readings_default');
  return { created, dropped, defaultRows: Number(def.rows[0]?.n ?? 0), idsDeleted };
}
