/**
 * MQTT ingestion through the embedded aedes broker, with real mqtt.js devices: commit before PUBACK, every
 * kind of malformed input (each gets its error, and the next valid frame of the same and other devices is
 * accepted), device authentication, publishing under another device's id, presence with a last will, and the
 * operations routes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { waitFor } from '@vitals/shared';
import type { Gateway } from '../src/gateway.js';
import { hashDeviceSecret } from '../src/ingest/device-auth.js';
import { httpGet, openBuffer, startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';

describe('MQTT ingestion (embedded broker)', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  const clients: MqttClient[] = [];
  const device = async (id: string, opts = {}) => {
    const c = await connectDevice(`mqtt://127.0.0.1:${gw!.ports.mqtt}`, id, opts);
    clients.push(c);
    return c;
  };

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw?.close();
    gw = undefined;
    dir.remove();
  });

  it('sends the PUBACK only after the frame is committed to SQLite', async () => {
    gw = await startTestGateway(dir.path, { commitLinger: 20 });
    const db = openBuffer(dir.path);
    const count = db.prepare('SELECT COUNT(*) FROM readings').pluck();
    const mon = await device('MON-1');
    const committedAtAck: number[] = [];
    const now = Date.now();
    await Promise.all(
      [1, 2, 3].map((seq) =>
        mon
          .publishAsync('vitals/devices/MON-1/readings', frame(seq, now - 1000 + seq, { heart_rate: 70 + seq, spo2: 97 }), {
            qos: 1,
          })
          .then(() => {
            // Read from a second connection the moment the PUBACK arrives: the rows must be there.
            committedAtAck.push(count.get() as number);
          }),
      ),
    );
    expect(committedAtAck.every((n) => n >= 2)).toBe(true);
    const rows = db.prepare('SELECT device_seq, metric, value FROM readings ORDER BY seq').all();
    expect(rows).toHaveLength(6);
    expect(gw.state.latest('MON-1')?.get('heart_rate')?.value).toBe(73);
    db.close();
  });

  it('answers every kind of malformed input with its reason and keeps taking valid frames of the same and other devices', async () => {
    gw = await startTestGateway(dir.path, { maxPayloadBytes: 2048 });
    const a = await device('MON-A');
    const b = await device('MON-B');
    const errors: string[] = [];
    a.on('message', (_t, payload) => {
      for (const e of (JSON.parse(payload.toString()) as { errors: Array<{ reason: string }> }).errors) errors.push(e.reason);
    });
    await a.subscribeAsync('vitals/devices/MON-A/errors', { qos: 0 });
    const now = Date.now();
    const bad: Array<[string, Buffer | string, string]> = [
      ['bad JSON', '{"seq": 1, "measuredAt"', 'MALFORMED'],
      ['wrong types', JSON.stringify({ seq: 'x', measuredAt: now, metrics: { heart_rate: 70 } }), 'MALFORMED'],
      ['unknown metric', frame(2, now, { glucose: 5.5 }), 'UNKNOWN_METRIC'],
      ['unit mismatch', frame(3, now, { temperature: 37 }, { units: { temperature: 'K' } }), 'UNIT_MISMATCH'],
      ['implausible value', frame(4, now, { heart_rate: 900 }), 'IMPLAUSIBLE_VALUE'],
      ['missing timestamp', JSON.stringify({ seq: 5, metrics: { heart_rate: 70 } }), 'MISSING_TIMESTAMP'],
      ['far-future timestamp', frame(6, now + 86_400_000, { heart_rate: 70 }), 'FUTURE_TIMESTAMP'],
      ['oversized payload', Buffer.alloc(4096, 0x20), 'PAYLOAD_TOO_LARGE'],
    ];
    let seq = 100;
    for (const [, payload] of bad) {
      await a.publishAsync('vitals/devices/MON-A/readings', payload, { qos: 1 });
      await a.publishAsync('vitals/devices/MON-A/readings', frame(seq++, now, { heart_rate: 71 }), { qos: 1 });
      await b.publishAsync('vitals/devices/MON-B/readings', frame(seq++, now, { spo2: 95 }), { qos: 1 });
    }
    // Publishing under another device's id: acknowledged (MQTT 3.1.1 cannot say no), not stored, recorded.
    await a.publishAsync('vitals/devices/MON-B/readings', frame(999, now, { heart_rate: 60 }), { qos: 1 });
    await a.publishAsync('vitals/devices/MON-A/readings', frame(seq++, now, { heart_rate: 72 }), { qos: 1 });

    const expected = [...bad.map(([, , reason]) => reason), 'DEVICE_NOT_AUTHORISED'];
    await waitFor(() => errors.length >= expected.length, { timeoutMs: 10_000, what: 'error notes on MON-A/errors' });
    expect(errors).toEqual(expected);

    const db = openBuffer(dir.path);
    const rejected = db.prepare('SELECT device_id, reason FROM rejected ORDER BY id').all();
    expect(rejected).toEqual(expected.map((reason) => ({ device_id: 'MON-A', reason })));
    const stored = db
      .prepare(
        'SELECT d.device_id AS d, COUNT(*) AS n FROM readings r JOIN devices d ON d.ref = r.device_ref GROUP BY 1 ORDER BY 1',
      )
      .all();
    expect(stored).toEqual([
      { d: 'MON-A', n: bad.length + 1 },
      { d: 'MON-B', n: bad.length },
    ]);
    expect(db.prepare('SELECT COUNT(*) FROM readings WHERE device_seq = 999').pluck().get()).toBe(0);
    db.close();

    const metrics = (await httpGet(`http://127.0.0.1:${gw.ports.http}/metrics`)).text;
    expect(metrics).toMatch(/edge_rejected_total\{source="mqtt",reason="IMPLAUSIBLE_VALUE"\} 1/);
    expect(metrics).toMatch(/edge_rejected_total\{source="mqtt",reason="DEVICE_NOT_AUTHORISED"\} 1/);
  });

  it('lets a device subscribe only inside its own topic subtree', async () => {
    gw = await startTestGateway(dir.path);
    const a = await device('MON-A');
    const own = await a.subscribeAsync('vitals/devices/MON-A/#', { qos: 1 });
    expect(own[0]?.qos).toBe(1);
    // SUBACK 0x80 (failure), which mqtt.js reports as an error.
    await expect(a.subscribeAsync('vitals/devices/MON-B/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(a.subscribeAsync('vitals/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
  });

  it('authenticates devices by per-device credentials', async () => {
    const file = path.join(dir.path, 'devices.json');
    writeFileSync(file, JSON.stringify({ 'MON-1': await hashDeviceSecret('s3cret') }));
    gw = await startTestGateway(dir.path, { deviceAuth: 'credentials', deviceCredentialsFile: file });
    await expect(device('x1', { username: 'MON-1', password: 'wrong' })).rejects.toThrow(/Bad username or password/);
    await expect(device('x2', { username: 'MON-9', password: 's3cret' })).rejects.toThrow(/Not authorized/);
    const ok = await device('x3', { username: 'MON-1', password: 's3cret' });
    await ok.publishAsync('vitals/devices/MON-1/readings', frame(1, Date.now(), { heart_rate: 66 }), { qos: 1 });
    expect(gw.store.counts.readings).toBe(1);
  });

  it('admits only allow-listed devices when so configured', async () => {
    gw = await startTestGateway(dir.path, { deviceAuth: 'allowlist', deviceAllowlist: ['MON-OK'] });
    await expect(device('MON-NO')).rejects.toThrow(/Not authorized/);
    const ok = await device('MON-OK');
    expect(ok.connected).toBe(true);
  });

  it('tracks presence: online on connect and status, offline by the last will when the connection drops', async () => {
    gw = await startTestGateway(dir.path);
    const changes: string[] = [];
    gw.state.on('presence', (p) => changes.push(`${p.deviceId}:${p.status}:${p.via}`));
    const mon = await device('MON-P', {
      will: { topic: 'vitals/devices/MON-P/status', payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    await mon.publishAsync('vitals/devices/MON-P/status', 'online', { qos: 1 });
    expect(gw.state.presence('MON-P')?.status).toBe('online');
    mon.stream.destroy(); // the cable is pulled: no DISCONNECT, so the broker publishes the will
    await waitFor(() => gw!.state.presence('MON-P')?.status === 'offline', { timeoutMs: 10_000, what: 'MON-P offline' });
    expect(changes[0]).toBe('MON-P:online:connect');
    expect(changes.at(-1)).toMatch(/^MON-P:offline:(will|disconnect)$/);
    const status = JSON.parse((await httpGet(`http://127.0.0.1:${gw.ports.http}/api/status`)).text) as {
      devices: { list: Array<{ deviceId: string; status: string }> };
    };
    expect(status.devices.list).toContainEqual({ deviceId: 'MON-P', status: 'offline' });
  });

  it('serves health, Prometheus metrics and a JSON status', async () => {
    gw = await startTestGateway(dir.path);
    const mon = await device('MON-1');
    await mon.publishAsync('vitals/devices/MON-1/readings', frame(1, Date.now(), { heart_rate: 70, spo2: 98 }), { qos: 1 });
    const base = `http://127.0.0.1:${gw.ports.http}`;
    const health = await httpGet(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ status: 'ok', checks: { buffer: 'ok', uplink: 'disabled' } });
    const metrics = (await httpGet(`${base}/metrics`)).text;
    for (const name of [
      'edge_frames_received_total',
      'edge_readings_received_total',
      'edge_rejected_total',
      'edge_buffered_readings',
      'edge_unsent_readings',
      'edge_oldest_unsent_age_seconds',
      'edge_forwarded_readings_total',
      'edge_dead_lettered_total',
      'edge_dropped_readings_total',
      'edge_uplink_state',
      'edge_buffer_bytes',
    ]) {
      expect(metrics).toContain(`# TYPE ${name}`);
    }
    expect(metrics).toMatch(/edge_readings_received_total\{source="mqtt"\} 2/);
    expect(metrics).toMatch(/edge_unsent_readings 2/);
    expect(metrics).toMatch(/edge_uplink_state\{state="disabled"\} 1/);
    const status = JSON.parse((await httpGet(`${base}/api/status`)).text) as Record<string, Record<string, unknown>>;
    expect(status.buffer).toMatchObject({ readings: 2, unsent: 2 });
    expect(status.ingest).toMatchObject({ framesIn: { mqtt: 1 }, readingsIn: { mqtt: 2 } });
    expect(status.uplink).toMatchObject({ enabled: false, state: 'disabled' });
  });
});
