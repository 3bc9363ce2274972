/**
 * The PostgreSQL pool of a cloud service. Connecting and statements are bounded in time, so a dead or restarting
 * server turns into a quick error (then 503) instead of a hung request; idle connections that the server drops
 * are logged and replaced, never crash the process. `date` columns come back as `YYYY-MM-DD` strings.
 */
import pg from 'pg';
import type { Logger } from '../logging.js';

export interface PoolSettings {
  readonly url: string;
  readonly max: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Shown in pg_stat_activity. */
  readonly applicationName: string;
}

const DATE_OID = 1082;

const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text'),
} as pg.CustomTypesConfig;

export function createPgPool(s: PoolSettings, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: s.url,
    max: s.max,
    connectionTimeoutMillis: s.connectTimeoutMs,
    statement_timeout: s.statementTimeoutMs,
    // Client-side bound too: a server that stops answering mid-query (killed, partitioned) ends the query.
    query_timeout: s.statementTimeoutMs + 1_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: s.applicationName,
    types,
  });
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection failed; it is replaced on next use'));
  // A connection that dies while checked out (PostgreSQL restarted mid-transaction) emits 'error' on its client,
  // where the pool's idle listener is not attached: without this the process would crash on an unhandled
  // 'error' event. The query in flight fails with the same error and its caller handles it.
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err }, 'PostgreSQL connection failed while in use'));
  });
  return pool;
}

/** `SELECT 1`, for readiness. */
export async function pingPg(pool: pg.Pool): Promise<void> {
  await pool.query('SELECT 1');
}
