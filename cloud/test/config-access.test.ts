/**
 * Authorisation of every route of the configuration service, enumerated from the server itself (fastify
 * onRoute), exactly like the storage API: unauthenticated -> 401, roles a route does not allow -> 403 (a
 * clinician never writes, a gateway never uses this API), another customer's resources -> 404, and lists never
 * show them. A new route without a sample below fails this test.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublic, type RouteAccess } from '../src/auth/access.js';
import type { Role } from '../src/auth/roles.js';
import { startConfigWorld, type ConfigWorld, type Tenant } from './config-support/world.js';

interface World extends Tenant {
  thresholdId: string;
  settingsId: string;
  receiverId: string;
}

let w: ConfigWorld;
let a: World;
let b: World;
const routes: Array<{ method: string; url: string; readonly access: RouteAccess | undefined }> = [];

async function seed(t: Tenant): Promise<World> {
  const th = await w.call('POST', '/v1/alert-thresholds', {
    token: t.adminToken,
    body: { scope: 'department', departmentId: t.departmentId, metric: 'spo2', low: 90, priority: 'high' },
  });
  const ds = await w.call('POST', '/v1/device-settings', {
    token: t.adminToken,
    body: { deviceId: t.deviceId, samplingIntervalMs: 2000 },
  });
  const rc = await w.call('POST', '/v1/alarm-receivers', {
    token: t.adminToken,
    body: { departmentId: t.departmentId, name: 'nurse call', host: '127.0.0.1', port: 2575 },
  });
  if (th.status !== 201 || ds.status !== 201 || rc.status !== 201)
    throw new Error(`seed failed: ${th.status} ${ds.status} ${rc.status}`);
  await w.settled(t);
  return { ...t, thresholdId: th.body.id, settingsId: ds.body.id, receiverId: rc.body.id };
}

beforeAll(async () => {
  w = await startConfigWorld({
    onRoute: (r: RouteOptions) => {
      for (const method of [r.method].flat()) {
        routes.push({
          method,
          url: r.url,
          get access() {
            return r.config?.access;
          },
        });
      }
    },
  });
  a = await seed(await w.tenant('acc-a'));
  b = await seed(await w.tenant('acc-b'));
});
afterAll(async () => {
  await w?.close();
});

type Foreign =
  { kind: '404'; path: string; body?: unknown } | { kind: 'list'; path: string; owner: (i: Record<string, unknown>) => unknown };
type Sample = (own: World, other: World) => { path: string; body?: unknown; foreign?: Foreign };

const byCustomer = (i: Record<string, unknown>) => i.customerId;
const list =
  (path: string): Sample =>
  () => ({ path, foreign: { kind: 'list', path, owner: byCustomer } });
const item =
  (path: (t: World) => string, body?: unknown): Sample =>
  (own, other) => ({ path: path(own), body, foreign: { kind: '404', path: path(other), body } });
const create =
  (path: string, body: (other: World) => unknown): Sample =>
  (_own, other) => ({ path, foreign: { kind: '404', path, body: body(other) } });

const SAMPLES: Record<string, Sample> = {
  'GET /v1/alert-thresholds': list('/v1/alert-thresholds'),
  'POST /v1/alert-thresholds': create('/v1/alert-thresholds', (o) => ({
    customerId: o.customerId,
    scope: 'customer',
    metric: 'resp_rate',
    high: 30,
    priority: 'medium',
  })),
  'GET /v1/alert-thresholds/:thresholdId': item((t) => `/v1/alert-thresholds/${t.thresholdId}`),
  'PATCH /v1/alert-thresholds/:thresholdId': item((t) => `/v1/alert-thresholds/${t.thresholdId}`, { low: 80 }),
  'DELETE /v1/alert-thresholds/:thresholdId': item((t) => `/v1/alert-thresholds/${t.thresholdId}`),
  'GET /v1/device-settings': list('/v1/device-settings'),
  'POST /v1/device-settings': create('/v1/device-settings', (o) => ({ customerId: o.customerId, model: 'stolen' })),
  'GET /v1/device-settings/:settingsId': item((t) => `/v1/device-settings/${t.settingsId}`),
  'PATCH /v1/device-settings/:settingsId': item((t) => `/v1/device-settings/${t.settingsId}`, { alarmsEnabled: false }),
  'DELETE /v1/device-settings/:settingsId': item((t) => `/v1/device-settings/${t.settingsId}`),
  'GET /v1/alarm-receivers': list('/v1/alarm-receivers'),
  'POST /v1/alarm-receivers': create('/v1/alarm-receivers', (o) => ({
    customerId: o.customerId,
    name: 'stolen',
    host: '203.0.113.9',
    port: 2575,
  })),
  'GET /v1/alarm-receivers/:receiverId': item((t) => `/v1/alarm-receivers/${t.receiverId}`),
  'PATCH /v1/alarm-receivers/:receiverId': item((t) => `/v1/alarm-receivers/${t.receiverId}`, { host: '203.0.113.9' }),
  'DELETE /v1/alarm-receivers/:receiverId': item((t) => `/v1/alarm-receivers/${t.receiverId}`),
  'GET /v1/gateways/:gatewayId/config': item((t) => `/v1/gateways/${t.gatewayId}/config`),
  'GET /v1/gateways/:gatewayId/config/versions': item((t) => `/v1/gateways/${t.gatewayId}/config/versions`),
  'GET /v1/gateways/:gatewayId/config/versions/:version': item((t) => `/v1/gateways/${t.gatewayId}/config/versions/1`),
  'GET /v1/gateways/:gatewayId/config/acks': item((t) => `/v1/gateways/${t.gatewayId}/config/acks`),
  'GET /v1/gateways/:gatewayId/config-status': item((t) => `/v1/gateways/${t.gatewayId}/config-status`),
  'GET /v1/config-status': () => ({
    path: '/v1/config-status',
    foreign: { kind: 'list', path: '/v1/config-status', owner: byCustomer },
  }),
  'POST /v1/gateways/:gatewayId/config/refresh': item((t) => `/v1/gateways/${t.gatewayId}/config/refresh`),
};

const PUBLIC_ROUTES = /^(GET \/healthz|GET \/readyz|GET \/metrics|(GET|HEAD) \/docs(\/.*)?)$/;
const name = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const protectedRoutes = () => routes.filter((r) => r.access && !isPublic(r.access));

function tokenOf(t: Tenant, role: Role): string {
  if (role === 'platform-admin') return w.storage.adminToken;
  return { 'customer-admin': t.adminToken, clinician: t.clinicianToken, gateway: t.gatewayToken }[role];
}

describe('configuration API access matrix', () => {
  it('every route declares its access; the public ones are only health, metrics and docs', () => {
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.filter((r) => !r.access).map(name)).toEqual([]);
    expect(routes.filter((r) => r.access && isPublic(r.access) && !PUBLIC_ROUTES.test(name(r))).map(name)).toEqual([]);
  });

  it('every protected route has a sample here (add one with a new route)', () => {
    expect(
      protectedRoutes()
        .map(name)
        .filter((n) => !SAMPLES[n]),
    ).toEqual([]);
  });

  it('a clinician never writes and a gateway never uses this API', () => {
    for (const r of protectedRoutes()) {
      const roles = (r.access as { roles: readonly Role[] }).roles;
      if (r.method !== 'GET') expect(roles, name(r)).not.toContain('clinician');
      expect(roles, name(r)).not.toContain('gateway');
    }
  });

  it('without credentials, or with an unknown or expired one: 401', async () => {
    const expired = await w.storage.jwt({ sub: 'old', role: 'customer-admin', customer: a.customerId }, -120);
    for (const r of protectedRoutes()) {
      const { path, body } = SAMPLES[name(r)]!(a, b);
      for (const token of [null, 'vk_this-key-does-not-exist-anywhere', expired]) {
        const res = await w.call(r.method, path, { token, body: body ?? {} });
        expect({ route: name(r), status: res.status, code: res.body?.code }).toEqual({
          route: name(r),
          status: 401,
          code: 'CLOUD_ERR_UNAUTHENTICATED',
        });
      }
    }
  });

  it('a role the route does not allow: 403, before anything is read or written', async () => {
    for (const r of protectedRoutes()) {
      const roles = (r.access as { roles: readonly Role[] }).roles;
      const { path, body } = SAMPLES[name(r)]!(a, b);
      for (const role of ['customer-admin', 'clinician', 'gateway'] as const) {
        if (roles.includes(role)) continue;
        const res = await w.call(r.method, path, { token: tokenOf(a, role), body: body ?? {} });
        expect({ route: name(r), role, status: res.status }).toEqual({ route: name(r), role, status: 403 });
      }
    }
  });

  it("another customer's resources answer 404 and never appear in lists", async () => {
    const jwtOfA = await w.storage.jwt({ sub: 'nurse-a', role: 'clinician', customer: a.customerId });
    for (const r of protectedRoutes()) {
      const roles = (r.access as { roles: readonly Role[] }).roles;
      const role = (['customer-admin', 'clinician'] as const).find((x) => roles.includes(x));
      const { foreign } = SAMPLES[name(r)]!(a, b);
      if (!role || !foreign) continue;
      const token = tokenOf(a, role);
      if (foreign.kind === '404') {
        const res = await w.call(r.method, foreign.path, { token, body: foreign.body });
        expect({ route: name(r), status: res.status, code: res.body?.code }).toEqual({
          route: name(r),
          status: 404,
          code: 'CLOUD_ERR_NOT_FOUND',
        });
      } else {
        for (const t of role === 'clinician' ? [token, jwtOfA] : [token]) {
          const res = await w.call('GET', `${foreign.path}?limit=500`, { token: t });
          expect(res.status, name(r)).toBe(200);
          expect(res.body.items.length, name(r)).toBeGreaterThan(0);
          expect(new Set(res.body.items.map(foreign.owner)), name(r)).toEqual(new Set([a.customerId]));
          const filtered = await w.call('GET', `${foreign.path}?customerId=${b.customerId}`, { token: t });
          expect(filtered.status, `${name(r)}?customerId=<other>`).toBe(404);
        }
      }
    }
  });

  it("the other customer's configuration is untouched after all of that", async () => {
    for (const path of [
      `/v1/alert-thresholds/${b.thresholdId}`,
      `/v1/device-settings/${b.settingsId}`,
      `/v1/alarm-receivers/${b.receiverId}`,
    ]) {
      const res = await w.call('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.body.version, path).toBe(1);
    }
    const versions = await w.call('GET', `/v1/gateways/${b.gatewayId}/config/versions`, { token: b.clinicianToken });
    const status = await w.call('GET', `/v1/gateways/${b.gatewayId}/config-status`, { token: b.clinicianToken });
    expect(status.body.desiredVersion).toBe(versions.body.items[0].version);
  });
});

describe('vitals cloud config', () => {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const bin = path.join(root, 'docker', 'bin', 'vitals.mjs');

  it('starts the service from the environment, answers, and stops cleanly on SIGTERM', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: w.storage.databaseUrl,
      CONFIG_HOST: '127.0.0.1',
      CONFIG_MQTT_PORT: '0',
      LOG_LEVEL: 'silent',
    };
    const child = spawn(process.execPath, [bin, 'cloud', 'config', '--port', '0'], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stderr! }).on('line', (line) => {
          const m = /cloud config listening on (\S+)/.exec(line);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`exited with ${code} before listening`)));
      });
      const ready = await fetch(`${url}/healthz`);
      expect(ready.status).toBe(200);
      const status = await fetch(`${url}/v1/config-status`, { headers: { authorization: `Bearer ${w.storage.adminToken}` } });
      expect(status.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('fails fast on invalid settings', async () => {
    const r = await promisify(execFile)(process.execPath, [bin, 'cloud', 'config'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: w.storage.databaseUrl, CONFIG_MQTT_MODE: 'carrier-pigeon' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/CONFIG_MQTT_MODE.*must be one of embedded, external/);
  });
});
