/** `vitals cloud storage` and `vitals admin create-key` as an operator runs them. */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@vitals/shared';
import { createTempDatabase, type TempDatabase } from '@vitals/stack/testing';
import { hashToken } from '../src/auth/tokens.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'docker', 'bin', 'vitals.mjs');
let db: TempDatabase;

async function vitals(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  db = await createTempDatabase({ migrate: true });
});
afterAll(async () => {
  await db?.drop();
});

describe('vitals admin create-key', () => {
  it('bootstraps a platform admin key: printed once on stdout, stored only as a hash, audited', async () => {
    const r = await vitals({ DATABASE_URL: db.url }, 'admin', 'create-key', '--role', 'platform-admin', '--name', 'first admin');
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^vk_[A-Za-z0-9_-]{43}$/);
    const client = new pg.Client(db.url);
    await client.connect();
    try {
      const keys = await client.query('SELECT role, name, key_hash FROM api_keys');
      expect(keys.rows).toEqual([{ role: 'platform-admin', name: 'first admin', key_hash: hashToken(token) }]);
      const audit = await client.query("SELECT actor_kind, action, entity FROM audit_log WHERE entity = 'API key'");
      expect(audit.rows).toEqual([{ actor_kind: 'cli', action: 'create', entity: 'API key' }]);
    } finally {
      await client.end();
    }
  });

  it('refuses a tenant role without a customer, and an unknown role', async () => {
    const noCustomer = await vitals({ DATABASE_URL: db.url }, 'admin', 'create-key', '--role', 'clinician');
    expect(noCustomer.code).not.toBe(0);
    expect(noCustomer.stderr).toMatch(/CLOUD_ERR_VALIDATION.*customerId/);
    const badRole = await vitals({ DATABASE_URL: db.url }, 'admin', 'create-key', '--role', 'superuser');
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/must be one of/);
  });
});

describe('vitals cloud', () => {
  it('names the services when asked for one that does not exist', async () => {
    const r = await vitals({}, 'cloud', 'billing');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /unknown service "billing"; choose one of storage, enricher, analytics, config, web, dispatcher, all/,
    );
  });

  it('fails fast on invalid configuration', async () => {
    const r = await vitals({ DATABASE_URL: db.url, CLOUD_TLS_CERT_FILE: '/nonexistent.pem' }, 'cloud', 'storage', '--port', '0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CONFIG_INVALID.*must be set together/s);
  });

  it('starts storage on --port, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'cloud', 'storage', '--port', '0'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: db.url, STORAGE_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1], {
        timeoutMs: 60_000,
        what: 'the storage service to listen',
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: closing storage/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
