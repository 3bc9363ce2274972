/**
 * Regression: PostgreSQL restarting while a pooled connection was checked out (inside a transaction) crashed the
 * analytics process with an unhandled 'error' event (found by the fault suite). The pool now gives every
 * connection an error listener; the query in flight fails and the process lives on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startTempPostgres, type TempPostgres } from '@vitals/stack/testing';
import { createPgPool } from '../src/db/pool.js';

let pg: TempPostgres | undefined;
afterAll(async () => {
  await pg?.destroy();
});

describe('PostgreSQL pool', () => {
  it('survives PostgreSQL going away while a connection is checked out', async () => {
    pg = await startTempPostgres();
    const pool = createPgPool(
      { url: pg.url, max: 2, connectTimeoutMs: 2_000, statementTimeoutMs: 10_000, applicationName: 'test' },
      pino({ level: 'silent' }),
    );
    const client = await pool.connect();
    await client.query('BEGIN');
    const unhandled: unknown[] = [];
    const onUncaught = (err: unknown) => unhandled.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      await pg.stop('immediate');
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      await pg.start();
      await expect(pool.query('SELECT 1 AS ok')).resolves.toMatchObject({ rows: [{ ok: 1 }] });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});
