/**
 * MQTT ingestion through the machine's Mosquitto (127.0.0.1:1883) as the external broker: same topics under
 * a unique prefix per run, the gateway's persistent session (frames published while the gateway is down are
 * delivered when it returns, and acknowledged to the broker only after the commit), rejections answered on the
 * device's errors topic, presence from status messages.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { waitFor } from '@vitals/shared';
import type { Gateway } from '../src/gateway.js';
import { openBuffer, startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';

const BROKER = 'mqtt://127.0.0.1:1883';

describe('MQTT ingestion (external broker: Mosquitto)', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  let suffix: string;
  let prefix: string;
  let gatewayClientId: string;
  const clients: MqttClient[] = [];
  const start = (overrides = {}) =>
    startTestGateway(dir.path, {
      mqttMode: 'external',
      mqttUrl: BROKER,
      mqttTopicPrefix: prefix,
      mqttClientId: gatewayClientId,
      commitLinger: 1,
      ...overrides,
    });
  const subscribed = () =>
    waitFor(() => gw!.status().then((s) => s.listeners.mqtt.connected), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'gateway connected',
    });

  beforeEach(() => {
    dir = tempDir();
    suffix = randomBytes(4).toString('hex');
    prefix = `edge-test-${suffix}/vitals`;
    gatewayClientId = `vitals-edge-test-${suffix}`;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw?.close();
    gw = undefined;
    // Remove the gateway's persistent session from Mosquitto.
    const wipe = await connectDevice(BROKER, gatewayClientId, { clean: true });
    await wipe.endAsync();
    dir.remove();
  });

  const device = async (id: string) => {
    const c = await connectDevice(BROKER, `${id}-${suffix}`);
    clients.push(c);
    return c;
  };

  it('stores frames published to the broker, answers rejections on the errors topic and tracks presence', async () => {
    gw = await start();
    await subscribed();
    const mon = await device('MON-X1');
    const errors: string[] = [];
    mon.on('message', (_t, p) =>
      errors.push(...(JSON.parse(p.toString()) as { errors: Array<{ reason: string }> }).errors.map((e) => e.reason)),
    );
    await mon.subscribeAsync(`${prefix}/devices/MON-X1/errors`, { qos: 0 });
    // The subscription exists only once the gateway's SUBACK came; wait for a first frame to arrive to be sure.
    const now = Date.now();
    await mon.publishAsync(`${prefix}/devices/MON-X1/readings`, frame(1, now, { heart_rate: 70, spo2: 97 }), { qos: 1 });
    await waitFor(() => gw!.store.counts.readings === 2, { timeoutMs: 10_000, what: 'first frame stored' });
    await mon.publishAsync(`${prefix}/devices/MON-X1/readings`, frame(2, now, { heart_rate: 500 }), { qos: 1 });
    await mon.publishAsync(`${prefix}/devices/MON-X1/readings`, frame(3, now, { heart_rate: 71 }), { qos: 1 });
    await mon.publishAsync(`${prefix}/devices/MON-X1/status`, 'online', { qos: 1 });
    await waitFor(() => gw!.store.counts.readings === 3 && errors.length === 1, { timeoutMs: 10_000, what: 'frames processed' });
    expect(errors).toEqual(['IMPLAUSIBLE_VALUE']);
    await waitFor(() => gw!.state.presence('MON-X1')?.status === 'online', { timeoutMs: 10_000, what: 'presence online' });
    const status = await gw.status();
    expect(status.ingest.readingsIn).toEqual({ mqtt: 3 });
    expect(status.ingest.rejected).toEqual({ IMPLAUSIBLE_VALUE: 1 });
  });

  it('receives the frames published while the gateway was down, from its persistent session', async () => {
    gw = await start();
    await subscribed();
    await gw.close();
    gw = undefined;
    const mon = await device('MON-X2');
    const now = Date.now();
    for (let seq = 0; seq < 50; seq++) {
      await mon.publishAsync(
        `${prefix}/devices/MON-X2/readings`,
        frame(seq, now - 50_000 + seq * 1000, { heart_rate: 60 + seq }),
        { qos: 1 },
      );
    }
    gw = await start();
    await waitFor(() => gw!.store.counts.readings === 50, { timeoutMs: 15_000, what: 'queued frames delivered' });
    const db = openBuffer(dir.path);
    expect(db.prepare('SELECT device_seq FROM readings ORDER BY seq').pluck().all()).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    db.close();
  });

  it('applies the allow-list to device ids arriving through the broker', async () => {
    gw = await start({ deviceAuth: 'allowlist', deviceAllowlist: ['MON-OK'] });
    await subscribed();
    const stranger = await device('MON-NO');
    const now = Date.now();
    await stranger.publishAsync(`${prefix}/devices/MON-NO/readings`, frame(1, now, { heart_rate: 70 }), { qos: 1 });
    await stranger.publishAsync(`${prefix}/devices/MON-OK/readings`, frame(1, now, { heart_rate: 70 }), { qos: 1 });
    await waitFor(() => gw!.store.counts.readings === 1 && gw!.store.counts.rejected === 1, {
      timeoutMs: 10_000,
      what: 'both frames handled',
    });
    expect((await gw.status()).ingest.rejected).toEqual({ UNKNOWN_DEVICE: 1 });
  });
});
