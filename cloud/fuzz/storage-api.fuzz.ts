/**
 * Fuzz of the storage API (issue 19): at least 10,000 generated requests over every route and method of its
 * OpenAPI document, against the service as its own process (the real CLI), so a crash is a crash. The fuzzer
 * damages a tenant ("victim", a fresh one each burst) at will; after every burst a second tenant ("probe") must still ingest a gzip
 * batch that lands in PostgreSQL, and the process must still run.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTally, fuzzInputs, rssOf } from '@vitals/stack/testing/fuzz';
import { startCliService, type CliService } from '../test/support/child-service.js';
import { makeReadings, startStorageFixture, type StorageFixture, type Tenant } from '../test/support/storage-fixture.js';
import { fuzzHttp, operationsOf } from '@vitals/stack/testing/http-fuzz';

const INPUTS = fuzzInputs(10_000);

let f: StorageFixture;
let probe: Tenant;
let storage: CliService;
let url: string;

beforeAll(async () => {
  f = await startStorageFixture();
  probe = await f.tenant('probe');
  storage = startCliService('storage', {
    DATABASE_URL: f.databaseUrl,
    KAFKA_BROKERS: f.brokers.join(','),
    STORAGE_READINGS_TOPIC: f.topic,
    STORAGE_HOST: '127.0.0.1',
    STORAGE_RATE_LIMIT_MAX: '10000000',
    LOG_LEVEL: 'silent',
  });
  url = await storage.url;
});
afterAll(async () => {
  await storage?.kill();
  await f?.close();
});

async function probeIngests(): Promise<{ ok: boolean; detail?: string }> {
  const readings = makeReadings(probe.deviceId, 2);
  const res = await fetch(`${url}/v1/readings:batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${probe.gatewayToken}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify({ readings })),
  });
  if (res.status !== 200) return { ok: false, detail: `batch answered ${res.status}: ${await res.text()}` };
  const { rows } = await f.db.query<{ n: number }>('SELECT count(*)::int AS n FROM readings WHERE reading_id = ANY($1::uuid[])', [
    readings.map((r) => r.readingId),
  ]);
  return rows[0]!.n === 2 ? { ok: true } : { ok: false, detail: `${rows[0]!.n} of 2 readings stored` };
}

describe('storage API fuzz', () => {
  it(`${INPUTS} generated requests: no 5xx, no crash, and the probe tenant still ingests after every burst`, async () => {
    const doc = (await (await fetch(`${url}/docs/json`)).json()) as Record<string, unknown>;
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(40);
    const tally = createTally('storage-api');
    await fuzzHttp({
      tally,
      target: async (burst) => {
        const victim = await f.tenant(`victim${burst}`);
        return {
          url,
          operations,
          tokens: [f.adminToken, victim.adminToken, victim.clinicianToken, victim.gatewayToken],
          hints: {
            customerId: [victim.customerId],
            departmentId: [victim.departmentId],
            bedId: [victim.bedA, victim.bedB],
            patientId: [victim.patientId],
            deviceId: [victim.deviceId, victim.device2Id],
            gatewayId: [victim.gatewayId],
            assignmentId: [victim.assignmentId],
            keyId: [victim.adminKeyId],
          },
        };
      },
      count: INPUTS,
      burst: 250,
      concurrency: 8,
      alive: () => storage.alive(),
      validAfter: probeIngests,
    });
    const summary = tally.finish({ rssMiB: { storage: rssOf(storage.child.pid) } });
    expect(summary.crashSamples).toEqual([]);
    expect(summary.crashes).toBe(0);
    expect(summary.inputs).toBe(INPUTS);
    expect(summary.validAfter).toBe(true);
    expect(storage.alive()).toBe(true);
  });
});
