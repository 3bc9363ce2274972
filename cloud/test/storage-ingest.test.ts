/**
 * Ingest against the real PostgreSQL and Kafka: what is acknowledged is stored once and produced keyed by device;
 * a batch sent twice is stored once and answered `duplicate`; bad input costs only itself.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@vitals/shared';
import { consumeFrom } from '@vitals/stack/testing';
import { makeReading, makeReadings, startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let f: StorageFixture;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  f = await startStorageFixture({ env: { STORAGE_INGEST_BODY_LIMIT: '512KiB', STORAGE_MAX_BATCH_READINGS: '1000' } });
  a = await f.tenant('a');
  b = await f.tenant('b');
});
afterAll(async () => {
  await f?.close();
});

async function storedCount(ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await f.db.query<{ id: string; n: number }>(
    'SELECT reading_id::text AS id, count(*)::int AS n FROM readings WHERE reading_id = ANY($1::uuid[]) GROUP BY 1',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

const batch = (token: string, readings: unknown[], gzip = false) =>
  f.call('POST', '/v1/readings:batch', { token, body: { readings }, gzip });

describe('POST /v1/readings:batch', () => {
  it('stores a batch once and produces every reading to Kafka keyed by its device', async () => {
    const readings = makeReadings(a.deviceId, 40);
    const r = await batch(a.gatewayToken, readings);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 40, duplicate: 0, rejected: 0 });
    expect(r.body.results.map((o: { readingId: string }) => o.readingId)).toEqual(readings.map((x) => x.readingId));

    const counts = await storedCount(readings.map((x) => x.readingId));
    expect([...counts.values()]).toEqual(Array(40).fill(1));
    const { rows } = await f.db.query('SELECT customer_id::text, gateway_id FROM readings WHERE reading_id = $1', [
      readings[0]!.readingId,
    ]);
    expect(rows[0]).toEqual({ customer_id: a.customerId, gateway_id: a.gatewayId });

    const ids = new Set(readings.map((x) => x.readingId));
    const records = await consumeFrom(
      f.brokers,
      [f.topic],
      (rs) => new Set(rs.map((x) => JSON.parse(x.value!).readingId)).size >= 40,
    );
    const mine = records.filter((x) => ids.has(JSON.parse(x.value!).readingId));
    expect(mine.every((x) => x.key === a.deviceId && x.headers['customer-id'] === a.customerId)).toBe(true);
    const value = JSON.parse(mine[0]!.value!);
    expect(Object.keys(value).sort()).toEqual(
      ['deviceId', 'deviceSeq', 'gatewayId', 'measuredAt', 'metric', 'readingId', 'receivedAt', 'unit', 'value'].sort(),
    );
    expect(value.gatewayId).toBe(a.gatewayId);
  });

  it('the same batch sent twice is stored once; the second answer says duplicate and re-produces it', async () => {
    const readings = makeReadings(a.device2Id, 10);
    const first = await batch(a.gatewayToken, readings);
    const second = await batch(a.gatewayToken, readings, true);
    expect(first.body).toMatchObject({ accepted: 10, duplicate: 0 });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ accepted: 0, duplicate: 10, rejected: 0 });
    expect(second.body.results.every((o: { status: string }) => o.status === 'duplicate')).toBe(true);
    const counts = await storedCount(readings.map((x) => x.readingId));
    expect(counts.size).toBe(10);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const ids = new Set(readings.map((x) => x.readingId));
    // Every reading twice in Kafka: once per acknowledged attempt (consumers drop repeats by id).
    await consumeFrom(f.brokers, [f.topic], (rs) => rs.filter((x) => ids.has(JSON.parse(x.value!).readingId)).length >= 20);
  });

  it('rejects bad readings one by one with a reason and stores their neighbours', async () => {
    const good = makeReading(a.deviceId, { deviceSeq: 100 });
    const foreign = makeReading(b.deviceId);
    const readings: unknown[] = [
      good,
      makeReading(a.deviceId, { value: 'seventy' }),
      makeReading(a.deviceId, { metric: 'glucose' }),
      foreign,
      makeReading('MON-NOBODY'),
      makeReading(a.deviceId, { value: 400 }),
      makeReading(a.deviceId, { unit: 'mmHg' }),
      makeReading(a.deviceId, { measuredAt: new Date(Date.now() + 3_600_000).toISOString() }),
      makeReading(a.deviceId, { readingId: 'not-a-uuid' }),
      { deviceId: a.deviceId },
      'a string',
    ];
    const r = await batch(a.gatewayToken, readings);
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(1);
    expect(r.body.rejected).toBe(readings.length - 1);
    expect(r.body.results.map((o: { reason?: string }) => o.reason ?? 'ok')).toEqual([
      'ok',
      'MALFORMED',
      'UNKNOWN_METRIC',
      'UNKNOWN_DEVICE',
      'UNKNOWN_DEVICE',
      'IMPLAUSIBLE_VALUE',
      'UNIT_MISMATCH',
      'FUTURE_TIMESTAMP',
      'MALFORMED',
      'MALFORMED',
      'MALFORMED',
    ]);
    expect(r.body.results[1].detail).toMatch(/value/);
    expect(r.body.results[3].detail).toMatch(/not registered to this customer/);
    expect((await storedCount([good.readingId])).get(good.readingId)).toBe(1);
    expect((await storedCount([foreign.readingId])).size).toBe(0);
  });

  it('refuses a reading id already used for a different reading, and one stored by another customer', async () => {
    const original = makeReading(a.deviceId, { deviceSeq: 200 });
    expect((await batch(a.gatewayToken, [original])).body.accepted).toBe(1);
    const changed = { ...original, value: 99 };
    const r = await batch(a.gatewayToken, [changed]);
    expect(r.body.results[0]).toMatchObject({ status: 'rejected', reason: 'CONFLICTING_DUPLICATE' });
    const stolen = { ...original, deviceId: b.deviceId };
    const rb = await batch(b.gatewayToken, [stolen]);
    expect(rb.body.results[0]).toMatchObject({ status: 'rejected', reason: 'CONFLICTING_DUPLICATE' });
    // The same id with another measured-at: two days earlier is another day partition of readings, whose own
    // key (reading_id, measured_at) would take it; the id's claim refuses it. A plain retry is still a duplicate.
    const earlier = new Date(Date.parse(original.measuredAt) - 2 * 86_400_000).toISOString();
    const moved = { ...original, measuredAt: earlier, receivedAt: earlier };
    const rm = await batch(a.gatewayToken, [moved]);
    expect(rm.body.results[0]).toMatchObject({
      status: 'rejected',
      reason: 'CONFLICTING_DUPLICATE',
      detail: `a reading measured at ${original.measuredAt} is already stored under this readingId`,
    });
    expect((await batch(a.gatewayToken, [original])).body.results[0]).toMatchObject({ status: 'duplicate' });
    expect((await storedCount([original.readingId])).get(original.readingId)).toBe(1);
  });

  it('rejects readings of a decommissioned device as DEVICE_NOT_AUTHORISED', async () => {
    const created = await f.call('POST', '/v1/devices', { token: a.adminToken, body: { id: `${a.deviceId}-old` } });
    expect(created.status).toBe(201);
    expect((await f.call('DELETE', `/v1/devices/${created.body.id}`, { token: a.adminToken })).status).toBe(204);
    const r = await batch(a.gatewayToken, [makeReading(created.body.id)]);
    expect(r.body.results[0]).toMatchObject({ status: 'rejected', reason: 'DEVICE_NOT_AUTHORISED' });
  });

  it('answers clear per-request errors for malformed bodies, wrong envelopes, sizes and encodings', async () => {
    const call = (o: Parameters<StorageFixture['call']>[2]) =>
      f.call('POST', '/v1/readings:batch', { token: a.gatewayToken, ...o });
    const json = { 'content-type': 'application/json' };
    const cases: Array<[string, Promise<{ status: number; body: { code: string } }>, number, string]> = [
      ['bad JSON', call({ raw: '{"readings": [', headers: json }), 400, 'CLOUD_ERR_MALFORMED_BODY'],
      ['no readings', call({ body: { items: [] } }), 400, 'CLOUD_ERR_VALIDATION'],
      ['empty readings', call({ body: { readings: [] } }), 400, 'CLOUD_ERR_VALIDATION'],
      ['readings not an array', call({ body: { readings: 'x' } }), 400, 'CLOUD_ERR_VALIDATION'],
      ['too many readings', call({ body: { readings: makeReadings(a.deviceId, 1001) } }), 413, 'CLOUD_ERR_BATCH_TOO_LARGE'],
      [
        'body too large',
        call({ raw: JSON.stringify({ readings: ['x'.repeat(600_000)] }), headers: json }),
        413,
        'CLOUD_ERR_PAYLOAD_TOO_LARGE',
      ],
      [
        'gzip bomb',
        call({
          raw: gzipSync(JSON.stringify({ readings: ['y'.repeat(2_000_000)] })),
          headers: { ...json, 'content-encoding': 'gzip' },
        }),
        413,
        'CLOUD_ERR_PAYLOAD_TOO_LARGE',
      ],
      [
        'broken gzip',
        call({ raw: Buffer.from('not gzip at all'), headers: { ...json, 'content-encoding': 'gzip' } }),
        400,
        'CLOUD_ERR_MALFORMED_BODY',
      ],
      ['brotli', call({ raw: '{}', headers: { ...json, 'content-encoding': 'br' } }), 415, 'CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['text/plain', call({ raw: 'hello', headers: { 'content-type': 'text/plain' } }), 415, 'CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [what, p, status, code] of cases) {
      const r = await p;
      expect({ what, status: r.status, code: r.body.code }).toEqual({ what, status, code });
    }
  });

  it('accepts a gzip-compressed batch', async () => {
    const readings = makeReadings(a.deviceId, 5).map((r, i) => ({ ...r, deviceSeq: 300 + i }));
    const r = await batch(a.gatewayToken, readings, true);
    expect(r.body).toMatchObject({ accepted: 5 });
  });
});

describe('gateway last seen', () => {
  it('records when a gateway last delivered a batch, without changing its version (no spurious 412)', async () => {
    const c = await f.tenant('c');
    const get = async () => (await f.call('GET', `/v1/gateways/${c.gatewayId}`, { token: c.adminToken })).body;
    const before = await get();
    expect(before.lastSeenAt).toBeNull();
    const sentAt = Date.now();
    expect((await batch(c.gatewayToken, makeReadings(c.deviceId, 3))).status).toBe(200);
    // Written off the request's path: it lands just after the answer.
    const after = await waitFor(
      async () => {
        const g = await get();
        return g.lastSeenAt !== null && g;
      },
      { what: 'the gateway to be seen', timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(Date.parse(after.lastSeenAt)).toBeGreaterThanOrEqual(sentAt - 1_000);
    expect(after.version).toBe(before.version);
  });
});

describe('POST /v1/readings (a device posting directly)', () => {
  it('takes one reading without id or receivedAt, derives a stable id, and a retry is a duplicate', async () => {
    const reading = {
      deviceId: a.deviceId,
      metric: 'spo2',
      value: 95,
      unit: '%',
      measuredAt: new Date(Date.now() - 500).toISOString(),
    };
    const first = await f.call('POST', '/v1/readings', { token: a.gatewayToken, body: reading });
    expect(first.status).toBe(200);
    expect(first.body.accepted).toBe(1);
    const id = first.body.results[0].readingId;
    const again = await f.call('POST', '/v1/readings', { token: a.gatewayToken, body: [reading] });
    expect(again.body.results[0]).toEqual({ readingId: id, status: 'duplicate' });
    expect((await storedCount([id])).get(id)).toBe(1);
  });

  it('limits the array size (413) and rejects per reading like the batch endpoint', async () => {
    const big = Array.from({ length: 101 }, () => ({
      deviceId: a.deviceId,
      metric: 'spo2',
      value: 95,
      unit: '%',
      measuredAt: new Date().toISOString(),
    }));
    expect((await f.call('POST', '/v1/readings', { token: a.gatewayToken, body: big })).status).toBe(413);
    const r = await f.call('POST', '/v1/readings', {
      token: a.gatewayToken,
      body: { deviceId: b.deviceId, metric: 'spo2', value: 95, unit: '%', measuredAt: new Date().toISOString() },
    });
    expect(r.body.results[0]).toMatchObject({ status: 'rejected', reason: 'UNKNOWN_DEVICE' });
  });
});

describe('operations', () => {
  it('counts readings by outcome and exposes breaker state in /metrics; /healthz and /readyz answer', async () => {
    const metrics = await f.call('GET', '/metrics', { token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/vitals_ingest_readings_total\{outcome="accepted",reason="",service="storage"\} \d+/);
    expect(metrics.body).toMatch(
      /vitals_ingest_readings_total\{outcome="rejected",reason="UNKNOWN_METRIC",service="storage"\} 1/,
    );
    expect(metrics.body).toMatch(/vitals_ingest_batch_duration_seconds_bucket/);
    expect(metrics.body).toMatch(/vitals_dependency_breaker_state\{dependency="kafka",service="storage"\} 0/);
    expect(metrics.body).toMatch(
      /vitals_http_requests_total\{method="POST",route="\/v1\/readings::batch",status="200",service="storage"\}/,
    );
    expect((await f.call('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
    const ready = await f.call('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: { status: 'up' }, kafka: { status: 'up' } });
  });
});
