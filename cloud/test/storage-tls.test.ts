/**
 * TLS: with a certificate and key configured, the service serves HTTPS; a client that trusts our private CA
 * completes an authenticated round trip, a client that does not is refused by its own verification, and plain
 * HTTP to the port gets no answer.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from '@vitals/stack/testing';
import { loadStorageConfig } from '../src/config.js';
import { createLogger } from '../src/logging.js';
import { insertApiKey } from '../src/storage/reference/api-keys.js';
import { startStorage, type RunningService } from '../src/storage/server.js';

const openssl = (cwd: string, ...args: string[]) => promisify(execFile)('openssl', args, { cwd });

let dir: string;
let db: TempDatabase;
let server: RunningService;
let token: string;
let ca: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vitals-tls-'));
  await openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=vitals test CA',
  );
  await openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  await writeFile(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  ca = await readFile(path.join(dir, 'ca.pem'));

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
    CLOUD_TLS_CERT_FILE: path.join(dir, 'server.pem'),
    CLOUD_TLS_KEY_FILE: path.join(dir, 'server.key'),
    LOG_LEVEL: 'silent',
  });
  server = await startStorage(config, { log: createLogger({ level: 'silent' }) });
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
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
