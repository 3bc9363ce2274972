/**
 * TLS: with a certificate and key configured, the service serves HTTPS; a client that trusts our private CA
 * completes an authenticated round trip, a client that does not is refused by its own verification, and plain
 * HTTP to the port gets no answer.
 */
import https from 'node:https';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from '@vitals/stack/testing';
import { makeCerts, type TestCerts } from '@vitals/stack/testing/certs';
import { loadStorageConfig } from '../src/config.js';
import { createLogger } from '../src/logging.js';
import { insertApiKey } from '../src/storage/reference/api-keys.js';
import { startStorage, type RunningService } from '../src/storage/server.js';

let certs: TestCerts;
let db: TempDatabase;
let server: RunningService;
let token: string;
let ca: Buffer;

beforeAll(async () => {
  certs = await makeCerts();
  ca = certs.ca;

  db = await createTempDatabase({ migrate: true });
  const client = new pg.Client(db.url);
  await client.connect();
  ({ token } = await insertApiKey(client, {
    role: 'platform-admin',
    customerId: null,
    gatewayId: null,
    name: 'tls',
    expiresAt: null,
    createdBy: 'test',
  }));
  await client.end();
  const config = loadStorageConfig({
    DATABASE_URL: db.url,
    STORAGE_PORT: '0',
    STORAGE_HOST: '127.0.0.1',
    CLOUD_TLS_CERT_FILE: certs.certFile,
    CLOUD_TLS_KEY_FILE: certs.keyFile,
    LOG_LEVEL: 'silent',
  });
  server = await startStorage(config, { log: createLogger({ level: 'silent' }) });
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
  await certs?.remove();
});

function get(url: string, o: { ca?: Buffer; token?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: o.ca, headers: o.token ? { authorization: `Bearer ${o.token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

it('serves HTTPS to a client that trusts the private CA, and only to it', async () => {
  expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const ok = await get(`${server.url}/v1/customers`, { ca, token });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body)).toMatchObject({ items: [], total: 0 });
  await expect(get(`${server.url}/healthz`, {})).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  const plain = await fetch(server.url.replace('https:', 'http:') + '/healthz').then(
    (r) => r.status,
    () => 'refused',
  );
  expect(plain === 'refused' || plain === 400).toBe(true);
});
