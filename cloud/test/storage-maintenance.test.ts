/**
 * The storage service keeps the day partitions of `readings` itself: a partition past READINGS_RETENTION is
 * dropped, and readings that landed in the default partition (a day without its partition) are moved into a new
 * partition of their day, without anyone running `vitals db maintain`. Real PostgreSQL, temporary database.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { systemClock, waitFor } from '@vitals/shared';
import { startReadingsMaintenance } from '../src/storage/readings-maintenance-job.js';
import { startStorageFixture, type StorageFixture } from './support/storage-fixture.js';

let f: StorageFixture;

beforeAll(async () => {
  f = await startStorageFixture({ env: { STORAGE_MAINTENANCE_INTERVAL: '500ms', READINGS_RETENTION: '30d' } });
});
afterAll(async () => {
  await f?.close();
});

const partitions = async () =>
  (
    await f.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'readings'::regclass ORDER BY 1`,
    )
  ).rows.map((r) => r.name);

describe('readings maintenance in the storage service', () => {
  it('drops days past retention and gives early arrivals in the default partition their own day', async () => {
    await f.db.query(`SELECT readings_ensure_partition('2020-01-01')`);
    expect(await partitions()).toContain('readings_p20200101');

    const day = new Date(Date.now() + 40 * 86_400_000);
    const name = `readings_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
    await f.db.query(
      `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
       VALUES ($1, $2, 'DEV-1', 1, 'heart_rate', 70, '/min', $3, now())`,
      [randomUUID(), randomUUID(), day],
    );
    expect((await f.db.query('SELECT count(*)::int AS n FROM readings_default')).rows[0].n).toBe(1);

    await waitFor(async () => !(await partitions()).includes('readings_p20200101'), {
      what: 'the old day to be dropped',
      timeoutMs: 20_000,
    });
    await waitFor(async () => (await partitions()).includes(name), {
      what: 'the early arrival to get its day',
      timeoutMs: 20_000,
    });
    expect((await f.db.query('SELECT count(*)::int AS n FROM readings_default')).rows[0].n).toBe(0);
    expect((await f.db.query(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n).toBe(1);
    // Today and the coming days are there too.
    const today = `readings_p${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(await partitions()).toContain(today);
  });

  it('lets one instance at a time do it: a second one skips the round while the first holds the lock', async () => {
    const job = (intervalMs: number) =>
      startReadingsMaintenance({
        pool: f.db,
        clock: systemClock,
        log: pino({ level: 'silent' }),
        intervalMs,
        partitionsAhead: 7,
        retentionMs: 30 * 86_400_000,
      });
    const a = job(0);
    const holder = await f.db.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7362201874)');
      expect(await a.runOnce()).toBeNull();
      await holder.query('SELECT pg_advisory_unlock(7362201874)');
      // The service's own job (every 500 ms) may hold the lock for a moment: a round gets its turn soon after.
      let result = await a.runOnce();
      for (let i = 0; result === null && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 50));
        result = await a.runOnce();
      }
      expect(result).toMatchObject({ created: [], dropped: [], defaultRows: 0 });
    } finally {
      holder.release();
      await a.stop();
    }
  });
});
