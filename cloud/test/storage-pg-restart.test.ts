/**
 * PostgreSQL restarted during ingest (a throwaway cluster of this test, never the machine's shared one), crash
 * style (`pg_ctl stop -m immediate`): 503 with Retry-After while it is down, recovery by itself when it is back,
 * and every reading ever acknowledged is stored once and produced to Kafka.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '@vitals/shared';
import { consumeFrom, startTempPostgres, type TempPostgres } from '@vitals/stack/testing';
import { startSender } from './support/gateway-sender.js';
import { startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let pgServer: TempPostgres;
let f: StorageFixture;
let t: Tenant;

beforeAll(async () => {
  pgServer = await startTempPostgres({ migrate: true });
  f = await startStorageFixture({
    databaseUrl: pgServer.url,
    env: {
      PG_CONNECT_TIMEOUT: '1s',
      CLOUD_BREAKER_THRESHOLD: '2',
      CLOUD_BREAKER_HALF_OPEN_AFTER: '1s',
      CLOUD_DEPENDENCY_TIMEOUT: '5s',
    },
  });
  t = await f.tenant('pg-restart');
});
afterAll(async () => {
  await f?.close();
  await pgServer?.destroy();
});

it('answers 503 while PostgreSQL is down, recovers by itself, and loses nothing it acknowledged', async () => {
  const sender = startSender(f, t.gatewayToken, t.deviceId, { batchSize: 25, pauseMs: 50 });
  try {
    await waitFor(() => sender.stats.acked >= 5, { timeoutMs: 30_000, what: 'batches acknowledged before the restart' });
    await pgServer.stop('immediate');
    await waitFor(() => sender.stats.unavailable.length >= 5, {
      timeoutMs: 60_000,
      what: '503 answers while PostgreSQL is down',
    });
    const ackedAtOutage = sender.stats.acked;
    expect(
      sender.stats.unavailable.every((u) => u.code === 'CLOUD_ERR_DEPENDENCY_UNAVAILABLE' && Number(u.retryAfter) >= 1),
    ).toBe(true);
    const ready = await f.call('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.postgres.status).toBe('down');

    await pgServer.start();
    await waitFor(() => sender.stats.acked >= ackedAtOutage + 5, {
      timeoutMs: 60_000,
      what: 'ingest to recover without a restart',
    });
    expect((await f.call('GET', '/readyz', { token: null })).status).toBe(200);
  } finally {
    await sender.stop();
  }

  const { stats } = sender;
  expect(stats.other).toEqual([]);
  const ids = [...stats.ackedIds];
  const { rows } = await f.db.query<{ id: string; n: number }>(
    'SELECT reading_id::text AS id, count(*)::int AS n FROM readings WHERE reading_id = ANY($1::uuid[]) GROUP BY 1',
    [ids],
  );
  expect(rows.length).toBe(ids.length);
  expect(rows.every((r) => r.n === 1)).toBe(true);
  const seen = new Set<string>();
  await consumeFrom(f.brokers, [f.topic], (records) => {
    for (const r of records) seen.add(JSON.parse(r.value!).readingId);
    return ids.every((id) => seen.has(id));
  });
});
