/**
 * The configuration REST API and the effective documents, against real PostgreSQL: thresholds and device settings
 * with ETag/If-Match (412 when stale) and audit records; invalid input refused with 400 and never published; a
 * new version only when a document changed; documents recomputed when reference data changes through the storage
 * API (assignments, names, policy) or when an assignment starts; a build error kept visible, not published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MQTT_TOPICS, waitFor, type GatewayConfigDocument } from '@vitals/shared';
import { connectCollector, type Collector } from './config-support/mqtt.js';
import { issuedVersions, startConfigWorld, type ConfigWorld, type Tenant } from './config-support/world.js';

let w: ConfigWorld;

beforeAll(async () => {
  w = await startConfigWorld();
});
afterAll(async () => {
  await w?.close();
});

const doc = async (gatewayId: string) => (await w.call('GET', `/v1/gateways/${gatewayId}/config`)).body as GatewayConfigDocument;
const waitDoc = (gatewayId: string, ok: (d: GatewayConfigDocument) => boolean, what: string) =>
  waitFor(
    async () => {
      const d = await doc(gatewayId);
      return ok(d) ? d : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 50, what },
  );

/** Watches a gateway's config topic with the gateway's own credentials (what the broker hands it). */
async function watch(t: Tenant): Promise<Collector> {
  const c = await connectCollector(w.service.mqttUrl, {
    clientId: `watch-${t.gatewayId}`,
    username: t.gatewayId,
    password: t.gatewayToken,
  });
  await c.client.subscribeAsync(MQTT_TOPICS.gatewayConfig(t.gatewayId), { qos: 1 });
  return c;
}
const versionsSeen = (c: Collector) =>
  c.messages.map((m) => (m.payload === '' ? 0 : (JSON.parse(m.payload) as { version: number }).version));

describe('alarm thresholds over REST', () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await w.tenant('rest');
    await w.settled(t);
  });

  it('create, read, change with If-Match, delete: each change a new version, each audited; stale If-Match is 412', async () => {
    const v0 = (await doc(t.gatewayId)).version;
    const created = await w.call('POST', '/v1/alert-thresholds', {
      token: t.adminToken,
      body: {
        scope: 'department',
        departmentId: t.departmentId,
        metric: 'heart_rate',
        high: 115,
        priority: 'medium',
        hysteresis: 2,
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe(`/v1/alert-thresholds/${created.body.id}`);
    expect(created.body).toMatchObject({
      customerId: t.customerId,
      scope: 'department',
      low: null,
      high: 115,
      enabled: true,
      version: 1,
    });
    expect(issuedVersions(created)).toEqual({ [t.gatewayId]: v0 + 1 });
    const id = created.body.id as string;

    const got = await w.call('GET', `/v1/alert-thresholds/${id}`, { token: t.clinicianToken });
    expect([got.status, got.headers.get('etag')]).toEqual([200, '"1"']);
    const listed = await w.call('GET', `/v1/alert-thresholds?metric=heart_rate&scope=department`, { token: t.clinicianToken });
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([id]);

    const stale = await w.call('PATCH', `/v1/alert-thresholds/${id}`, {
      token: t.adminToken,
      body: { high: 118 },
      headers: { 'if-match': '"7"' },
    });
    expect([stale.status, stale.body.code]).toEqual([412, 'CLOUD_ERR_PRECONDITION_FAILED']);
    expect((await doc(t.gatewayId)).version).toBe(v0 + 1);

    const changed = await w.call('PATCH', `/v1/alert-thresholds/${id}`, {
      token: t.adminToken,
      body: { high: 118 },
      headers: { 'if-match': '"1"' },
    });
    expect([changed.status, changed.headers.get('etag'), changed.body.high]).toEqual([200, '"2"', 118]);
    expect(issuedVersions(changed)).toEqual({ [t.gatewayId]: v0 + 2 });
    expect((await doc(t.gatewayId)).thresholds).toEqual([
      { metric: 'heart_rate', high: 118, priority: 'medium', hysteresis: 2, scope: 'department' },
    ]);

    // The same values again: the document does not change, so no version.
    const same = await w.call('PATCH', `/v1/alert-thresholds/${id}`, { token: t.adminToken, body: { high: 118 } });
    expect(same.status).toBe(200);
    expect(issuedVersions(same)).toEqual({});
    expect((await doc(t.gatewayId)).version).toBe(v0 + 2);

    const staleDelete = await w.call('DELETE', `/v1/alert-thresholds/${id}`, {
      token: t.adminToken,
      headers: { 'if-match': '"2"' },
    });
    expect(staleDelete.status).toBe(412);
    const deleted = await w.call('DELETE', `/v1/alert-thresholds/${id}`, { token: t.adminToken, headers: { 'if-match': '"3"' } });
    expect(deleted.status).toBe(204);
    expect(issuedVersions(deleted)).toEqual({ [t.gatewayId]: v0 + 3 });
    expect((await doc(t.gatewayId)).thresholds).toEqual([]);

    const audit = await w.storage.call('GET', `/v1/audit-log?entity=alert%20threshold&entityId=${id}`, { token: t.adminToken });
    expect(audit.body.items.map((e: { action: string }) => e.action).reverse()).toEqual(['create', 'update', 'update', 'delete']);
    expect(audit.body.items[0]).toMatchObject({ actorKind: 'api-key', before: { high: 118 }, after: null });
    const versions = await w.call('GET', `/v1/gateways/${t.gatewayId}/config/versions`);
    expect(versions.body.items[0]).toMatchObject({ version: v0 + 3, cause: expect.stringMatching(/^api DELETE/) });
  });

  it('invalid input is refused with 400 and never published', async () => {
    const watcher = await watch(t);
    try {
      const before = await w.status(t.gatewayId);
      await watcher.waitFor(() => true, 'the retained document');
      const base = { scope: 'department', departmentId: t.departmentId, metric: 'heart_rate', priority: 'medium' };
      const medium = await w.call('POST', '/v1/alert-thresholds', { token: t.adminToken, body: { ...base, high: 120 } });
      expect(medium.status).toBe(201);
      const afterMedium = issuedVersions(medium)[t.gatewayId]!;
      const bad: Array<[string, unknown, string]> = [
        ['/v1/alert-thresholds', { ...base, metric: 'blood_sugar', high: 9 }, 'CLOUD_ERR_VALIDATION'],
        ['/v1/alert-thresholds', { ...base, low: 90, high: 80, priority: 'low' }, 'CONFIG_ERR_INVALID_RULE'],
        ['/v1/alert-thresholds', { ...base, low: 50, high: 60, hysteresis: 20, priority: 'low' }, 'CONFIG_ERR_INVALID_RULE'],
        ['/v1/alert-thresholds', { ...base, priority: 'low' }, 'CONFIG_ERR_INVALID_RULE'],
        ['/v1/alert-thresholds', { ...base, patientId: t.patientId, high: 130, priority: 'high' }, 'CONFIG_ERR_INVALID_RULE'],
        // A high-priority band inside the medium one: escalation would be upside down.
        ['/v1/alert-thresholds', { ...base, high: 110, priority: 'high' }, 'CONFIG_ERR_INVALID_RULE'],
        ['/v1/device-settings', { deviceId: t.deviceId, samplingIntervalMs: 5 }, 'CLOUD_ERR_VALIDATION'],
        ['/v1/device-settings', { deviceId: t.deviceId, units: { temperature: 'kelvin' } }, 'CLOUD_ERR_VALIDATION'],
        ['/v1/device-settings', { deviceId: t.deviceId, model: 'both' }, 'CLOUD_ERR_VALIDATION'],
      ];
      for (const [path, body, code] of bad) {
        const r = await w.call('POST', path, { token: t.adminToken, body });
        expect({ body, status: r.status, code: r.body.code }).toEqual({ body, status: 400, code });
      }
      const patch = await w.call('PATCH', `/v1/alert-thresholds/${medium.body.id}`, { token: t.adminToken, body: { low: 130 } });
      expect([patch.status, patch.body.code]).toEqual([400, 'CONFIG_ERR_INVALID_RULE']);
      expect((await w.status(t.gatewayId)).desiredVersion).toBe(afterMedium);
      expect((await w.call('GET', `/v1/alert-thresholds/${medium.body.id}`)).body.version).toBe(1);

      // A valid change now: the broker hands out the version before the invalid attempts and this one, nothing else.
      const good = await w.call('POST', '/v1/alert-thresholds', {
        token: t.adminToken,
        body: { ...base, high: 140, priority: 'high' },
      });
      const next = issuedVersions(good)[t.gatewayId]!;
      expect(next).toBe(afterMedium + 1);
      await watcher.waitFor((m) => m.payload.includes(`"version":${next}`), `version ${next} delivered`);
      expect(versionsSeen(watcher)).toEqual([Number(before.desiredVersion), afterMedium, next]);
    } finally {
      await watcher.end();
    }
  });

  it('device settings per model and per device: the device row wins, units and alarm enable reach the document', async () => {
    const byModel = await w.call('POST', '/v1/device-settings', {
      token: t.adminToken,
      body: { model: 'test', samplingIntervalMs: 2000 },
    });
    expect(byModel.status).toBe(201);
    expect((await doc(t.gatewayId)).deviceSettings).toEqual([
      { deviceId: t.deviceId, samplingIntervalMs: 2000, alarmsEnabled: true },
    ]);
    const own = await w.call('POST', '/v1/device-settings', {
      token: t.adminToken,
      body: { deviceId: t.deviceId, samplingIntervalMs: 500, alarmsEnabled: false, units: { temperature: '[degF]' } },
    });
    expect(own.status).toBe(201);
    expect((await doc(t.gatewayId)).deviceSettings).toEqual([
      { deviceId: t.deviceId, samplingIntervalMs: 500, alarmsEnabled: false, units: { temperature: '[degF]' } },
    ]);
    const dup = await w.call('POST', '/v1/device-settings', { token: t.adminToken, body: { model: 'test' } });
    expect([dup.status, dup.body.code]).toEqual([409, 'CLOUD_ERR_CONFLICT']);
    const stale = await w.call('PATCH', `/v1/device-settings/${own.body.id}`, {
      token: t.adminToken,
      body: { alarmsEnabled: true },
      headers: { 'if-match': '"9"' },
    });
    expect(stale.status).toBe(412);
    const removed = await w.call('DELETE', `/v1/device-settings/${own.body.id}`, {
      token: t.adminToken,
      headers: { 'if-match': '"1"' },
    });
    expect(removed.status).toBe(204);
    expect((await doc(t.gatewayId)).deviceSettings).toEqual([
      { deviceId: t.deviceId, samplingIntervalMs: 2000, alarmsEnabled: true },
    ]);
  });
});

describe('effective documents follow reference data changed through the storage API', () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await w.tenant('follow');
    await w.settled(t);
  });

  it('a transfer to another bed, a name policy change: new versions; changes the document cannot show: none', async () => {
    const transfer = await w.storage.call('POST', `/v1/assignments/${t.assignmentId}/transfer`, {
      token: t.adminToken,
      body: { bedId: t.bedB },
    });
    expect(transfer.status).toBe(201);
    const moved = await waitDoc(
      t.gatewayId,
      (d) => d.beds.find((b) => b.bedId === t.bedB)?.deviceIds.includes(t.deviceId) === true,
      'device in bed B',
    );
    expect(moved.beds.find((b) => b.bedId === t.bedA)).toEqual({ bedId: t.bedA, label: 'A', deviceIds: [] });
    expect(moved.beds.find((b) => b.bedId === t.bedB)?.patient).toEqual({ id: t.patientId, displayName: 'A. L.' });

    // Invisible under the initials policy: a birth date, and a given name with the same initial.
    expect(
      (await w.storage.call('PATCH', `/v1/patients/${t.patientId}`, { token: t.adminToken, body: { birthDate: '1815-12-10' } }))
        .status,
    ).toBe(200);
    expect(
      (await w.storage.call('PATCH', `/v1/patients/${t.patientId}`, { token: t.adminToken, body: { givenName: 'Augusta' } }))
        .status,
    ).toBe(200);
    // Visible: the policy.
    expect((await w.storage.call('PATCH', `/v1/customers/${t.customerId}`, { body: { patientNamePolicy: 'full' } })).status).toBe(
      200,
    );
    const full = await waitDoc(t.gatewayId, (d) => d.patientNamePolicy === 'full', 'full names');
    expect(full.version).toBe(moved.version + 1); // nothing issued for the invisible changes in between
    expect(full.beds.find((b) => b.bedId === t.bedB)?.patient?.displayName).toBe('Augusta Lovelace');
  });

  it('an assignment that starts later changes the document when it starts, without any write', async () => {
    const patient = await w.storage.call('POST', '/v1/patients', {
      token: t.adminToken,
      body: { mrn: `LATER-${t.gatewayId}`, familyName: 'Hopper' },
    });
    const at = new Date(Date.now() + 1500).toISOString();
    const assigned = await w.storage.call('POST', '/v1/assignments', {
      token: t.adminToken,
      body: { deviceId: t.device2Id, patientId: patient.body.id, bedId: t.bedA, validFrom: at },
    });
    expect(assigned.status).toBe(201);
    const after = await waitDoc(
      t.gatewayId,
      (d) => d.beds.find((b) => b.bedId === t.bedA)?.deviceIds.includes(t.device2Id) === true,
      'assignment started',
    );
    // Issued when the assignment started, not when it was written (1.5 s earlier).
    expect(Date.parse(after.issuedAt)).toBeGreaterThanOrEqual(Date.parse(at));
    expect(after.beds.find((b) => b.bedId === t.bedA)?.patient).toEqual({ id: patient.body.id, displayName: 'Hopper' });
  });

  it('inputs that make no valid document: the error is shown, nothing is issued, and API writes that would publish it get 400', async () => {
    // A second patient's device in bed B beside the first one: one bed, two patients, which a document cannot express.
    const second = await w.storage.call('POST', '/v1/patients', { token: t.adminToken, body: { mrn: `TWO-${t.gatewayId}` } });
    const device3 = await w.storage.call('POST', '/v1/devices', {
      token: t.adminToken,
      body: { id: `${t.deviceId}-3`, model: 'test' },
    });
    const before = await doc(t.gatewayId);
    const clash = await w.storage.call('POST', '/v1/assignments', {
      token: t.adminToken,
      body: { deviceId: device3.body.id, patientId: second.body.id, bedId: t.bedB },
    });
    expect(clash.status).toBe(201);
    const s = await w.waitStatus(t.gatewayId, (x) => x.buildError !== null, 'build error recorded');
    expect(String(s.buildError)).toContain('bed B has devices of 2 patients assigned at once');
    expect(s).toMatchObject({ desiredVersion: before.version, inSync: false });
    const listed = await w.call('GET', '/v1/config-status?outOfSync=true', { token: t.clinicianToken });
    expect(listed.body.items.map((i: { gatewayId: string }) => i.gatewayId)).toContain(t.gatewayId);

    const refused = await w.call('POST', '/v1/alert-thresholds', {
      token: t.adminToken,
      body: { scope: 'department', departmentId: t.departmentId, metric: 'spo2', low: 90, priority: 'medium' },
    });
    expect([refused.status, refused.body.code]).toEqual([400, 'CONFIG_ERR_INVALID_DOCUMENT']);
    expect(refused.body.details[0].message).toContain('bed B has devices of 2 patients');
    expect((await w.call('GET', `/v1/alert-thresholds?metric=spo2`, { token: t.adminToken })).body.total).toBe(0);

    // Fixing the inputs clears the error (the document is unchanged: no new version).
    expect((await w.storage.call('POST', `/v1/assignments/${clash.body.id}/end`, { token: t.adminToken, body: {} })).status).toBe(
      200,
    );
    const fixed = await w.waitStatus(t.gatewayId, (x) => x.buildError === null, 'build error cleared');
    expect(fixed.desiredVersion).toBe(before.version);
  });
});

describe('gateways come and go', () => {
  it('a new gateway gets its first version; a deleted one loses its retained document', async () => {
    const t = await w.tenant('life');
    const v = await w.settled(t);
    const created = await w.storage.call('POST', '/v1/gateways', {
      token: t.adminToken,
      body: { id: `${t.gatewayId}-2`, departmentId: t.departmentId, name: 'second' },
    });
    expect(created.status).toBe(201);
    const second = { gatewayId: created.body.gateway.id as string, gatewayToken: created.body.token as string };
    const d2 = await waitDoc(second.gatewayId, (d) => d.version === 1, 'first version of the new gateway');
    expect(d2.beds).toEqual((await doc(t.gatewayId)).beds);
    expect((await doc(t.gatewayId)).version).toBe(v);

    const watcher = await watch({ ...t, ...second });
    try {
      await watcher.waitFor((m) => m.payload.includes('"version":1'), 'retained first version');
      // Deleting the gateway closes its session (its token stops working) and clears the retained document.
      const closed = new Promise<void>((resolve) => watcher.client.once('close', () => resolve()));
      expect((await w.storage.call('DELETE', `/v1/gateways/${second.gatewayId}`, { token: t.adminToken })).status).toBe(204);
      await closed;
    } finally {
      await watcher.end();
    }
    expect((await w.call('GET', `/v1/gateways/${second.gatewayId}/config-status`)).status).toBe(404);
    await waitFor(() => w.service.deps.publisher.published(second.gatewayId) === undefined, {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the retained document of the deleted gateway cleared',
    });
  });
});
