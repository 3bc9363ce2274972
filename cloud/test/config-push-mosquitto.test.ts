/**
 * The push-down through an external broker (CONFIG_MQTT_MODE=external):
 * - a Mosquitto of the test's own with a password file (user = gateway id, password = its token) and the ACL of
 *   `mosquittoAcl()`: changes reach the gateway and are acknowledged; a gateway's credentials receive nothing of
 *   another gateway's topic and its acknowledgement for another gateway never reaches the service (Mosquitto,
 *   for MQTT 3.1.1, grants the subscription and drops the publish silently; the ACL decides what is delivered);
 * - the machine's Mosquitto (127.0.0.1:1883, anonymous): a gateway offline during three changes gets only the
 *   newest retained version when it reconnects.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MQTT_TOPICS, waitFor } from '@vitals/shared';
import { uniqueSuffix } from '@vitals/stack/testing';
import { mosquittoAcl } from '../src/config-service/mqtt/topic-rules.js';
import { connectCollector } from './config-support/mqtt.js';
import { startMosquitto, type TestMosquitto } from './config-support/mosquitto.js';
import { issuedVersions, startConfigWorld, type ConfigWorld, type Tenant } from './config-support/world.js';

const MACHINE_MOSQUITTO = 'mqtt://127.0.0.1:1883';
const SERVICE_USER = 'vitals-config';
const SERVICE_PASSWORD = `svc-${uniqueSuffix()}`;

let broker: TestMosquitto;
let w: ConfigWorld;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  broker = await startMosquitto({ users: { [SERVICE_USER]: SERVICE_PASSWORD }, acl: mosquittoAcl(SERVICE_USER) });
  w = await startConfigWorld({
    env: {
      CONFIG_MQTT_MODE: 'external',
      CONFIG_MQTT_URL: broker.url,
      CONFIG_MQTT_USERNAME: SERVICE_USER,
      CONFIG_MQTT_PASSWORD: SERVICE_PASSWORD,
      CONFIG_MQTT_CLIENT_ID: `config-test-${uniqueSuffix()}`,
    },
  });
  a = await w.tenant('mq-a');
  b = await w.tenant('mq-b');
  // The gateways' credentials at the broker: user = gateway id, password = the gateway's token.
  await broker.setUsers(
    { [SERVICE_USER]: SERVICE_PASSWORD, [a.gatewayId]: a.gatewayToken, [b.gatewayId]: b.gatewayToken },
    b.gatewayId,
  );
});
afterAll(async () => {
  await w?.close();
  await broker?.stop();
});

const rule = (t: Tenant, high: number, priority = 'medium') =>
  w.call('POST', '/v1/alert-thresholds', {
    token: t.adminToken,
    body: { scope: 'department', departmentId: t.departmentId, metric: 'heart_rate', high, priority },
  });

describe('push-down through our own Mosquitto with gateway credentials and ACLs', () => {
  it('a change over REST is applied and acknowledged through the external broker', async () => {
    expect(w.service.mqttUrl).toBe(broker.url);
    await waitFor(() => w.service.deps.transport.ready(), { timeoutMs: 10_000, intervalMs: 50, what: 'service connected' });
    const v0 = await w.settled(a);
    const gw = await w.startGateway(a, { overrides: { configMqttUrl: broker.url } });
    await w.waitStatus(a.gatewayId, (s) => s.inSync === true && s.desiredVersion === v0, 'gateway A in sync');
    const r = await rule(a, 100);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const v = issuedVersions(r)[a.gatewayId]!;
    const s = await w.waitStatus(a.gatewayId, (x) => x.inSync === true && x.desiredVersion === v, `gateway A acknowledges ${v}`);
    expect(s).toMatchObject({ appliedVersion: v, connected: null });
    expect(gw.gateway.configSync.applier.current().version).toBe(v);
    await gw.stop();
  });

  it("a gateway's credentials get nothing of another gateway's document and cannot acknowledge for it", async () => {
    const vB = await w.settled(b);
    await w.waitStatus(b.gatewayId, (s) => s.publishedVersion === vB, "B's document published");
    const asA = await connectCollector(broker.url, {
      clientId: `impostor-${uniqueSuffix()}`,
      username: a.gatewayId,
      password: a.gatewayToken,
    });
    try {
      // Subscribed first to B's topic, then to its own: B's retained document would have come first.
      await asA.client.subscribeAsync(MQTT_TOPICS.gatewayConfig(b.gatewayId), { qos: 1 });
      await asA.client.subscribeAsync('vitals/config/#', { qos: 1 });
      await asA.client.subscribeAsync(MQTT_TOPICS.gatewayConfig(a.gatewayId), { qos: 1 });
      await asA.waitFor((m) => m.topic === MQTT_TOPICS.gatewayConfig(a.gatewayId), "A's own document");
      expect(new Set(asA.messages.map((m) => m.topic))).toEqual(new Set([MQTT_TOPICS.gatewayConfig(a.gatewayId)]));

      // An acknowledgement for B, then one for itself (older, so it changes nothing): the service receives
      // A's messages in order, so once A's is recorded, B's would have been too.
      await asA.client.publishAsync(
        MQTT_TOPICS.gatewayConfigAck(b.gatewayId),
        JSON.stringify({ version: vB, status: 'applied' }),
        {
          qos: 1,
        },
      );
      await asA.client.publishAsync(
        MQTT_TOPICS.gatewayConfigAck(a.gatewayId),
        JSON.stringify({ version: 1, status: 'applied' }),
        {
          qos: 1,
        },
      );
      await waitFor(
        async () => {
          const acks = await w.call('GET', `/v1/gateways/${a.gatewayId}/config/acks`);
          return acks.body.items.some((i: { version: number; superseded: boolean }) => i.version === 1 && i.superseded);
        },
        { timeoutMs: 10_000, intervalMs: 50, what: "A's sentinel acknowledgement recorded" },
      );
    } finally {
      await asA.end();
    }
    expect((await w.call('GET', `/v1/gateways/${b.gatewayId}/config/acks`)).body.total).toBe(0);
    expect(await w.status(b.gatewayId)).toMatchObject({ reportedVersion: 0, reportedStatus: null, inSync: false });
  });
});

describe("push-down through the machine's Mosquitto (anonymous, plain external broker)", () => {
  const serviceClientId = `config-test-${uniqueSuffix()}`;
  let db: pg.Pool;

  beforeAll(async () => {
    await w.restartService({
      CONFIG_MQTT_MODE: 'external',
      CONFIG_MQTT_URL: MACHINE_MOSQUITTO,
      CONFIG_MQTT_CLIENT_ID: serviceClientId,
    });
    db = new pg.Pool({ connectionString: w.storage.databaseUrl, max: 1 });
  });
  afterAll(async () => {
    // Leave nothing behind on the shared broker: our retained documents and the service's persistent session.
    const ids = (await db.query<{ id: string }>('SELECT id FROM gateways')).rows.map((r) => r.id);
    await db.end();
    await w.restartService({});
    const wipe = await connectCollector(MACHINE_MOSQUITTO, { clientId: serviceClientId, clean: true });
    for (const id of ids)
      await wipe.client.publishAsync(MQTT_TOPICS.gatewayConfig(id), Buffer.alloc(0), { qos: 1, retain: true });
    await wipe.end();
  });

  it('a gateway offline during three changes applies only the newest when it reconnects, and is in sync', async () => {
    const t = await w.tenant('mq-offline');
    const v0 = await w.settled(t);
    await waitFor(() => w.service.deps.transport.ready(), { timeoutMs: 10_000, intervalMs: 50, what: 'service connected' });
    const gw = await w.startGateway(t, { overrides: { configMqttUrl: MACHINE_MOSQUITTO } });
    await w.waitStatus(t.gatewayId, (s) => s.inSync === true && s.desiredVersion === v0, 'in sync');
    await gw.stop();

    let last = 0;
    for (const [high, priority] of [
      [101, 'low'],
      [102, 'medium'],
      [103, 'high'],
    ] as const) {
      const r = await rule(t, high, priority);
      expect(r.status).toBe(201);
      last = issuedVersions(r)[t.gatewayId]!;
    }
    expect(last).toBe(v0 + 3);
    await w.waitStatus(t.gatewayId, (s) => s.publishedVersion === last, 'newest version published');

    const again = await w.startGateway(t, { dataDir: gw.dataDir, overrides: { configMqttUrl: MACHINE_MOSQUITTO } });
    await w.waitStatus(t.gatewayId, (s) => s.inSync === true && s.desiredVersion === last, `in sync at ${last}`);
    const applied = again.gateway.store.db
      .prepare("SELECT version FROM config_receipts WHERE outcome = 'applied' ORDER BY id")
      .pluck()
      .all() as number[];
    expect(applied.slice(-2)).toEqual([v0, last]);
    expect(applied.filter((v) => v > v0 && v < last)).toEqual([]);
  });
});
