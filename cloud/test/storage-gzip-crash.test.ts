/**
 * Regression of issue 19, "one request kills a cloud service": a gzip-encoded body that fastify refused for its
 * content type (415) was still piped into gunzip, whose 'error' (incorrect header check) nobody heard, and the
 * process exited. The service runs here as its own process (the real CLI), so a crash is seen as a crash: every
 * refused request is followed by a health check on the same process, and a valid request must still succeed.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliService, type CliService } from './support/child-service.js';
import { makeReadings, startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let f: StorageFixture;
let t: Tenant;
let storage: CliService;
let url: string;

beforeAll(async () => {
  f = await startStorageFixture({ env: { STORAGE_INGEST_BODY_LIMIT: '512KiB' } });
  t = await f.tenant('gzip');
  storage = startCliService('storage', {
    DATABASE_URL: f.databaseUrl,
    KAFKA_BROKERS: f.brokers.join(','),
    STORAGE_READINGS_TOPIC: f.topic,
    STORAGE_HOST: '127.0.0.1',
    STORAGE_INGEST_BODY_LIMIT: '512KiB',
    LOG_LEVEL: 'warn',
  });
  url = await storage.url;
});
afterAll(async () => {
  await storage?.kill();
  await f?.close();
});

const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
const garbage = randomBytes(4096);
const valid = gzipSync(JSON.stringify({ readings: ['x'] }));

const bodies: Array<[string, Buffer, string]> = [
  ['not gzip', garbage, 'gzip'],
  ['truncated gzip', valid.subarray(0, valid.length - 6), 'gzip'],
  ['gzip with trailing garbage', Buffer.concat([valid, garbage]), 'gzip'],
  ['gzip bomb', bomb, 'gzip'],
  ['not gzip (x-gzip)', garbage, 'x-gzip'],
  ['brotli', garbage, 'br'],
];
const contentTypes = ['text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', 'application/json'];

async function post(path: string, token: string, body: Buffer, contentType: string, encoding: string) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'content-encoding': encoding },
    body,
  });
  return { status: res.status, body: (await res.json()) as { code: string; requestId?: string } };
}

async function stillServing(): Promise<void> {
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  expect(storage.alive()).toBe(true);
}

describe('a refused gzip body does not end the storage process (issue 19)', () => {
  const routes = [
    ['/v1/readings:batch', () => t.gatewayToken],
    ['/v1/patients', () => t.adminToken],
  ] as const;
  for (const [path, token] of routes) {
    for (const contentType of contentTypes) {
      it(`POST ${path} as ${contentType}: each bad encoding answers 4xx and the process keeps serving`, async () => {
        for (const [what, body, encoding] of bodies) {
          const r = await post(path, token(), body, contentType, encoding);
          expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
          expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBeLessThan(500);
          expect(r.body.code).toMatch(/^CLOUD_ERR_/);
          await stillServing();
        }
      });
    }
  }

  it('a gzip bomb stops at the body limit with 413 and a refused content type with 415', async () => {
    expect((await post('/v1/readings:batch', t.gatewayToken, bomb, 'application/json', 'gzip')).status).toBe(413);
    expect((await post('/v1/readings:batch', t.gatewayToken, bomb, 'text/plain', 'gzip')).status).toBe(415);
    expect((await post('/v1/readings:batch', t.gatewayToken, garbage, 'application/json', 'gzip')).status).toBe(400);
    expect((await post('/v1/readings:batch', t.gatewayToken, garbage, 'application/json', 'deflate')).status).toBe(415);
  });

  it('after all of it a valid gzip batch and a valid patient are accepted by the same process', async () => {
    const readings = makeReadings(t.deviceId, 3);
    const batch = await post(
      '/v1/readings:batch',
      t.gatewayToken,
      gzipSync(JSON.stringify({ readings })),
      'application/json',
      'gzip',
    );
    expect(batch.status).toBe(200);
    const patient = await post(
      '/v1/patients',
      t.adminToken,
      gzipSync(JSON.stringify({ customerId: t.customerId, mrn: `MRN-gz-${Date.now()}`, givenName: 'G', familyName: 'Z' })),
      'application/json',
      'gzip',
    );
    expect(patient.status).toBe(201);
    expect(storage.alive()).toBe(true);
  });
});
