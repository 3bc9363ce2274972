/**
 * The gateway's side of the configuration push-down, against a real broker (the machine's Mosquitto as the
 * cloud's broker, anonymous; documents published retained as the cloud publishes them) and real SQLite files:
 * apply and acknowledge, device settings forwarded retained on the gateway's own broker, local alarms by the
 * pushed thresholds (listed and acknowledged over HTTP), older versions ignored, a document it cannot apply
 * rejected with the reason while the previous one keeps running, and a restart without uplink that keeps the
 * applied document. Historical readings never raise alarms.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MQTT_TOPICS, waitFor, type ConfigAck, type GatewayConfigDocument } from '@vitals/shared';
import { freePort } from '@vitals/stack/testing';
import type { Gateway } from '../src/gateway.js';
import { httpGet, openBuffer, startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';

const CLOUD_BROKER = 'mqtt://127.0.0.1:1883';
const BED_A = '00000000-0000-4000-8000-0000000000b1';
const ADA = '00000000-0000-4000-8000-0000000000a1';

describe('configuration sync and local alarms at the gateway', () => {
  let dir: ReturnType<typeof tempDir>;
  let gatewayId: string;
  let gw: Gateway | undefined;
  let cloud: MqttClient;
  let acks: ConfigAck[];
  const clients: MqttClient[] = [];

  const document = (version: number, over: Partial<GatewayConfigDocument> = {}): GatewayConfigDocument => ({
    gatewayId,
    version,
    issuedAt: new Date().toISOString(),
    patientNamePolicy: 'initials',
    beds: [{ bedId: BED_A, label: 'A', patient: { id: ADA, displayName: 'A. L.' }, deviceIds: ['MON-1'] }],
    thresholds: [{ metric: 'heart_rate', high: 100, priority: 'medium', hysteresis: 2, scope: 'department' }],
    deviceSettings: [{ deviceId: 'MON-1', samplingIntervalMs: 2000, alarmsEnabled: true }],
    ...over,
  });
  /** Publishes like the cloud does: retained, QoS 1, on the gateway's config topic. */
  const push = (doc: unknown) =>
    cloud.publishAsync(MQTT_TOPICS.gatewayConfig(gatewayId), JSON.stringify(doc), { qos: 1, retain: true });
  const ackFor = (version: number, status: ConfigAck['status'] = 'applied') =>
    waitFor(() => acks.find((a) => a.version === version && a.status === status), {
      timeoutMs: 15_000,
      intervalMs: 20,
      what: `ack ${status} ${version}`,
    });
  const start = (overrides = {}) =>
    startTestGateway(dir.path, { gatewayId, configMqttUrl: CLOUD_BROKER, commitLinger: 1, ...overrides });
  const device = async (g: Gateway, id: string) => {
    const c = await connectDevice(`mqtt://127.0.0.1:${g.ports.mqtt}`, `${id}-${gatewayId}`, { username: id });
    clients.push(c);
    return c;
  };
  const api = async (g: Gateway, path: string, init?: RequestInit) => {
    const r = await httpGet(`http://127.0.0.1:${g.ports.http}${path}`, init);
    return { status: r.status, body: JSON.parse(r.text) };
  };

  beforeEach(async () => {
    dir = tempDir();
    gatewayId = `gw-edge-test-${randomBytes(4).toString('hex')}`;
    acks = [];
    cloud = await connectDevice(CLOUD_BROKER, `cloud-${gatewayId}`);
    cloud.on('message', (_t, p) => acks.push(JSON.parse(p.toString('utf8')) as ConfigAck));
    await cloud.subscribeAsync(MQTT_TOPICS.gatewayConfigAck(gatewayId), { qos: 1 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw?.close();
    gw = undefined;
    await cloud.publishAsync(MQTT_TOPICS.gatewayConfig(gatewayId), Buffer.alloc(0), { qos: 1, retain: true });
    await cloud.endAsync();
    dir.remove();
  });

  it('applies a pushed document, acknowledges it, forwards device settings and alarms by its thresholds', async () => {
    gw = await start();
    await push(document(4));
    expect(await ackFor(4)).toEqual({ version: 4, status: 'applied', appliedVersion: 4 });
    const config = await api(gw, '/api/config');
    expect(config.body).toMatchObject({
      version: 4,
      beds: [{ label: 'A' }],
      sync: { enabled: true, connected: true, lastRejection: null },
    });
    expect(gw.state.ward()).toMatchObject({
      configVersion: 4,
      beds: [{ bedId: BED_A, patientDisplayName: 'A. L.', deviceIds: ['MON-1'] }],
    });

    // The monitor finds its settings retained on its gateway's broker.
    const monitor = await device(gw, 'MON-1');
    const settings = new Promise<string>((resolve) => monitor.once('message', (_t, p) => resolve(p.toString('utf8'))));
    await monitor.subscribeAsync(MQTT_TOPICS.deviceSettings('MON-1'), { qos: 1 });
    expect(JSON.parse(await settings)).toEqual({ deviceId: 'MON-1', samplingIntervalMs: 2000, alarmsEnabled: true });

    // 105 is normal by the catalog (medium above 120) but above the pushed limit of 100. The PUBACK comes after
    // the commit, and local alarms are evaluated inside it.
    const now = Date.now();
    await monitor.publishAsync(MQTT_TOPICS.deviceReadings('MON-1'), frame(1, now - 60_000, { heart_rate: 180 }), { qos: 1 });
    expect((await api(gw, '/api/alarms')).body.alarms).toEqual([]); // historical: measured a minute before it came
    await monitor.publishAsync(MQTT_TOPICS.deviceReadings('MON-1'), frame(2, now, { heart_rate: 105 }), { qos: 1 });
    const listed = await api(gw, '/api/alarms');
    expect(listed.body).toMatchObject({
      configVersion: 4,
      alarms: [
        {
          deviceId: 'MON-1',
          bedId: BED_A,
          bedLabel: 'A',
          patientId: ADA,
          patientDisplayName: 'A. L.',
          metric: 'heart_rate',
          priority: 'medium',
          side: 'high',
          limit: 100,
          value: 105,
          since: new Date(now).toISOString(),
          acknowledged: false,
        },
      ],
    });
    const id = listed.body.alarms[0].id as string;
    const ack = await api(gw, `/api/alarms/${id}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'nurse jo' }),
    });
    expect(ack).toMatchObject({ status: 200, body: { id, acknowledged: true, acknowledgedBy: 'nurse jo' } });
    expect((await api(gw, '/api/alarms')).body.alarms[0].acknowledged).toBe(true);
    expect((await api(gw, '/api/alarms/no-such-alarm/ack', { method: 'POST' })).body).toMatchObject({
      statusCode: 404,
      code: 'EDGE_ERR_ALARM_NOT_FOUND',
    });
    const db = openBuffer(dir.path);
    try {
      expect(db.prepare('SELECT event, actor, config_version FROM alarm_log ORDER BY id').all()).toEqual([
        { event: 'raise', actor: null, config_version: 4 },
        { event: 'acknowledge', actor: 'nurse jo', config_version: 4 },
      ]);
    } finally {
      db.close();
    }

    // Settings removed from the document: the retained message is cleared.
    const cleared = new Promise<string>((resolve) => monitor.once('message', (_t, p) => resolve(p.toString('utf8'))));
    await push(document(5, { deviceSettings: [] }));
    await ackFor(5);
    expect(await cleared).toBe('');
  });

  it('ignores older versions, rejects what it cannot apply and keeps running the previous version', async () => {
    gw = await start();
    await push(document(7));
    await ackFor(7);
    await push(document(6, { thresholds: [] }));
    await waitFor(() => acks.length >= 2, { timeoutMs: 10_000, intervalMs: 20, what: 'answer to the older version' });
    expect(acks[1]).toEqual({ version: 7, status: 'applied', appliedVersion: 7 });
    expect(gw.configSync.applier.current().version).toBe(7);

    await push(document(8, { gatewayId: 'gw-someone-else' }));
    expect(await ackFor(8, 'rejected')).toEqual({
      version: 8,
      status: 'rejected',
      reason: `document is for gateway gw-someone-else, not ${gatewayId}`,
      appliedVersion: 7,
    });
    await push(
      document(9, {
        thresholds: [{ metric: 'heart_rate', low: 120, high: 100, priority: 'high', hysteresis: 0, scope: 'customer' }],
      }),
    );
    expect((await ackFor(9, 'rejected')).reason).toMatch(/low 120 must be below high 100/);
    expect((await api(gw, '/api/config')).body).toMatchObject({ version: 7, sync: { lastRejection: { version: 9 } } });

    // Local alarms still run under version 7's limit of 100.
    const monitor = await device(gw, 'MON-1');
    await monitor.publishAsync(MQTT_TOPICS.deviceReadings('MON-1'), frame(1, Date.now(), { heart_rate: 104 }), { qos: 1 });
    expect(gw.state.activeAlarms()).toMatchObject([{ limit: 100, configVersion: 7 }]);
  });

  it('a restart without uplink keeps the applied document, and the ward is still alarmed by it', async () => {
    gw = await start();
    await push(document(3, { thresholds: [{ metric: 'spo2', low: 95, priority: 'high', hysteresis: 1, scope: 'department' }] }));
    await ackFor(3);
    await gw.close();
    const nowhere = `mqtt://127.0.0.1:${await freePort()}`;
    gw = await start({ configMqttUrl: nowhere });
    const config = (await api(gw, '/api/config')).body;
    expect(config).toMatchObject({ version: 3, sync: { enabled: true, url: nowhere, connected: false } });
    expect(config.thresholds).toEqual([{ metric: 'spo2', low: 95, priority: 'high', hysteresis: 1, scope: 'department' }]);
    const monitor = await device(gw, 'MON-1');
    await monitor.publishAsync(MQTT_TOPICS.deviceReadings('MON-1'), frame(1, Date.now(), { spo2: 93 }), { qos: 1 });
    expect((await api(gw, '/api/alarms')).body.alarms).toMatchObject([
      { metric: 'spo2', priority: 'high', limit: 95, configVersion: 3 },
    ]);
  });
});
