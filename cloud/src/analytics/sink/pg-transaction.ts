/**
 * A transaction that is tried again when PostgreSQL aborted it for a deadlock or a serialisation failure: those
 * say nothing about the data, and nothing of the attempt was committed, so running the same work again is safe.
 */
import type pg from 'pg';
import { withTransaction } from '../../db/transaction.js';
import { pgCode } from '../../db/pg-errors.js';

const RETRY_CODES = new Set(['40P01', '40001']);

export async function withRetriedTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(pool, work);
    } catch (err) {
      if (attempt >= attempts || !RETRY_CODES.has(pgCode(err) ?? '')) throw err;
    }
  }
}
