/**
 * One analytics instance against the real stack (its own migrated database, a private input topic): the
 * WebSocket push after each committed change, tenant isolation of subscriptions, the REST reads, late readings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { waitFor } from '@vitals/shared';
import { consumeUntil, uniqueSuffix } from '@vitals/stack/testing';
import type { RunningAnalytics } from '../src/analytics/server.js';
import {
  StreamClient,
  analyticsEnv,
  createAnalyticsDb,
  createTopic,
  deleteGroups,
  deleteTopics,
  produce,
  reading,
  rowsOf,
  seedTenant,
  startInstance,
  testKafka,
  token,
  topicsOf,
  type Db,
  type Tenant,
} from './support/analytics-world.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of the API under test
type Json = any;

const kafka = testKafka();
let db: Db;
let topic: string;
let producer: Producer;
let instance: RunningAnalytics;
let a: Tenant;
let b: Tenant;
let tokenA: string;
let tokenB: string;
const clients: StreamClient[] = [];
const group = `analytics-stream-${uniqueSuffix()}`;
const minute = 60_000;
// Minute-aligned, a little in the past, so every window is open and the watermark does not close it under us.
const base = Math.floor((Date.now() - 10 * minute) / minute) * minute;

async function connect(tok: string, headerAuth = true): Promise<StreamClient> {
  const c = await StreamClient.connect(instance.url, { token: tok, headerAuth });
  clients.push(c);
  return c;
}

async function call(path: string, tok?: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${instance.url}${path}`, { headers: tok ? { authorization: `Bearer ${tok}` } : {} });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  db = await createAnalyticsDb();
  a = await seedTenant(db.pool, { patients: 2 });
  b = await seedTenant(db.pool, { patients: 1 });
  tokenA = await token({ role: 'clinician', customer: a.customerId });
  tokenB = await token({ role: 'clinician', customer: b.customerId });
  topic = await createTopic(kafka, 3);
  producer = kafka.producer();
  await producer.connect();
  instance = await startInstance(analyticsEnv(db, topic, group, { ANALYTICS_IDLE_TIMEOUT: '10m' }));
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await instance?.close();
  await producer?.disconnect();
  await deleteTopics(kafka, topicsOf(topic));
  await deleteGroups(kafka, [group]);
  await db?.drop();
});

describe('analytics: WebSocket push', () => {
  it('a ws client gets the header, then the update of a reading’s window after the reading is produced', async () => {
    const c = await connect(tokenA);
    await c.next((m) => m.type === 'ready');
    c.send({ type: 'subscribe', id: 's1', query: 'patient-1m', patientId: a.patients[0] });
    const header = await c.next((m) => m.type === 'header');
    expect(header).toMatchObject({
      subscription: 's1',
      query: { id: 'patient-1m', group: 'patient', emit: 'changes' },
      target: { kind: 'patient', id: a.patients[0] },
      columns: [
        'groupId',
        'metric',
        'windowStart',
        'windowEnd',
        'count',
        'avg',
        'min',
        'max',
        'last',
        'lastMeasuredAt',
        'revision',
        'final',
      ],
    });
    await produce(producer, topic, [{ value: reading(a, { at: base + 5_000, value: 70, patientId: a.patients[0]! }) }]);
    await c.next((m) => m.type === 'row');
    expect(rowsOf(c, 's1')).toEqual([
      {
        groupId: a.patients[0],
        metric: 'heart_rate',
        windowStart: new Date(base).toISOString(),
        windowEnd: new Date(base + minute).toISOString(),
        count: 1,
        avg: 70,
        min: 70,
        max: 70,
        last: 70,
        lastMeasuredAt: new Date(base + 5_000).toISOString(),
        revision: 1,
        final: false,
      },
    ]);
    // The other patient's readings are not this subscription's business; the next one of ours is.
    await produce(producer, topic, [
      { value: reading(a, { at: base + 6_000, value: 99, patientId: a.patients[1]! }) },
      { value: reading(a, { at: base + 7_000, value: 80, patientId: a.patients[0]! }) },
    ]);
    await c.next((m) => m.type === 'row' && (m.row as unknown[])[10] === 2);
    expect(rowsOf(c, 's1').map((r) => [r.revision, r.count, r.avg, r.last])).toEqual([
      [1, 1, 70, 70],
      [2, 2, 75, 80],
    ]);
  });

  it('a client of customer A cannot subscribe to customer B’s patient (answered as not found); B can', async () => {
    const ca = await connect(tokenA);
    await ca.next((m) => m.type === 'ready');
    ca.send({ type: 'subscribe', id: 'theirs', query: 'patient-1m', patientId: b.patients[0] });
    expect(await ca.next((m) => m.type === 'error')).toMatchObject({ code: 'CLOUD_ERR_NOT_FOUND', subscription: 'theirs' });
    ca.send({ type: 'subscribe', id: 'dept', query: 'department-5m', departmentId: b.departmentId });
    expect(await ca.next((m) => m.type === 'error' && m.subscription === 'dept')).toMatchObject({ code: 'CLOUD_ERR_NOT_FOUND' });

    // Browsers authenticate with a first message instead of a header.
    const cb = await connect(tokenB, false);
    cb.send({ type: 'auth', token: tokenB });
    await cb.next((m) => m.type === 'ready');
    cb.send({ type: 'subscribe', id: 'mine', query: 'patient-1m', patientId: b.patients[0] });
    await cb.next((m) => m.type === 'header');
    await produce(producer, topic, [{ value: reading(b, { at: base + 8_000, value: 66, patientId: b.patients[0]! }) }]);
    await cb.next((m) => m.type === 'row');
    expect(ca.messages.filter((m) => m.type === 'header' || m.type === 'row')).toEqual([]);
  });

  it('refuses bad credentials and roles that may not read, with their codes', async () => {
    const bad = await StreamClient.connect(instance.url, { token: 'vk_not-a-real-key-0123456789' });
    clients.push(bad);
    expect(await bad.next((m) => m.type === 'error')).toMatchObject({ code: 'CLOUD_ERR_UNAUTHENTICATED' });
    await waitClosed(bad);
    expect(bad.closed?.code).toBe(4401);

    const gw = await connect(await token({ role: 'gateway', customer: a.customerId }));
    expect(await gw.next((m) => m.type === 'error')).toMatchObject({ code: 'CLOUD_ERR_FORBIDDEN' });
    await waitClosed(gw);
    expect(gw.closed?.code).toBe(4403);

    const anon = await connect(tokenA, false);
    anon.send({ type: 'subscribe', id: 'x', query: 'patient-1m', patientId: a.patients[0] });
    expect(await anon.next((m) => m.type === 'error')).toMatchObject({ code: 'CLOUD_ERR_UNAUTHENTICATED' });
    anon.send({ type: 'auth', token: tokenA });
    await anon.next((m) => m.type === 'ready');
    anon.send({ type: 'subscribe', id: 'x', query: 'nope', patientId: a.patients[0] });
    expect(await anon.next((m) => m.type === 'error' && m.code !== 'CLOUD_ERR_UNAUTHENTICATED')).toMatchObject({
      code: 'ANALYTICS_ERR_UNKNOWN_QUERY',
    });
    anon.send({ type: 'subscribe', id: 'y', query: 'department-5m', patientId: a.patients[0] });
    expect(await anon.next((m) => m.type === 'error' && m.subscription === 'y')).toMatchObject({
      code: 'ANALYTICS_ERR_QUERY_GROUP',
    });
    anon.send('not json' as unknown as object);
    expect(await anon.next((m) => m.type === 'error' && m.code === 'ANALYTICS_ERR_WS_PROTOCOL')).toBeDefined();
  });
});

async function waitClosed(c: StreamClient): Promise<void> {
  if (c.closed) return;
  await new Promise<void>((resolve) => c.ws.once('close', () => resolve()));
}

describe('analytics: REST', () => {
  it('serves a patient’s windows, the latest of every metric, and a department overview with NEWS2, within the customer', async () => {
    const p = a.patients[1]!;
    await produce(producer, topic, [
      { value: reading(a, { at: base + 2 * minute + 1_000, value: 120, patientId: p }) },
      { value: reading(a, { at: base + 2 * minute + 2_000, value: 90, patientId: p, metric: 'spo2' }) },
    ]);
    const from = new Date(base - minute).toISOString();
    const to = new Date(base + 10 * minute).toISOString();
    const path = `/v1/analytics/patients/${p}/windows?query=patient-1m&metric=heart_rate&from=${from}&to=${to}`;
    await waitFor(async () => (await call(`/v1/analytics/patients/${p}/latest`, tokenA)).body.windows?.length === 2, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'both readings to be committed',
    });
    const windows: Json[] = (await call(path, tokenA)).body.windows;
    // The reading at 2 min 2 s moved the partition's watermark past the first window's end + 30 s grace.
    expect(windows.map((w) => [w.windowStart, w.count, w.last, w.final])).toEqual([
      [new Date(base).toISOString(), 1, 99, true],
      [new Date(base + 2 * minute).toISOString(), 1, 120, false],
    ]);
    expect(Object.keys(windows[0])).not.toContain('sum');

    const latest = await call(`/v1/analytics/patients/${p}/latest`, tokenA);
    expect(latest.body.query).toBe('patient-1m');
    expect(latest.body.windows.map((w: Json) => [w.metric, w.last])).toEqual([
      ['heart_rate', 120],
      ['spo2', 90],
    ]);

    const overview = await call(`/v1/analytics/departments/${a.departmentId}/overview?since=${from}`, tokenA);
    expect(overview.status).toBe(200);
    const mine = overview.body.patients.find((x: Json) => x.patientId === p);
    // heart rate 120 scores 2, SpO2 90 scores 3: NEWS2 5, medium risk.
    expect(mine.news2).toEqual({ total: 5, risk: 'medium', scored: ['heart_rate', 'spo2'] });
    expect(mine.metrics.spo2).toMatchObject({ value: 90, news2: 3 });
    expect(overview.body.patients.map((x: Json) => x.patientId).sort()).toEqual([...a.patients].sort());

    const from5 = new Date(base - 5 * minute).toISOString();
    const dept = await call(
      `/v1/analytics/departments/${a.departmentId}/windows?query=department-5m&metric=heart_rate&from=${from5}&to=${to}`,
      tokenA,
    );
    expect(dept.body.windows.reduce((n: number, w: Json) => n + w.count, 0)).toBe(4);

    expect((await call(`/v1/analytics/patients/${b.patients[0]}/latest`, tokenA)).body.code).toBe('CLOUD_ERR_NOT_FOUND');
    expect((await call(`/v1/analytics/patients/${p}/latest`)).status).toBe(401);
    expect(
      (await call(`/v1/analytics/patients/${p}/windows?query=department-5m&metric=heart_rate&from=${from}&to=${to}`, tokenA)).body
        .code,
    ).toBe('ANALYTICS_ERR_QUERY_GROUP');
    expect(
      (await call(`/v1/analytics/patients/${p}/windows?query=patient-1m&metric=heart_rate&from=${to}&to=${from}`, tokenA)).body
        .code,
    ).toBe('ANALYTICS_ERR_TIME_RANGE');
    const admin = await token({ role: 'platform-admin' });
    expect((await call(`/v1/analytics/patients/${b.patients[0]}/latest`, admin)).status).toBe(200);
    expect((await call('/v1/analytics/queries', tokenA)).body.queries.map((q: Json) => q.id)).toEqual([
      'patient-1m',
      'patient-5m',
      'patient-5m-hop-1m',
      'department-5m',
    ]);
    expect(await call('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    const metrics = await (await fetch(`${instance.url}/metrics`)).text();
    expect(metrics).toMatch(/vitals_analytics_readings_total\{outcome="accepted",service="analytics"\} [1-9]/);
    const plain = await call('/v1/stream', tokenA);
    expect([plain.status, plain.body.code]).toEqual([426, 'ANALYTICS_ERR_WS_UPGRADE_REQUIRED']);
    const doc = await call('/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/analytics/patients/{patientId}/windows',
        '/v1/analytics/departments/{departmentId}/overview',
        '/v1/stream',
      ]),
    );
  });

  it('a reading past grace goes to the late topic with the queries it missed, never into a closed window', async () => {
    const p = a.patients[0]!;
    // Moves the partition's watermark an hour on; the next reading of the first minute is late for every query.
    const ahead = reading(a, { at: base + 60 * minute, value: 71, patientId: p });
    const late = reading(a, { at: base + 10_000, value: 200, patientId: p });
    await produce(producer, topic, [{ value: ahead }, { value: late }]);
    const out = await consumeUntil([`${topic}-late`], (rs) => rs.some((r) => (r.value ?? '').includes(late.reading.readingId)));
    const record = out.find((r) => (r.value ?? '').includes(late.reading.readingId))!;
    expect(record.key).toBe(p);
    expect(record.headers['vitals-late-queries']).toBe('patient-1m,patient-5m,patient-5m-hop-1m,department-5m');
    const { rows } = await db.pool.query(
      `SELECT max FROM window_aggregates WHERE group_id = $1 AND query_id = 'patient-1m' AND window_start = $2`,
      [p, new Date(base)],
    );
    expect(rows[0].max).toBe(80);

    // The hour-ahead reading closed the hopping windows of the first minutes: a `final` query shows only closed windows.
    const from = new Date(base - 10 * minute).toISOString();
    const to = new Date(base + 90 * minute).toISOString();
    const hop = await call(
      `/v1/analytics/patients/${p}/windows?query=patient-5m-hop-1m&metric=heart_rate&from=${from}&to=${to}`,
      tokenA,
    );
    expect(hop.body.windows.length).toBe(5);
    expect(hop.body.windows.every((w: Json) => w.final && w.count === 2)).toBe(true);
  });
});
