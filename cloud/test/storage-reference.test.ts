/**
 * The reference-data API against the real database: CRUD, lists with filters and pages, ETag/If-Match, soft
 * delete, constraint answers (409, 404), assignments over time, gateway tokens and API keys, the audit log,
 * clear 400 bodies, OpenAPI, and logs without patient identifiers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueSuffix } from '@vitals/stack/testing';
import { makeReading, startStorageFixture, type StorageFixture, type Tenant } from './support/storage-fixture.js';

let f: StorageFixture;
let t: Tenant;
const logLines: string[] = [];

beforeAll(async () => {
  f = await startStorageFixture({ env: { LOG_LEVEL: 'debug' }, logDestination: { write: (line) => void logLines.push(line) } });
  t = await f.tenant('ref');
});
afterAll(async () => {
  await f?.close();
});

describe('customers', () => {
  it('platform admins create them; a customer admin renames its own; a customer with data cannot be deleted', async () => {
    const slug = `c-${uniqueSuffix()}`;
    const created = await f.call('POST', '/v1/customers', { body: { name: 'St. Elsewhere', slug } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/customers/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'St. Elsewhere', slug, patientNamePolicy: 'initials', version: 1 });
    expect((await f.call('POST', '/v1/customers', { body: { name: 'Again', slug } })).body.code).toBe('CLOUD_ERR_CONFLICT');
    const renamed = await f.call('PATCH', `/v1/customers/${t.customerId}`, { token: t.adminToken, body: { name: 'Renamed' } });
    expect(renamed.status).toBe(200);
    const refused = await f.call('DELETE', `/v1/customers/${t.customerId}`);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'CLOUD_ERR_CONFLICT' });
    expect((await f.call('DELETE', `/v1/customers/${created.body.id}`)).status).toBe(204);
    expect((await f.call('GET', `/v1/customers/${created.body.id}`)).status).toBe(404);
  });
});

describe('lists', () => {
  it('page with limit and offset, report the total, and filter', async () => {
    const mrns = Array.from({ length: 5 }, (_, i) => `PAGE-${uniqueSuffix()}-${i}`);
    for (const mrn of mrns)
      expect((await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn } })).status).toBe(201);
    const page1 = await f.call('GET', '/v1/patients?limit=2', { token: t.clinicianToken });
    expect(page1.body).toMatchObject({ total: 6, limit: 2, offset: 0 });
    expect(page1.body.items).toHaveLength(2);
    const page3 = await f.call('GET', '/v1/patients?limit=2&offset=4', { token: t.clinicianToken });
    expect(page3.body.items).toHaveLength(2);
    const beyond = await f.call('GET', '/v1/patients?limit=2&offset=100', { token: t.clinicianToken });
    expect(beyond.body).toMatchObject({ items: [], total: 6 });
    const all = [
      ...page1.body.items,
      ...(await f.call('GET', '/v1/patients?limit=2&offset=2', { token: t.clinicianToken })).body.items,
      ...page3.body.items,
    ];
    expect(new Set(all.map((p: { id: string }) => p.id)).size).toBe(6);
    const one = await f.call('GET', `/v1/patients?mrn=${mrns[3]}`, { token: t.clinicianToken });
    expect(one.body.items.map((p: { mrn: string }) => p.mrn)).toEqual([mrns[3]]);
    const beds = await f.call('GET', `/v1/beds?departmentId=${t.departmentId}&label=B`, { token: t.clinicianToken });
    expect(beds.body.items.map((b: { id: string }) => b.id)).toEqual([t.bedB]);
  });

  it('answer 400 with details for unknown or malformed query parameters', async () => {
    const r = await f.call('GET', '/v1/patients?limit=0&colour=red', { token: t.clinicianToken });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('CLOUD_ERR_VALIDATION');
    expect(r.body.details.length).toBeGreaterThan(0);
    expect((await f.call('GET', '/v1/patients/not-a-uuid', { token: t.clinicianToken })).status).toBe(400);
  });
});

describe('validation', () => {
  it('answers 400 with the offending fields, for wrong types and unknown properties', async () => {
    const r = await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn: 12, nickname: 'x' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ statusCode: 400, code: 'CLOUD_ERR_VALIDATION', error: 'Bad Request', retriable: false });
    expect(r.body.details.map((d: { path: string }) => d.path).join(' ')).toMatch(/body\/(mrn|nickname)/);
    const date = await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn: 'D-1', birthDate: '1990-13-45' } });
    expect(date.status).toBe(400);
    const empty = await f.call('PATCH', `/v1/patients/${t.patientId}`, { token: t.adminToken, body: {} });
    expect(empty.status).toBe(400);
  });

  it('answers 400, not 500, for a NUL character in a filter or a body (found by the fuzz suite)', async () => {
    const list = await f.call('GET', '/v1/departments?limit=159&code=%00', { token: t.clinicianToken });
    expect({ status: list.status, code: list.body.code }).toEqual({ status: 400, code: 'CLOUD_ERR_VALIDATION' });
    expect(list.body.message).toMatch(/NUL/);
    const created = await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn: 'NUL-\u0000-1' } });
    expect({ status: created.status, code: created.body.code }).toEqual({ status: 400, code: 'CLOUD_ERR_VALIDATION' });
    // The service goes on answering.
    expect((await f.call('GET', '/v1/departments?limit=1', { token: t.clinicianToken })).status).toBe(200);
  });
});

describe('ETag and If-Match', () => {
  it('GET gives the version as ETag; a write with a stale If-Match answers 412 and changes nothing', async () => {
    const created = await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn: `E-${uniqueSuffix()}` } });
    const id = created.body.id;
    const got = await f.call('GET', `/v1/patients/${id}`, { token: t.clinicianToken });
    expect(got.headers.get('etag')).toBe('"1"');
    const first = await f.call('PATCH', `/v1/patients/${id}`, {
      token: t.adminToken,
      body: { givenName: 'Grace' },
      headers: { 'if-match': '"1"' },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    expect(first.body).toMatchObject({ givenName: 'Grace', version: 2 });
    const stale = await f.call('PATCH', `/v1/patients/${id}`, {
      token: t.adminToken,
      body: { givenName: 'Mallory' },
      headers: { 'if-match': '"1"' },
    });
    expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 412, code: 'CLOUD_ERR_PRECONDITION_FAILED' });
    const staleDelete = await f.call('DELETE', `/v1/patients/${id}`, { token: t.adminToken, headers: { 'if-match': '"1"' } });
    expect(staleDelete.status).toBe(412);
    expect((await f.call('GET', `/v1/patients/${id}`, { token: t.clinicianToken })).body).toMatchObject({
      givenName: 'Grace',
      deletedAt: null,
    });
  });
});

describe('soft delete', () => {
  it('keeps a deleted patient as history: still readable, out of lists unless asked, not writable, MRN reusable', async () => {
    const mrn = `S-${uniqueSuffix()}`;
    const { body: p } = await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn } });
    expect((await f.call('DELETE', `/v1/patients/${p.id}`, { token: t.adminToken })).status).toBe(204);
    const got = await f.call('GET', `/v1/patients/${p.id}`, { token: t.clinicianToken });
    expect(got.body.deletedAt).not.toBeNull();
    expect((await f.call('GET', `/v1/patients?mrn=${mrn}`, { token: t.clinicianToken })).body.total).toBe(0);
    expect((await f.call('GET', `/v1/patients?mrn=${mrn}&includeDeleted=true`, { token: t.clinicianToken })).body.total).toBe(1);
    expect((await f.call('PATCH', `/v1/patients/${p.id}`, { token: t.adminToken, body: { givenName: 'X' } })).status).toBe(404);
    expect((await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn } })).status).toBe(201);
  });

  it('refuses to delete a patient or device that is assigned, and a department that still has beds', async () => {
    const patient = await f.call('DELETE', `/v1/patients/${t.patientId}`, { token: t.adminToken });
    expect({ status: patient.status, code: patient.body.code }).toEqual({ status: 409, code: 'CLOUD_ERR_CONFLICT' });
    expect((await f.call('DELETE', `/v1/devices/${t.deviceId}`, { token: t.adminToken })).status).toBe(409);
    const dept = await f.call('DELETE', `/v1/departments/${t.departmentId}`, { token: t.adminToken });
    expect(dept.status).toBe(409);
    expect(dept.body.message).toMatch(/still referenced/);
  });
});

describe('device assignments', () => {
  it('refuse overlaps with 409, transfer atomically at one instant, and end', async () => {
    const { body: p2 } = await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn: `A-${uniqueSuffix()}` } });
    const overlapDevice = await f.call('POST', '/v1/assignments', {
      token: t.adminToken,
      body: { deviceId: t.deviceId, patientId: p2.id, bedId: t.bedB },
    });
    expect({ status: overlapDevice.status, code: overlapDevice.body.code }).toEqual({
      status: 409,
      code: 'CLOUD_ERR_ASSIGNMENT_OVERLAP',
    });
    expect(overlapDevice.body.message).toMatch(/device is already assigned/);
    const overlapPatient = await f.call('POST', '/v1/assignments', {
      token: t.adminToken,
      body: { deviceId: t.device2Id, patientId: t.patientId, bedId: t.bedB },
    });
    expect(overlapPatient.body.message).toMatch(/patient is in another bed/);

    const at = new Date(Date.now() - 60_000).toISOString();
    const moved = await f.call('POST', `/v1/assignments/${t.assignmentId}/transfer`, {
      token: t.adminToken,
      body: { bedId: t.bedB, at },
    });
    expect(moved.status).toBe(201);
    expect(moved.body.ended).toMatchObject({ id: t.assignmentId, validTo: at, bedId: t.bedA });
    expect(moved.body.started).toMatchObject({
      deviceId: t.deviceId,
      patientId: t.patientId,
      bedId: t.bedB,
      validFrom: at,
      validTo: null,
    });
    const now = await f.call(
      'GET',
      `/v1/assignments?deviceId=${t.deviceId}&activeAt=${encodeURIComponent(new Date().toISOString())}`,
      {
        token: t.clinicianToken,
      },
    );
    expect(now.body.items.map((x: { id: string }) => x.id)).toEqual([moved.body.started.id]);
    const before = await f.call(
      'GET',
      `/v1/assignments?deviceId=${t.deviceId}&activeAt=${encodeURIComponent(new Date(Date.now() - 120_000).toISOString())}`,
      {
        token: t.clinicianToken,
      },
    );
    expect(before.body.items.map((x: { id: string }) => x.id)).toEqual([t.assignmentId]);

    expect(
      (await f.call('POST', `/v1/assignments/${moved.body.started.id}/transfer`, { token: t.adminToken, body: {} })).status,
    ).toBe(400);
    const ended = await f.call('POST', `/v1/assignments/${moved.body.started.id}/end`, { token: t.adminToken });
    expect(ended.status).toBe(200);
    expect(ended.body.validTo).not.toBeNull();
    const again = await f.call('POST', `/v1/assignments/${moved.body.started.id}/end`, { token: t.adminToken, body: {} });
    expect(again.status).toBe(409);
    const fresh = await f.call('POST', '/v1/assignments', {
      token: t.adminToken,
      body: { deviceId: t.deviceId, patientId: p2.id, bedId: t.bedA },
    });
    expect(fresh.status).toBe(201);
  });
});

describe('gateways and their tokens', () => {
  it('shows the token once, lets it ingest, and stops the old one at rotation and the gateway at deletion', async () => {
    const id = `gw-${uniqueSuffix()}`;
    const created = await f.call('POST', '/v1/gateways', {
      token: t.adminToken,
      body: { id, departmentId: t.departmentId, name: 'Ward 2' },
    });
    expect(created.status).toBe(201);
    const token1 = created.body.token as string;
    expect(token1).toMatch(/^vgw_/);
    const got = await f.call('GET', `/v1/gateways/${id}`, { token: t.clinicianToken });
    expect(JSON.stringify(got.body)).not.toContain(token1);
    expect(got.body).not.toHaveProperty('token');
    const ingest = (token: string) =>
      f.call('POST', '/v1/readings:batch', {
        token,
        body: { readings: [makeReading(t.deviceId, { deviceSeq: Math.floor(Math.random() * 1e6) })] },
      });
    expect((await ingest(token1)).status).toBe(200);
    const rotated = await f.call('POST', `/v1/gateways/${id}/rotate-token`, { token: t.adminToken });
    expect(rotated.status).toBe(200);
    const token2 = rotated.body.token as string;
    expect(token2).not.toBe(token1);
    expect((await ingest(token1)).status).toBe(401);
    expect((await ingest(token2)).status).toBe(200);
    expect((await f.call('DELETE', `/v1/gateways/${id}`, { token: t.adminToken })).status).toBe(204);
    expect((await ingest(token2)).status).toBe(401);
    const { rows } = await f.db.query('SELECT token_hash FROM gateways WHERE id = $1', [id]);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('API keys and JWTs', () => {
  it('a customer admin creates and revokes keys of its customer, never platform keys', async () => {
    const created = await f.call('POST', '/v1/api-keys', {
      token: t.adminToken,
      body: { role: 'clinician', name: 'night shift' },
    });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatchObject({ customerId: t.customerId, role: 'clinician', revokedAt: null });
    const key = created.body.token as string;
    expect((await f.call('GET', '/v1/devices', { token: key })).status).toBe(200);
    const platform = await f.call('POST', '/v1/api-keys', {
      token: t.adminToken,
      body: { role: 'platform-admin', name: 'escalate' },
    });
    expect(platform.status).toBe(403);
    expect((await f.call('DELETE', `/v1/api-keys/${created.body.apiKey.id}`, { token: t.adminToken })).status).toBe(204);
    expect((await f.call('GET', '/v1/devices', { token: key })).status).toBe(401);
    const listed = await f.call('GET', '/v1/api-keys?includeDeleted=true&role=clinician', { token: t.adminToken });
    expect(
      listed.body.items.some((k: { id: string; revokedAt: string | null }) => k.id === created.body.apiKey.id && k.revokedAt),
    ).toBe(true);
  });

  it('accepts a JWT carrying role and customer', async () => {
    const jwt = await f.jwt({ sub: 'sso|admin-1', role: 'customer-admin', customer: t.customerId });
    const r = await f.call('PATCH', `/v1/departments/${t.departmentId}`, { token: jwt, body: { name: 'ICU North' } });
    expect(r.status).toBe(200);
    const audit = await f.call('GET', `/v1/audit-log?entity=department&entityId=${t.departmentId}`, { token: t.adminToken });
    expect(audit.body.items[0]).toMatchObject({ actorKind: 'jwt', actorId: 'sso|admin-1', action: 'update' });
  });
});

describe('audit log', () => {
  it('records who, what, when, before and after of every write, visible to the customer admin', async () => {
    const { body: p } = await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn: `L-${uniqueSuffix()}` } });
    await f.call('PATCH', `/v1/patients/${p.id}`, { token: t.adminToken, body: { familyName: 'Hopper' } });
    await f.call('DELETE', `/v1/patients/${p.id}`, { token: t.adminToken });
    const r = await f.call('GET', `/v1/audit-log?entity=patient&entityId=${p.id}`, { token: t.adminToken });
    expect(r.body.items.map((e: { action: string }) => e.action)).toEqual(['delete', 'update', 'create']);
    const [del, upd, crt] = r.body.items;
    expect(crt).toMatchObject({ actorKind: 'api-key', customerId: t.customerId, before: null, after: { id: p.id, version: 1 } });
    expect(upd.before).toMatchObject({ familyName: null, version: 1 });
    expect(upd.after).toMatchObject({ familyName: 'Hopper', version: 2 });
    expect(del.after.deletedAt).not.toBeNull();
    expect(Date.parse(del.at)).toBeGreaterThanOrEqual(Date.parse(crt.at));
    expect(upd.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const rotate = await f.call('GET', `/v1/audit-log?entity=gateway`, { token: t.adminToken });
    expect(JSON.stringify(rotate.body)).not.toMatch(/token_hash|vgw_/);
  });
});

describe('OpenAPI', () => {
  it('serves the document generated from the route schemas, and Swagger UI at /docs', async () => {
    const doc = await f.call('GET', '/docs/json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.0.3');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/readings:batch', '/v1/patients/{patientId}', '/v1/assignments/{assignmentId}/transfer']),
    );
    expect(
      doc.body.paths['/v1/readings:batch'].post.requestBody.content['application/json'].schema.properties.readings,
    ).toBeDefined();
    const ui = await fetch(`${f.url}/docs/`, { redirect: 'manual' });
    expect(ui.status).toBeLessThan(400);
  });
});

describe('logs', () => {
  it('never contain patient identifiers, even from database errors that quote them', async () => {
    const mrn = `SECRET-MRN-${uniqueSuffix()}`;
    await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn, givenName: 'Zelda', familyName: 'Fitzgerald' } });
    const dup = await f.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn } });
    expect(dup.status).toBe(409);
    expect((await f.call('GET', `/v1/patients?mrn=${mrn}`, { token: t.clinicianToken })).body.total).toBe(1);
    expect(JSON.stringify(dup.body)).not.toContain(mrn);
    const text = logLines.join('');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(mrn);
    expect(text).not.toContain('Fitzgerald');
    expect(text).not.toMatch(/Bearer (vk|vgw)_/);
  });
});
