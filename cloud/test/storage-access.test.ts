/**
 * Authorisation of every route, enumerated from the server itself (fastify onRoute): unauthenticated -> 401,
 * roles a route does not allow -> 403 (a clinician never writes, a gateway never reads), another customer's
 * resources -> 404 (lists never show them). A new route without a sample below fails this test, so nothing
 * ships without a scoping check.
 */
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublic, type RouteAccess } from '../src/auth/access.js';
import type { Role } from '../src/auth/roles.js';
import { makeReading, startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let f: StorageFixture;
let a: Tenant;
let b: Tenant;
/** One stored reading per tenant, for the FHIR Observation read. */
const readingOf = new Map<Tenant, string>();
const routes: Array<{ method: string; url: string; readonly access: RouteAccess | undefined }> = [];

beforeAll(async () => {
  f = await startStorageFixture({
    onRoute: (r: RouteOptions) => {
      // Read the declaration later: plugins registered after this hook may still complete it (Swagger UI's routes).
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
  a = await f.tenant('a');
  b = await f.tenant('b');
  for (const t of [a, b]) {
    const { rows } = await f.db.query<{ id: string }>(
      `INSERT INTO readings (reading_id, customer_id, device_id, device_seq, metric, value, unit, measured_at, received_at)
       VALUES (gen_random_uuid(), $1, $2, 1, 'heart_rate', 72, '/min', now() - interval '1 minute', now())
       RETURNING reading_id::text AS id`,
      [t.customerId, t.deviceId],
    );
    readingOf.set(t, rows[0]!.id);
  }
});
afterAll(async () => {
  await f?.close();
});

/** How another customer's resource looks to a caller of A, per route, and what the answer must be. */
type Foreign =
  | { kind: '404'; path: string; body?: unknown }
  /** A FHIR search aimed at the other customer's data: a Bundle without entries. */
  | { kind: 'bundle'; path: string }
  | { kind: 'list'; path: string; owner: (item: Record<string, unknown>) => unknown }
  | { kind: 'rejected-reading'; path: string; body: unknown };

type Sample = (own: Tenant, other: Tenant) => { path: string; foreign?: Foreign };

const byCustomer = (i: Record<string, unknown>) => i.customerId;
const list =
  (path: string, owner = byCustomer) =>
  () => ({ path, foreign: { kind: 'list' as const, path, owner } });
const item = (collection: string, id: (t: Tenant) => string, body?: unknown) => (own: Tenant, other: Tenant) => ({
  path: `${collection}/${id(own)}`,
  foreign: { kind: '404' as const, path: `${collection}/${id(other)}`, body },
});
const create = (path: string, body: (other: Tenant) => unknown) => (_own: Tenant, other: Tenant) => ({
  path,
  foreign: { kind: '404' as const, path, body: body(other) },
});
const action = (path: (t: Tenant) => string, body: unknown) => (own: Tenant, other: Tenant) => ({
  path: path(own),
  foreign: { kind: '404' as const, path: path(other), body },
});
const reading = (path: string, wrap: (r: unknown) => unknown) => (_own: Tenant, other: Tenant) => ({
  path,
  foreign: { kind: 'rejected-reading' as const, path, body: wrap(makeReading(other.deviceId)) },
});

const SAMPLES: Record<string, Sample> = {
  'POST /v1/readings::batch': reading('/v1/readings:batch', (r) => ({ readings: [r] })),
  'POST /v1/readings': reading('/v1/readings', (r) => r),
  'GET /v1/customers': list('/v1/customers', (i) => i.id),
  'POST /v1/customers': () => ({ path: '/v1/customers' }),
  'GET /v1/customers/:customerId': item('/v1/customers', (t) => t.customerId),
  'PATCH /v1/customers/:customerId': item('/v1/customers', (t) => t.customerId, { name: 'taken over' }),
  'DELETE /v1/customers/:customerId': (own) => ({ path: `/v1/customers/${own.customerId}` }),
  'GET /v1/departments': list('/v1/departments'),
  'POST /v1/departments': create('/v1/departments', (o) => ({ customerId: o.customerId, code: 'X', name: 'X' })),
  'GET /v1/departments/:departmentId': item('/v1/departments', (t) => t.departmentId),
  'PATCH /v1/departments/:departmentId': item('/v1/departments', (t) => t.departmentId, { name: 'taken over' }),
  'DELETE /v1/departments/:departmentId': item('/v1/departments', (t) => t.departmentId),
  'GET /v1/beds': list('/v1/beds'),
  'POST /v1/beds': create('/v1/beds', (o) => ({ departmentId: o.departmentId, label: 'Z' })),
  'GET /v1/beds/:bedId': item('/v1/beds', (t) => t.bedA),
  'PATCH /v1/beds/:bedId': item('/v1/beds', (t) => t.bedB, { label: 'taken' }),
  'DELETE /v1/beds/:bedId': item('/v1/beds', (t) => t.bedB),
  'GET /v1/patients': list('/v1/patients'),
  'POST /v1/patients': create('/v1/patients', (o) => ({ customerId: o.customerId, mrn: 'X-1' })),
  'GET /v1/patients/:patientId': item('/v1/patients', (t) => t.patientId),
  'PATCH /v1/patients/:patientId': item('/v1/patients', (t) => t.patientId, { givenName: 'Eve' }),
  'DELETE /v1/patients/:patientId': item('/v1/patients', (t) => t.patientId),
  'GET /v1/devices': list('/v1/devices'),
  'POST /v1/devices': create('/v1/devices', (o) => ({ customerId: o.customerId, id: 'MON-STOLEN' })),
  'GET /v1/devices/:deviceId': item('/v1/devices', (t) => t.deviceId),
  'PATCH /v1/devices/:deviceId': item('/v1/devices', (t) => t.device2Id, { model: 'x' }),
  'DELETE /v1/devices/:deviceId': item('/v1/devices', (t) => t.device2Id),
  'GET /v1/gateways': list('/v1/gateways'),
  'POST /v1/gateways': create('/v1/gateways', (o) => ({ id: 'gw-stolen', departmentId: o.departmentId, name: 'x' })),
  'GET /v1/gateways/:gatewayId': item('/v1/gateways', (t) => t.gatewayId),
  'PATCH /v1/gateways/:gatewayId': item('/v1/gateways', (t) => t.gatewayId, { name: 'taken' }),
  'DELETE /v1/gateways/:gatewayId': item('/v1/gateways', (t) => t.gatewayId),
  'POST /v1/gateways/:gatewayId/rotate-token': action((t) => `/v1/gateways/${t.gatewayId}/rotate-token`, undefined),
  'GET /v1/assignments': list('/v1/assignments'),
  'POST /v1/assignments': create('/v1/assignments', (o) => ({ deviceId: o.device2Id, patientId: o.patientId, bedId: o.bedB })),
  'GET /v1/assignments/:assignmentId': item('/v1/assignments', (t) => t.assignmentId),
  'POST /v1/assignments/:assignmentId/transfer': action((t) => `/v1/assignments/${t.assignmentId}/transfer`, {}),
  'POST /v1/assignments/:assignmentId/end': action((t) => `/v1/assignments/${t.assignmentId}/end`, {}),
  'GET /v1/api-keys': list('/v1/api-keys'),
  'POST /v1/api-keys': create('/v1/api-keys', (o) => ({ customerId: o.customerId, role: 'clinician', name: 'x' })),
  'GET /v1/api-keys/:keyId': item('/v1/api-keys', (t) => t.adminKeyId),
  'DELETE /v1/api-keys/:keyId': item('/v1/api-keys', (t) => t.adminKeyId),
  'GET /v1/audit-log': list('/v1/audit-log'),
  'GET /fhir/r4/Observation': (own, other) => ({
    path: `/fhir/r4/Observation?patient=${own.patientId}`,
    foreign: { kind: 'bundle', path: `/fhir/r4/Observation?patient=${other.patientId}` },
  }),
  'GET /fhir/r4/Observation/:id': item('/fhir/r4/Observation', (t) => readingOf.get(t)!),
  'GET /fhir/r4/Patient': (own, other) => ({
    path: `/fhir/r4/Patient?identifier=${own.mrn}`,
    foreign: { kind: 'bundle', path: `/fhir/r4/Patient?identifier=${other.mrn}` },
  }),
  'GET /fhir/r4/Patient/:id': item('/fhir/r4/Patient', (t) => t.patientId),
  'GET /fhir/r4/Device/:id': item('/fhir/r4/Device', (t) => t.deviceId),
  'GET /fhir/r4/Location/:id': item('/fhir/r4/Location', (t) => t.bedA),
};

/** The error code of an answer: our JSON error body, or a FHIR OperationOutcome (`/fhir/r4`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const codeOf = (body: any): unknown => body?.code ?? body?.issue?.[0]?.details?.coding?.[0]?.code;

/** Routes that may be called without credentials. Anything else public fails the test. */
const PUBLIC_ROUTES = /^(GET \/healthz|GET \/readyz|GET \/metrics|GET \/fhir\/r4\/metadata|(GET|HEAD) \/docs(\/.*)?)$/;

const name = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const protectedRoutes = () => routes.filter((r) => r.access && !isPublic(r.access));

function tokenOf(t: Tenant, role: Role): string {
  if (role === 'platform-admin') return f.adminToken;
  return { 'customer-admin': t.adminToken, clinician: t.clinicianToken, gateway: t.gatewayToken }[role];
}

describe('route access matrix', () => {
  it('every route declares its access, and the public ones are only health, metrics, docs and FHIR metadata', () => {
    expect(routes.length).toBeGreaterThan(40);
    const undeclared = routes.filter((r) => !r.access).map(name);
    expect(undeclared).toEqual([]);
    const unexpectedPublic = routes.filter((r) => r.access && isPublic(r.access) && !PUBLIC_ROUTES.test(name(r))).map(name);
    expect(unexpectedPublic).toEqual([]);
  });

  it('every protected route has a sample here (add one with a new route)', () => {
    expect(
      protectedRoutes()
        .map(name)
        .filter((n) => !SAMPLES[n]),
    ).toEqual([]);
  });

  it('a clinician never writes and a gateway never reads; only gateways ingest', () => {
    for (const r of protectedRoutes()) {
      const roles = (r.access as { roles: readonly Role[] }).roles;
      if (r.method !== 'GET') expect(roles, name(r)).not.toContain('clinician');
      if (r.method === 'GET') expect(roles, name(r)).not.toContain('gateway');
      expect(roles.includes('gateway'), name(r)).toBe(r.url.startsWith('/v1/readings'));
    }
  });

  it('without credentials, or with an unknown or expired one: 401', async () => {
    const expired = await f.jwt({ sub: 'old', role: 'customer-admin', customer: a.customerId }, -120);
    for (const r of protectedRoutes()) {
      const { path } = SAMPLES[name(r)]!(a, b);
      for (const token of [null, 'vk_this-key-does-not-exist-anywhere', expired]) {
        const res = await f.call(r.method, path, { token, body: {} });
        expect({ route: name(r), token: token?.slice(0, 6) ?? null, status: res.status, code: codeOf(res.body) }).toEqual({
          route: name(r),
          token: token?.slice(0, 6) ?? null,
          status: 401,
          code: 'CLOUD_ERR_UNAUTHENTICATED',
        });
      }
    }
  });

  it('a role the route does not allow: 403, before anything is read or written', async () => {
    for (const r of protectedRoutes()) {
      const roles = (r.access as { roles: readonly Role[] }).roles;
      const { path } = SAMPLES[name(r)]!(a, b);
      for (const role of ['customer-admin', 'clinician', 'gateway'] as const) {
        if (roles.includes(role)) continue;
        const res = await f.call(r.method, path, { token: tokenOf(a, role), body: {} });
        expect({ route: name(r), role, status: res.status }).toEqual({ route: name(r), role, status: 403 });
      }
    }
  });

  it("another customer's resources answer 404 and never appear in lists", async () => {
    const jwtOfA = await f.jwt({ sub: 'nurse-a', role: 'clinician', customer: a.customerId });
    for (const r of protectedRoutes()) {
      const roles = (r.access as { roles: readonly Role[] }).roles;
      const role = (['customer-admin', 'clinician', 'gateway'] as const).find((x) => roles.includes(x));
      const { foreign } = SAMPLES[name(r)]!(a, b);
      if (!role || !foreign) continue;
      const token = tokenOf(a, role);
      if (foreign.kind === '404') {
        const res = await f.call(r.method, foreign.path, { token, body: foreign.body });
        expect({ route: name(r), status: res.status, code: codeOf(res.body) }).toEqual({
          route: name(r),
          status: 404,
          code: 'CLOUD_ERR_NOT_FOUND',
        });
      } else if (foreign.kind === 'list') {
        for (const t of role === 'clinician' ? [token, jwtOfA] : [token]) {
          const res = await f.call('GET', `${foreign.path}?limit=500`, { token: t });
          expect(res.status, name(r)).toBe(200);
          expect(res.body.items.length, name(r)).toBeGreaterThan(0);
          expect(new Set(res.body.items.map(foreign.owner)), name(r)).toEqual(new Set([a.customerId]));
          const filtered = await f.call('GET', `${foreign.path}?customerId=${b.customerId}`, { token: t });
          expect(filtered.status, `${name(r)}?customerId=<other>`).toBe(404);
        }
      } else if (foreign.kind === 'bundle') {
        const mine = await f.call('GET', SAMPLES[name(r)]!(a, b).path, { token });
        expect(mine.body.entry?.length, `${name(r)} own`).toBeGreaterThan(0);
        const res = await f.call('GET', foreign.path, { token });
        expect({ route: name(r), status: res.status, entries: res.body.entry }).toEqual({
          route: name(r),
          status: 200,
          entries: [],
        });
      } else {
        const res = await f.call(r.method, foreign.path, { token, body: foreign.body });
        expect(res.status, name(r)).toBe(200);
        expect(res.body.results[0], name(r)).toMatchObject({ status: 'rejected', reason: 'UNKNOWN_DEVICE' });
      }
    }
  });

  it("the other customer's data is untouched after all of that", async () => {
    for (const path of [
      `/v1/customers/${b.customerId}`,
      `/v1/departments/${b.departmentId}`,
      `/v1/beds/${b.bedB}`,
      `/v1/patients/${b.patientId}`,
      `/v1/devices/${b.device2Id}`,
      `/v1/gateways/${b.gatewayId}`,
      `/v1/assignments/${b.assignmentId}`,
      `/v1/api-keys/${b.adminKeyId}`,
    ]) {
      const res = await f.call('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.body.version, path).toBe(1);
      expect(res.body.deletedAt ?? res.body.revokedAt ?? null, path).toBeNull();
    }
    expect((await f.call('GET', '/v1/patients', { token: b.clinicianToken })).body.total).toBe(1);
  });
});

describe('per-caller rate limit', () => {
  it('answers 429 with Retry-After to the caller over its limit, and not to anyone else', async () => {
    const limited = await startStorageFixture({
      databaseUrl: f.databaseUrl,
      env: { STORAGE_RATE_LIMIT_MAX: '3', STORAGE_RATE_LIMIT_WINDOW: '1m' },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.call('GET', '/v1/patients', { token: a.clinicianToken })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const over = await limited.call('GET', '/v1/patients', { token: a.clinicianToken });
      expect(over.body.code).toBe('CLOUD_ERR_RATE_LIMITED');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.call('GET', '/v1/patients', { token: b.clinicianToken })).status).toBe(200);
      expect((await limited.call('GET', '/healthz', { token: null })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
