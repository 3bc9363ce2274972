/**
 * Fuzz of the configuration service's REST API (issue 19): at least 10,000 generated requests over every route
 * and method of its OpenAPI document, against the service as its own process (the real CLI). A fresh victim
 * tenant each burst takes the damage; after every burst a probe tenant's device settings must still be created
 * (gzip body) and land in PostgreSQL, and the process must still run.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@vitals/stack/testing';
import { createTally, fuzzInputs, rssOf } from '@vitals/stack/testing/fuzz';
import { startCliService, type CliService } from '../test/support/child-service.js';
import { JWT_SECRET, startStorageFixture, type StorageFixture, type Tenant } from '../test/support/storage-fixture.js';
import { fuzzHttp, operationsOf } from '@vitals/stack/testing/http-fuzz';

const INPUTS = fuzzInputs(10_000);

let f: StorageFixture;
let probe: Tenant;
let config: CliService;
let url: string;

beforeAll(async () => {
  f = await startStorageFixture();
  probe = await f.tenant('probe');
  config = startCliService('config', {
    DATABASE_URL: f.databaseUrl,
    CONFIG_HOST: '127.0.0.1',
    CONFIG_MQTT_PORT: String(await freePort()),
    CONFIG_RATE_LIMIT_MAX: '10000000',
    CONFIG_DEBOUNCE: '20ms',
    CLOUD_JWT_SECRET: JWT_SECRET,
    LOG_LEVEL: 'silent',
  });
  url = await config.url;
});
afterAll(async () => {
  await config?.kill();
  await f?.close();
});

let probeModel = 0;
async function probeWrites(): Promise<{ ok: boolean; detail?: string }> {
  const model = `probe-model-${++probeModel}`;
  const res = await fetch(`${url}/v1/device-settings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${probe.adminToken}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify({ model, samplingIntervalMs: 5000 })),
  });
  if (res.status !== 201) return { ok: false, detail: `device-settings answered ${res.status}: ${await res.text()}` };
  const { rows } = await f.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM device_settings WHERE customer_id = $1 AND model = $2',
    [probe.customerId, model],
  );
  return rows[0]!.n === 1 ? { ok: true } : { ok: false, detail: `${rows[0]!.n} rows stored for ${model}` };
}

describe('configuration API fuzz', () => {
  it(`${INPUTS} generated requests: no 5xx, no crash, and the probe tenant still writes after every burst`, async () => {
    const doc = (await (await fetch(`${url}/docs/json`)).json()) as Record<string, unknown>;
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(10);
    const tally = createTally('config-api');
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
            patientId: [victim.patientId],
            deviceId: [victim.deviceId, victim.device2Id],
            gatewayId: [victim.gatewayId],
            model: ['test'],
            metric: ['heart_rate', 'spo2', 'resp_rate'],
          },
        };
      },
      count: INPUTS,
      burst: 500,
      concurrency: 8,
      alive: () => config.alive(),
      validAfter: probeWrites,
    });
    const summary = tally.finish({ rssMiB: { config: rssOf(config.child.pid) } });
    expect(summary.crashSamples).toEqual([]);
    expect(summary.crashes).toBe(0);
    expect(summary.inputs).toBe(INPUTS);
    expect(summary.validAfter).toBe(true);
    expect(config.alive()).toBe(true);
  });
});
