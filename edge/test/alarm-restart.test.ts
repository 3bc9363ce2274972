/**
 * A gateway killed with SIGKILL while an alarm is active and acknowledged: started again on the same data
 * folder, the nurses' station lists the same alarm (same episode, priority, limit, acknowledged by the same
 * nurse) before any new reading, and the alarm goes on from its state: a higher value escalates it (and alerts
 * again), a normal value clears it, and the next restart has none.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MQTT_TOPICS } from '@vitals/shared';
import { startChildGateway, type ChildGateway } from './support/child-gateway.js';
import { httpGet, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';
import { startStandInCloud, type StandInCloud } from './support/stand-in-cloud.js';

interface AlarmJson {
  id: string;
  deviceId: string;
  metric: string;
  priority: string;
  limit: number | null;
  since: string;
  acknowledged: boolean;
  acknowledgedBy: string | null;
}

describe('local alarms across a gateway restart', () => {
  let dir: ReturnType<typeof tempDir>;
  let cloud: StandInCloud;
  let gw: ChildGateway | undefined;
  let monitor: MqttClient | undefined;
  let seq = 0;

  const start = () =>
    startChildGateway({
      EDGE_DATA_DIR: dir.path,
      EDGE_BIND_HOST: '127.0.0.1',
      EDGE_HTTP_PORT: '0',
      EDGE_MQTT_PORT: '0',
      EDGE_MLLP_PORT: 'off',
      CLOUD_URL: cloud.url,
    });
  const alarms = async (): Promise<AlarmJson[]> =>
    (JSON.parse((await httpGet(`http://127.0.0.1:${gw!.ports.http}/api/alarms`)).text) as { alarms: AlarmJson[] }).alarms;
  /** A heart rate from the monitor, acknowledged by the gateway (QoS 1: committed and evaluated). */
  const heartRate = async (value: number) => {
    monitor ??= await connectDevice(`mqtt://127.0.0.1:${gw!.ports.mqtt}`, 'MON-ALARM');
    await monitor.publishAsync(MQTT_TOPICS.deviceReadings('MON-ALARM'), frame(++seq, Date.now(), { heart_rate: value }), {
      qos: 1,
    });
  };

  beforeEach(async () => {
    dir = tempDir();
    cloud = await startStandInCloud();
  });
  afterEach(async () => {
    await monitor?.endAsync(true);
    monitor = undefined;
    await gw?.stop();
    gw = undefined;
    await cloud.close();
    dir.remove();
  });

  it('keeps an acknowledged alarm through kill -9, then escalates and clears it from where it was', async () => {
    gw = await start();
    await heartRate(130); // the catalog's medium band: above 120
    const [raised] = await alarms();
    expect(raised).toMatchObject({ deviceId: 'MON-ALARM', metric: 'heart_rate', priority: 'medium', acknowledged: false });
    const ack = await httpGet(`http://127.0.0.1:${gw.ports.http}/api/alarms/${raised!.id}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'nurse jo' }),
    });
    expect(ack.status).toBe(200);

    await monitor!.endAsync(true);
    monitor = undefined;
    await gw.kill9();
    gw = await start();
    // Before any new reading: the same alarm, still acknowledged by the same nurse.
    expect(await alarms()).toEqual([
      { ...raised, acknowledged: true, acknowledgedBy: 'nurse jo', acknowledgedAt: expect.any(String) },
    ]);

    await heartRate(125); // same priority: holds, still silenced
    expect(await alarms()).toMatchObject([{ id: raised!.id, priority: 'medium', acknowledged: true }]);
    await heartRate(150); // above 140: escalates and alerts again
    expect(await alarms()).toMatchObject([{ id: raised!.id, priority: 'high', since: raised!.since, acknowledged: false }]);
    await heartRate(80);
    expect(await alarms()).toEqual([]);

    await monitor!.endAsync(true);
    monitor = undefined;
    await gw.stop();
    gw = await start();
    expect(await alarms()).toEqual([]);
  });
});
