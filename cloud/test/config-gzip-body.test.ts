/**
 * Regression of issue 19 on the configuration service: `POST /v1/device-settings` with a gzip body answered 500
 * (the service had no request decompression, so the JSON parser met gzip bytes). The service runs as its own
 * process (the real CLI): a valid gzip body is created and stored, every bad one answers 4xx with a code, and
 * the process keeps serving.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@vitals/stack/testing';
import { startCliService, type CliService } from './support/child-service.js';
import { JWT_SECRET, startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let f: StorageFixture;
let t: Tenant;
let config: CliService;
let url: string;

beforeAll(async () => {
  f = await startStorageFixture();
  t = await f.tenant('cfg-gzip');
  config = startCliService('config', {
    DATABASE_URL: f.databaseUrl,
    CONFIG_HOST: '127.0.0.1',
    CONFIG_MQTT_PORT: String(await freePort()),
    CONFIG_API_BODY_LIMIT: '256KiB',
    CLOUD_JWT_SECRET: JWT_SECRET,
    LOG_LEVEL: 'warn',
  });
  url = await config.url;
});
afterAll(async () => {
  await config?.kill();
  await f?.close();
});

async function post(body: Buffer, contentType: string, encoding: string) {
  const res = await fetch(`${url}/v1/device-settings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': contentType, 'content-encoding': encoding },
    body,
  });
  return { status: res.status, body: (await res.json()) as { code?: string; id?: string; model?: string } };
}

describe('POST /v1/device-settings with a gzip body (issue 19)', () => {
  it('a valid gzip body is created and stored', async () => {
    const r = await post(gzipSync(JSON.stringify({ model: 'gzip-model', samplingIntervalMs: 2000 })), 'application/json', 'gzip');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.model).toBe('gzip-model');
    const { rows } = await f.db.query('SELECT sampling_interval_ms FROM device_settings WHERE id = $1', [r.body.id]);
    expect(rows).toEqual([{ sampling_interval_ms: 2000 }]);
  });

  const valid = gzipSync(JSON.stringify({ model: 'm', samplingIntervalMs: 2000 }));
  const cases: Array<[string, Buffer, string, string, number, string]> = [
    ['gzip of garbage', randomBytes(2048), 'application/json', 'gzip', 400, 'CLOUD_ERR_MALFORMED_BODY'],
    ['truncated gzip', valid.subarray(0, valid.length - 5), 'application/json', 'gzip', 400, 'CLOUD_ERR_MALFORMED_BODY'],
    ['gzip bomb', gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20)), 'application/json', 'gzip', 413, 'CLOUD_ERR_PAYLOAD_TOO_LARGE'],
    ['gzip as text/plain', valid, 'text/plain', 'gzip', 415, 'CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['gzip as octet-stream', randomBytes(64), 'application/octet-stream', 'gzip', 415, 'CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['deflate', valid, 'application/json', 'deflate', 415, 'CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE'],
  ];
  for (const [what, body, type, encoding, status, code] of cases) {
    it(`${what}: ${status} ${code}, and the process keeps serving`, async () => {
      const r = await post(body, type, encoding);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.code).toBe(code);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(config.alive()).toBe(true);
    });
  }
});
