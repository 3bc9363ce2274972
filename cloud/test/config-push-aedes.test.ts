/**
 * The push-down end to end through the embedded broker (aedes): REST change -> new version -> retained publish ->
 * a real edge gateway applies it, acknowledges it, and its local alarms use it; a gateway offline during three
 * changes gets only the newest; a gateway's credentials cannot read another's document or acknowledge for it; a
 * document the gateway cannot apply is acknowledged `rejected` and the previous version keeps running; an older
 * acknowledgement never overwrites a newer reported version.
 */
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MQTT_TOPICS, waitFor, type GatewayConfigDocument } from '@vitals/shared';
import { makeCerts } from '@vitals/stack/testing/certs';
import { connectCollector, connectDevice, connectRefused, heartRateFrame, subscribeCodes } from './config-support/mqtt.js';
import { issuedVersions, startConfigWorld, type ConfigWorld, type Tenant, type TestGateway } from './config-support/world.js';

let w: ConfigWorld;
let db: pg.Pool;
const devices: MqttClient[] = [];

beforeAll(async () => {
  w = await startConfigWorld();
  db = new pg.Pool({ connectionString: w.storage.databaseUrl, max: 2 });
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.endAsync(true)));
  await db?.end();
  await w?.close();
});

const inSync = (version: number) => (s: Record<string, unknown>) =>
  s.desiredVersion === version && s.reportedVersion === version && s.inSync === true;

async function departmentRule(t: Tenant, high: number, priority = 'medium') {
  const r = await w.call('POST', '/v1/alert-thresholds', {
    token: t.adminToken,
    body: { scope: 'department', departmentId: t.departmentId, metric: 'heart_rate', high, priority, hysteresis: 2 },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r;
}

/** A monitor publishing heart rates to the gateway's own broker. */
async function monitor(gw: TestGateway, deviceId: string) {
  const c = await connectDevice(`mqtt://127.0.0.1:${gw.gateway.ports.mqtt}`, `${deviceId}-test`, { username: deviceId });
  devices.push(c);
  let seq = 0;
  return (hr: number) => c.publishAsync(MQTT_TOPICS.deviceReadings(deviceId), heartRateFrame(++seq, hr), { qos: 1 });
}

describe('push-down through the embedded broker', () => {
  it('a threshold changed over REST reaches the gateway, which acknowledges it and alarms by it', async () => {
    const t = await w.tenant('push');
    const first = await w.settled(t);
    const gw = await w.startGateway(t);
    await w.waitStatus(t.gatewayId, inSync(first), 'gateway in sync with its first version');
    expect(gw.gateway.configSync.applier.current().placement(t.deviceId)).toMatchObject({
      bedId: t.bedA,
      patientId: t.patientId,
    });

    const write = await departmentRule(t, 100);
    const version = issuedVersions(write)[t.gatewayId]!;
    expect(version).toBe(first + 1);
    const s = await w.waitStatus(t.gatewayId, inSync(version), `gateway acknowledges version ${version}`);
    expect(s).toMatchObject({ appliedVersion: version, reportedStatus: 'applied', reportedReason: null, connected: true });
    expect(s.lastSeenAt).not.toBeNull();
    expect(gw.gateway.configSync.applier.current().version).toBe(version);

    // 105 is normal under the catalog (medium above 120) but above the pushed department limit of 100.
    const send = await monitor(gw, t.deviceId);
    await send(105);
    const alarm = await waitFor(() => gw.gateway.state.activeAlarms().find((a) => a.deviceId === t.deviceId), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'local alarm under the pushed threshold',
    });
    expect(alarm).toMatchObject({ metric: 'heart_rate', priority: 'medium', limit: 100, configVersion: version, bedId: t.bedA });
    expect(alarm.patientDisplayName).toBe('A. L.'); // the default policy: initials

    // The desired document and its history are there for the admin portal.
    const doc = await w.call('GET', `/v1/gateways/${t.gatewayId}/config`, { token: t.clinicianToken });
    expect(doc.status).toBe(200);
    expect(doc.headers.get('etag')).toBe(`"${version}"`);
    expect((doc.body as GatewayConfigDocument).thresholds).toEqual([
      { metric: 'heart_rate', high: 100, priority: 'medium', hysteresis: 2, scope: 'department' },
    ]);
    const acks = await w.call('GET', `/v1/gateways/${t.gatewayId}/config/acks`);
    expect(acks.body.items[0]).toMatchObject({ version, status: 'applied', superseded: false });
  });

  it('a gateway offline during three changes applies only the newest when it reconnects', async () => {
    const t = await w.tenant('offline');
    const v0 = await w.settled(t);
    const gw = await w.startGateway(t);
    await w.waitStatus(t.gatewayId, inSync(v0), 'first version in sync');
    await gw.stop();
    await w.waitStatus(t.gatewayId, (s) => s.connected === false, 'gateway disconnected');

    let last = 0;
    for (const high of [101, 102, 103]) {
      const r = await departmentRule(t, high, high === 101 ? 'low' : high === 102 ? 'medium' : 'high');
      last = issuedVersions(r)[t.gatewayId]!;
    }
    expect(last).toBe(v0 + 3);
    expect(await w.status(t.gatewayId)).toMatchObject({ desiredVersion: last, reportedVersion: v0, inSync: false });
    const outOfSync = await w.call('GET', '/v1/config-status?outOfSync=true', { token: t.adminToken });
    expect(outOfSync.body.items.map((i: { gatewayId: string }) => i.gatewayId)).toEqual([t.gatewayId]);

    const again = await w.startGateway(t, { dataDir: gw.dataDir });
    // Restarted without the broker yet: it runs the version it had applied, from SQLite.
    expect(again.gateway.configSync.applier.current().version).toBeGreaterThanOrEqual(v0);
    await w.waitStatus(t.gatewayId, inSync(last), `back in sync at version ${last}`);
    const applied = again.gateway.store.db
      .prepare("SELECT version FROM config_receipts WHERE outcome = 'applied' ORDER BY id")
      .pluck()
      .all() as number[];
    expect(applied.slice(-2)).toEqual([v0, last]);
    expect(applied.filter((v) => v > v0 && v < last)).toEqual([]); // never the versions in between
    expect(again.gateway.configSync.applier.current().document?.thresholds.map((r) => r.high)).toEqual([101, 102, 103]);
    const inSyncList = await w.call('GET', '/v1/config-status?outOfSync=false', { token: t.adminToken });
    expect(inSyncList.body.items.map((i: { gatewayId: string }) => i.gatewayId)).toEqual([t.gatewayId]);
  });

  it("a gateway's credentials cannot read another gateway's document nor acknowledge for it", async () => {
    const a = await w.tenant('acl-a');
    const b = await w.tenant('acl-b');
    const bVersion = await w.settled(b);
    const url = w.service.mqttUrl;
    expect(await connectRefused(url, { clientId: 'impostor-1', username: a.gatewayId, password: b.gatewayToken })).toBeDefined();
    expect(await connectRefused(url, { clientId: 'impostor-2', username: a.gatewayId })).toBeDefined();

    const asA = await connectCollector(url, { clientId: 'acl-a', username: a.gatewayId, password: a.gatewayToken });
    try {
      for (const filter of [MQTT_TOPICS.gatewayConfig(b.gatewayId), 'vitals/config/+', 'vitals/#', '#']) {
        expect({ filter, codes: await subscribeCodes(asA.client, filter) }).toEqual({ filter, codes: [128] });
      }
      // Its own retained document arrives after the refusals: nothing of B's came before it.
      await asA.client.subscribeAsync(MQTT_TOPICS.gatewayConfig(a.gatewayId), { qos: 1 });
      await asA.waitFor((m) => m.topic === MQTT_TOPICS.gatewayConfig(a.gatewayId), "A's own document");
      expect(asA.messages.map((m) => m.topic)).toEqual([MQTT_TOPICS.gatewayConfig(a.gatewayId)]);

      // Acknowledging for B: the broker closes A's connection and nothing is recorded for B.
      const closed = new Promise<void>((resolve) => asA.client.once('close', () => resolve()));
      asA.client.publish(MQTT_TOPICS.gatewayConfigAck(b.gatewayId), JSON.stringify({ version: bVersion, status: 'applied' }), {
        qos: 1,
      });
      await closed;
    } finally {
      await asA.end();
    }
    const bAcks = await w.call('GET', `/v1/gateways/${b.gatewayId}/config/acks`);
    expect(bAcks.body.total).toBe(0);
    expect(await w.status(b.gatewayId)).toMatchObject({ reportedVersion: 0, reportedStatus: null });
  });

  it('a document the gateway cannot apply is acknowledged rejected with the reason; the previous version keeps running', async () => {
    const t = await w.tenant('reject');
    await w.settled(t);
    await departmentRule(t, 100);
    const gw = await w.startGateway(t);
    const good = Number((await w.waitStatus(t.gatewayId, (s) => s.inSync === true, 'in sync')).desiredVersion);

    // The cloud issues a document this gateway cannot apply (one device in two beds), as a faulty or newer
    // writer could: stored as the desired version and published like any other.
    const current = (await w.call('GET', `/v1/gateways/${t.gatewayId}/config`)).body as GatewayConfigDocument;
    const bad: GatewayConfigDocument = {
      ...current,
      version: good + 1,
      beds: current.beds.map((bed) => ({ ...bed, deviceIds: [t.deviceId] })),
    };
    await db.query(
      `INSERT INTO config_versions (gateway_id, version, customer_id, document, created_by, content_hash, cause)
       VALUES ($1, $2, $3, $4, 'test', 'not-a-hash', 'test: a document the gateway cannot apply')`,
      [t.gatewayId, bad.version, t.customerId, JSON.stringify(bad)],
    );
    await db.query('UPDATE gateway_config_state SET desired_version = $2 WHERE gateway_id = $1', [t.gatewayId, bad.version]);
    await w.service.deps.publisher.publishLatest([t.gatewayId]);

    const s = await w.waitStatus(t.gatewayId, (x) => x.reportedStatus === 'rejected', 'rejection recorded');
    expect(s).toMatchObject({ desiredVersion: good + 1, reportedVersion: good + 1, appliedVersion: good, inSync: false });
    expect(String(s.reportedReason)).toContain(`device ${t.deviceId} is in more than one bed`);
    expect(gw.gateway.configSync.applier.current().version).toBe(good);
    const listed = await w.call('GET', '/v1/config-status?outOfSync=true', { token: t.clinicianToken });
    expect(listed.body.items).toEqual([expect.objectContaining({ gatewayId: t.gatewayId, reportedStatus: 'rejected' })]);

    // The next change supersedes the bad version and the gateway is back in sync.
    const next = issuedVersions(await departmentRule(t, 140, 'high'))[t.gatewayId]!;
    expect(next).toBe(good + 2);
    await w.waitStatus(t.gatewayId, inSync(next), 'in sync after the fix');
  });

  it('an acknowledgement for an older version never overwrites a newer reported version', async () => {
    const t = await w.tenant('older-ack');
    await w.settled(t);
    await departmentRule(t, 100);
    const gw = await w.startGateway(t);
    const v = Number((await w.waitStatus(t.gatewayId, (s) => s.inSync === true, 'in sync')).desiredVersion);
    await gw.stop();
    // The gateway's own credentials, replaying an acknowledgement of an older version (as a QoS 1 redelivery would).
    const replay = await connectCollector(w.service.mqttUrl, {
      clientId: 'replay',
      username: t.gatewayId,
      password: t.gatewayToken,
    });
    try {
      await replay.client.publishAsync(
        MQTT_TOPICS.gatewayConfigAck(t.gatewayId),
        JSON.stringify({ version: v - 1, status: 'rejected', reason: 'late redelivery' }),
        { qos: 1 },
      );
    } finally {
      await replay.end();
    }
    const acks = await w.call('GET', `/v1/gateways/${t.gatewayId}/config/acks`);
    expect(acks.body.items[0]).toMatchObject({ version: v - 1, status: 'rejected', superseded: true });
    expect(await w.status(t.gatewayId)).toMatchObject({
      reportedVersion: v,
      reportedStatus: 'applied',
      reportedReason: null,
      inSync: true,
    });
  });
});

describe('MQTT over TLS when certificates are configured', () => {
  it('the embedded broker speaks mqtts only; a gateway trusting the CA syncs, one that does not is refused', async () => {
    const certs = await makeCerts();
    try {
      const service = await w.restartService({
        CONFIG_MQTT_TLS_CERT_FILE: certs.certFile,
        CONFIG_MQTT_TLS_KEY_FILE: certs.keyFile,
      });
      expect(service.mqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      const t = await w.tenant('tls');
      const v = await w.settled(t);
      await w.startGateway(t, { overrides: { configCaFile: certs.caFile } });
      await w.waitStatus(t.gatewayId, inSync(v), 'in sync over mqtts');
      const untrusted = await connectRefused(service.mqttUrl, {
        clientId: 'no-ca',
        username: t.gatewayId,
        password: t.gatewayToken,
      });
      expect(untrusted.message).toMatch(/self[- ]signed|unable to verify|certificate/i);
      const plain = service.mqttUrl.replace('mqtts://', 'mqtt://');
      expect(
        await connectRefused(plain, { clientId: 'plain', username: t.gatewayId, password: t.gatewayToken, connectTimeout: 2000 }),
      ).toBeDefined();
    } finally {
      await w.restartService({});
      await certs.remove();
    }
  });
});
