/**
 * Kafka killed during ingest (a throwaway broker of this test, never the shared one): the service answers 503
 * with Retry-After and acknowledges nothing it could lose; its breaker opens and readiness says so; when the broker
 * is back, ingest recovers by itself (no restart), and every reading ever acknowledged is in PostgreSQL once and
 * in Kafka.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '@vitals/shared';
import { consumeFrom, startTempKafka, type TempKafka } from '@vitals/stack/testing';
import { startSender } from './support/gateway-sender.js';
import { startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let kafka: TempKafka;
let f: StorageFixture;
let t: Tenant;

beforeAll(async () => {
  kafka = await startTempKafka();
  f = await startStorageFixture({
    brokers: kafka.brokers,
    env: {
      KAFKA_CONNECT_TIMEOUT: '1s',
      KAFKA_REQUEST_TIMEOUT: '3s',
      CLOUD_DEPENDENCY_TIMEOUT: '5s',
      CLOUD_BREAKER_THRESHOLD: '2',
      CLOUD_BREAKER_HALF_OPEN_AFTER: '1s',
    },
  });
  t = await f.tenant('kafka-outage');
});
afterAll(async () => {
  await f?.close();
  await kafka?.destroy();
});

it('answers 503 while Kafka is dead, recovers by itself, and loses nothing it acknowledged', async () => {
  const sender = startSender(f, t.gatewayToken, t.deviceId, { batchSize: 25, pauseMs: 50 });
  try {
    await waitFor(() => sender.stats.acked >= 5, { timeoutMs: 30_000, what: 'batches acknowledged before the outage' });

    await kafka.kill();
    await waitFor(() => sender.stats.unavailable.length >= 5, { timeoutMs: 60_000, what: '503 answers while Kafka is dead' });
    const ackedAtOutage = sender.stats.acked;
    expect(
      sender.stats.unavailable.every((u) => u.code === 'CLOUD_ERR_DEPENDENCY_UNAVAILABLE' && Number(u.retryAfter) >= 1),
    ).toBe(true);
    const ready = await f.call('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.kafka.status).toBe('down');
    expect(ready.body.checks.postgres.status).toBe('up');
    await waitFor(
      async () =>
        (await f.call('GET', '/metrics', { token: null })).body.includes(
          'vitals_dependency_breaker_state{dependency="kafka",service="storage"} 2',
        ),
      {
        timeoutMs: 30_000,
        what: 'the Kafka breaker to open',
      },
    );

    await kafka.start();
    await waitFor(() => sender.stats.acked >= ackedAtOutage + 5, {
      timeoutMs: 90_000,
      what: 'ingest to recover without a restart',
    });
    expect((await f.call('GET', '/readyz', { token: null })).status).toBe(200);
  } finally {
    await sender.stop();
  }

  const { stats } = sender;
  expect(stats.other).toEqual([]);
  // The batch that failed at Kafka after its PostgreSQL commit came back as duplicates, and was produced then.
  expect(stats.duplicates).toBeGreaterThan(0);
  const ids = [...stats.ackedIds];
  const { rows } = await f.db.query<{ id: string; n: number }>(
    'SELECT reading_id::text AS id, count(*)::int AS n FROM readings WHERE reading_id = ANY($1::uuid[]) GROUP BY 1',
    [ids],
  );
  expect(rows.length).toBe(ids.length);
  expect(rows.every((r) => r.n === 1)).toBe(true);
  const seen = new Set<string>();
  await consumeFrom(
    kafka.brokers,
    [f.topic],
    (records) => {
      for (const r of records) seen.add(JSON.parse(r.value!).readingId);
      return ids.every((id) => seen.has(id));
    },
    { timeoutMs: 60_000 },
  );
});
