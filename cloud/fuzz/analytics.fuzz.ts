/**
 * Fuzz of the analytics service (issue 19), run as its own process (the real CLI) on a private database and
 * input topic: at least 10,000 generated REST requests over every route of its OpenAPI document, and at least
 * 10,000 WebSocket frames on `/v1/stream` (valid, mutated and garbage messages, binary frames, oversized frames,
 * subscriptions by readers that never read). After every burst a valid enriched reading produced to its input
 * topic must land in its window table and reach a fresh subscriber, and the process must still run.
 */
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@vitals/shared';
import { createTally, fuzzInputs, mutateBytes, mutateJson, randomJson, rssOf, type Rng } from '@vitals/stack/testing/fuzz';
import { fuzzHttp, operationsOf } from '@vitals/stack/testing/http-fuzz';
import {
  analyticsEnv,
  createAnalyticsDb,
  createTopic,
  deleteTopics,
  produce,
  reading,
  seedTenant,
  StreamClient,
  testKafka,
  token,
  topicsOf,
  type Db,
  type Tenant,
} from '../test/support/analytics-world.js';
import { startCliService, type CliService } from '../test/support/child-service.js';

const INPUTS = fuzzInputs(10_000);

let db: Db & { template: unknown };
let t: Tenant;
let topic: string;
let producer: Producer;
let analytics: CliService;
let url: string;
const kafka = testKafka();

beforeAll(async () => {
  db = await createAnalyticsDb();
  t = await seedTenant(db.pool, { patients: 3 });
  topic = await createTopic(kafka, 1, 'analytics-fuzz');
  producer = kafka.producer();
  await producer.connect();
  analytics = startCliService(
    'analytics',
    analyticsEnv(db, topic, `analytics-fuzz-${randomUUID().slice(0, 8)}`, {
      ANALYTICS_RATE_LIMIT_MAX: '10000000',
      ANALYTICS_NOTIFY: 'false',
      LOG_LEVEL: 'silent',
    }),
  );
  url = await analytics.url;
});
afterAll(async () => {
  await analytics?.kill();
  await producer?.disconnect();
  if (topic) await deleteTopics(kafka, topicsOf(topic));
  await db?.drop();
});

let probeValue = 1000;
/** A valid enriched reading of a probe patient lands in the window table and reaches a fresh subscriber. */
async function probeReading(): Promise<{ ok: boolean; detail?: string }> {
  const value = ++probeValue;
  const patientId = t.patients[2]!;
  const client = await StreamClient.connect(url, { token: await token({ role: 'clinician', customer: t.customerId }) });
  try {
    await client.next((m) => m.type === 'ready', 10_000);
    client.send({ type: 'subscribe', id: 'probe', query: 'patient-1m', patientId });
    await client.next((m) => m.type === 'header', 10_000);
    await produce(producer, topic, [{ value: reading(t, { at: Date.now() - 1000, value, patientId, metric: 'heart_rate' }) }]);
    await waitFor(
      async () => {
        const { rows } = await db.pool.query('SELECT 1 FROM window_aggregates WHERE group_id = $1 AND last = $2', [
          patientId,
          value,
        ]);
        return rows.length > 0;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `the probe reading ${value} in window_aggregates` },
    );
    await client.next((m) => m.type === 'row' && JSON.stringify(m.row).includes(String(value)), 30_000);
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: String(err) };
  } finally {
    await client.close();
  }
}

describe('analytics fuzz', () => {
  it(`REST: ${INPUTS} generated requests over every route, no 5xx, no crash`, async () => {
    const doc = (await (await fetch(`${url}/docs/json`)).json()) as Record<string, unknown>;
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(4);
    const tokens = [
      await token({ role: 'platform-admin' }),
      await token({ role: 'customer-admin', customer: t.customerId }),
      await token({ role: 'clinician', customer: t.customerId }),
      await token({ role: 'clinician', customer: randomUUID() }),
    ];
    const tally = createTally('analytics-rest');
    await fuzzHttp({
      tally,
      target: async () => ({
        url,
        operations,
        tokens,
        hints: { customerId: [t.customerId], departmentId: [t.departmentId], patientId: t.patients, query: ['patient-1m'] },
      }),
      count: INPUTS,
      burst: 2500,
      concurrency: 8,
      alive: () => analytics.alive(),
      validAfter: probeReading,
    });
    const s = tally.finish({ rssMiB: { analytics: rssOf(analytics.child.pid) } });
    expect(s.crashSamples).toEqual([]);
    expect(s.crashes).toBe(0);
    expect(s.inputs).toBe(INPUTS);
    expect(s.validAfter).toBe(true);
  });

  it(`WebSocket: ${INPUTS} frames (text, binary, oversized, slow readers), no internal close, no crash`, async () => {
    const tally = createTally('analytics-websocket');
    const goodToken = await token({ role: 'clinician', customer: t.customerId });
    const frameOf = (rng: Rng): { data: Buffer | string; binary: boolean } => {
      const valid = rng.pick<Record<string, unknown>>([
        { type: 'auth', token: goodToken },
        { type: 'subscribe', id: `s${rng.int(0, 99)}`, query: 'patient-1m', patientId: rng.pick(t.patients) },
        {
          type: 'subscribe',
          id: `d${rng.int(0, 99)}`,
          query: rng.pick(['department-1m', 'patient-1m', 'x']),
          departmentId: t.departmentId,
          metrics: ['heart_rate'],
        },
        { type: 'unsubscribe', id: `s${rng.int(0, 99)}` },
      ]);
      return rng.weighted<() => { data: Buffer | string; binary: boolean }>([
        [4, () => ({ data: JSON.stringify(valid), binary: false })],
        [4, () => ({ data: JSON.stringify(mutateJson(rng, valid)), binary: false })],
        [1, () => ({ data: JSON.stringify(randomJson(rng, 4)), binary: false })],
        [1, () => ({ data: mutateBytes(rng, Buffer.from(JSON.stringify(valid))), binary: rng.bool() })],
        [1, () => ({ data: rng.bytes(rng.int(0, 2048)), binary: true })],
        [
          1,
          () => ({
            data: JSON.stringify({ ...valid, pad: 'x'.repeat(rng.pick([70_000, 1_100_000, 5_000_000])) }),
            binary: false,
          }),
        ],
        [1, () => ({ data: '['.repeat(rng.pick([1000, 100_000])), binary: false })],
        [1, () => ({ data: '', binary: rng.bool() })],
      ])();
    };
    let sent = 0;
    let session = 0;
    for (let burst = 0; sent < INPUTS; burst++) {
      const target = Math.min(INPUTS, sent + 2000);
      const oneSession = async () => {
        const rng = tally.rng.fork(`session-${session++}`);
        const frames = rng.int(1, 30);
        const slow = rng.bool(0.1);
        const headerAuth = rng.bool(0.3);
        const ws = new WebSocket(
          `${url.replace(/^http/, 'ws')}/v1/stream`,
          headerAuth ? { headers: { authorization: `Bearer ${goodToken}` } } : {},
        );
        const closed = new Promise<{ code: number } | { error: string }>((resolve) => {
          ws.once('close', (code) => resolve({ code }));
          ws.once('error', (err: Error & { code?: string }) => resolve({ error: err.code ?? err.message }));
        });
        const opened = await Promise.race([
          new Promise<boolean>((r) => ws.once('open', () => r(true))),
          closed.then(() => false),
        ]);
        if (!opened) {
          tally.crash(`session ${session}: could not open (${JSON.stringify(await closed)})`);
          return;
        }
        // A slow reader stops reading its socket: the server must drop it (4008) rather than buffer without end.
        if (slow) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
        let n = 0;
        for (; n < frames && sent < target && ws.readyState === WebSocket.OPEN; n++) {
          const f = frameOf(rng);
          sent++;
          await new Promise<void>((resolve) => ws.send(f.data, { binary: f.binary }, () => resolve()));
        }
        if (!slow) ws.close(1000);
        const end = await Promise.race([closed, new Promise<'open'>((r) => setTimeout(() => r('open'), slow ? 200 : 2000))]);
        if (end === 'open') ws.terminate();
        const what = end === 'open' ? 'left-open' : 'code' in end ? `close-${end.code}` : `error-${end.error}`;
        for (let k = 0; k < n; k++) tally.outcome(what);
        if (what === 'close-1011') tally.crash(`session ${session}: internal error close (1011)`);
      };
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (sent < target) await oneSession();
        }),
      );
      if (!analytics.alive()) {
        tally.crash(`analytics exited during WebSocket burst ${burst}`);
        tally.validAfter(false, 'process gone');
        break;
      }
      const v = await probeReading();
      tally.validAfter(v.ok, `after WebSocket burst ${burst}: ${v.detail ?? ''}`);
    }
    const s = tally.finish({ rssMiB: { analytics: rssOf(analytics.child.pid) } });
    expect(s.crashSamples).toEqual([]);
    expect(s.crashes).toBe(0);
    expect(s.inputs).toBe(INPUTS);
    expect(s.validAfter).toBe(true);
  });
});
