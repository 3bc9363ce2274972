/**
 * The window definitions rows were written under. At start-up each query's group and window are checked
 * against what the database recorded for its id: a query id may change its grace, emit mode, aggregates or
 * retention, never its shape (rows of two window sizes under one id would be meaningless).
 */
import type pg from 'pg';
import { pgCode } from '../../db/pg-errors.js';
import { AnalyticsErrors } from '../errors.js';
import { queryShape, type WindowQuery } from '../queries/compile.js';

export async function registerQueries(pool: pg.Pool, queries: readonly WindowQuery[]): Promise<void> {
  try {
    await pool.query('SELECT sum_milli, close_at FROM window_aggregates LIMIT 0');
    await pool.query('SELECT watermark FROM stream_offsets LIMIT 0');
    await pool.query('SELECT 1 FROM analytics_queries LIMIT 0');
  } catch (err) {
    if (pgCode(err) === '42P01' || pgCode(err) === '42703')
      throw AnalyticsErrors.ANALYTICS_ERR_SCHEMA.withCause(err, (err as Error).message);
    throw err;
  }
  for (const q of queries) {
    const shape = queryShape(q);
    const { rows } = await pool.query<{ group_kind: string; window_spec: string }>(
      `INSERT INTO analytics_queries (query_id, group_kind, window_spec, definition) VALUES ($1, $2, $3, $4)
       ON CONFLICT (query_id) DO UPDATE SET last_seen = now()
       RETURNING group_kind, window_spec`,
      [q.id, shape.group, shape.window, JSON.stringify(q.definition)],
    );
    const stored = rows[0]!;
    if (stored.group_kind !== shape.group)
      throw AnalyticsErrors.ANALYTICS_ERR_QUERY_CHANGED(q.id, 'group', stored.group_kind, shape.group);
    if (stored.window_spec !== shape.window)
      throw AnalyticsErrors.ANALYTICS_ERR_QUERY_CHANGED(q.id, 'window', stored.window_spec, shape.window);
    await pool.query('UPDATE analytics_queries SET definition = $2 WHERE query_id = $1', [q.id, JSON.stringify(q.definition)]);
  }
}
