/** A transaction on a pooled connection: BEGIN, the work, COMMIT; ROLLBACK on any error. */
import type pg from 'pg';

export type Queryable = Pick<pg.ClientBase, 'query'>;

export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      // The connection is unusable (server gone): destroy it instead of returning it to the pool.
      broken = rollbackErr;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
