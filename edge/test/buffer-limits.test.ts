/**
 * The buffer's limits on a real SQLite file: when full it drops forwarded history first, then the oldest unsent
 * readings, keeping alarm-relevant ones longest, every drop counted and logged in `drop_log`; forwarded readings
 * leave after the history window; the start-up check refuses a buffer the disk cannot hold.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { isVitalsError, waitFor } from '@vitals/shared';
import type { Gateway } from '../src/gateway.js';
import { httpGet, openBuffer, startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice } from './support/mqtt-device.js';
import { startStandInCloud, type StandInCloud } from './support/stand-in-cloud.js';

describe('buffer limits', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  let cloud: StandInCloud;
  let device: MqttClient | undefined;

  beforeEach(async () => {
    dir = tempDir();
    cloud = await startStandInCloud();
  });
  afterEach(async () => {
    await device?.endAsync(true);
    device = undefined;
    await gw?.close();
    gw = undefined;
    await cloud.close();
    dir.remove();
  });

  /** Publishes `count` frames of heart rate and SpO2 from `first` on, 100 frames a payload. */
  const publish = async (first: number, count: number, heartRate: (seq: number) => number) => {
    const t0 = Date.now() - 86_400_000;
    for (let s = first; s < first + count; s += 100) {
      const frames = [];
      for (let seq = s; seq < Math.min(first + count, s + 100); seq++) {
        frames.push({ seq, measuredAt: t0 + seq * 1000, metrics: { heart_rate: heartRate(seq), spo2: 97 } });
      }
      await device!.publishAsync('vitals/devices/MON-B1/readings', JSON.stringify(frames), { qos: 1 });
    }
  };

  it('when full, drops forwarded history first, then the oldest unsent readings, and keeps alarm-relevant ones', async () => {
    const capacity = 1024 * 1024;
    gw = await startTestGateway(dir.path, {
      cloudUrl: cloud.url,
      bufferMaxBytes: capacity,
      forwardBatchSize: 1000,
      forwardLinger: 10,
    });
    device = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'MON-B1');

    // History: 1,000 frames forwarded (every tenth with an alarm-relevant heart rate: 100 alarm-relevant readings).
    await publish(0, 1000, (seq) => (seq % 10 === 0 ? 150 : 70));
    await waitFor(() => gw!.store.counts.unsent === 0, { timeoutMs: 20_000, what: 'history forwarded' });
    expect(gw.store.counts.readings).toBe(2000);

    // The uplink goes down; 200 alarm-relevant frames, then far more normal ones than the buffer holds.
    await cloud.stop();
    await publish(1000, 200, () => 150);
    await publish(1200, 12_000, () => 72);

    const db = openBuffer(dir.path);
    const drops = db.prepare('SELECT kind, alarm, SUM(count) AS n FROM drop_log GROUP BY 1, 2 ORDER BY MIN(id)').all();
    expect(drops).toEqual([
      { kind: 'forwarded', alarm: 0, n: 1900 },
      { kind: 'forwarded', alarm: 1, n: 100 },
      { kind: 'unsent', alarm: 0, n: expect.any(Number) as number },
    ]);
    expect(db.prepare('SELECT COUNT(*) FROM readings WHERE forwarded_at IS NOT NULL').pluck().get()).toBe(0);
    // Every alarm-relevant unsent reading is still there; the normal ones dropped were the oldest.
    expect(db.prepare('SELECT COUNT(*) FROM readings WHERE alarm = 1').pluck().get()).toBe(200);
    const oldestKept = db.prepare('SELECT MIN(device_seq) FROM readings WHERE alarm = 0').pluck().get() as number;
    const newestKept = db.prepare('SELECT MAX(device_seq) FROM readings').pluck().get() as number;
    expect(newestKept).toBe(13_199);
    const keptNormal = db.prepare('SELECT COUNT(*) FROM readings WHERE alarm = 0').pluck().get() as number;
    const droppedUnsent = (drops[2] as { n: number }).n;
    expect(keptNormal + droppedUnsent).toBe(200 + 12_000 * 2);
    expect(db.prepare('SELECT COUNT(*) FROM readings WHERE alarm = 0 AND device_seq < ?').pluck().get(oldestKept)).toBe(0);
    db.close();

    const status = await gw.status();
    expect(status.buffer.bytesUsed).toBeLessThanOrEqual(capacity);
    expect(status.dropped).toEqual({ forwarded: 2000, unsent: droppedUnsent });
    const metrics = (await httpGet(`http://127.0.0.1:${gw.ports.http}/metrics`)).text;
    expect(metrics).toContain('edge_dropped_readings_total{kind="forwarded",alarm="false"} 1900');
    expect(metrics).toContain('edge_dropped_readings_total{kind="forwarded",alarm="true"} 100');
    expect(metrics).toContain(`edge_dropped_readings_total{kind="unsent",alarm="false"} ${droppedUnsent}`);
    expect(metrics).not.toContain('edge_dropped_readings_total{kind="unsent",alarm="true"}');

    // When the uplink returns, what was kept goes out.
    await cloud.start();
    await waitFor(() => gw!.store.counts.unsent === 0, { timeoutMs: 30_000, what: 'kept readings forwarded' });
    expect(cloud.accepted.filter((r) => r.deviceSeq >= 1000 && r.deviceSeq < 1200 && r.metric === 'heart_rate')).toHaveLength(
      200,
    );
  });

  it('keeps a flood of rejected frames from pushing readings out of a full buffer', async () => {
    gw = await startTestGateway(dir.path, { bufferMaxBytes: 1024 * 1024 });
    device = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'MON-B1');
    await publish(0, 1000, () => 70);
    const bad = JSON.stringify({ seq: 1, metrics: { heart_rate: 70 }, note: 'x'.repeat(900) }); // no timestamp
    for (let i = 0; i < 2000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, () => device!.publishAsync('vitals/devices/MON-B1/readings', bad, { qos: 1 })),
      );
    }
    await publish(1000, 10, () => 70);
    const status = await gw.status();
    expect(status.ingest.rejected).toEqual({ MISSING_TIMESTAMP: 2000 });
    expect(status.buffer.rejectedRows).toBeLessThanOrEqual(Math.floor((1024 * 1024 * 0.05) / 1200));
    expect(status.buffer.readings).toBe(2020);
    expect(status.dropped).toEqual({});
  });

  it('prunes forwarded readings older than the history window, and keeps unsent ones', async () => {
    gw = await startTestGateway(dir.path, { cloudUrl: cloud.url, historyWindow: 1000, forwardLinger: 10 });
    device = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'MON-B1');
    await publish(0, 100, () => 70);
    await waitFor(() => gw!.store.counts.unsent === 0, { timeoutMs: 20_000, what: 'forwarded' });
    await cloud.stop();
    await publish(100, 10, () => 70);
    const newest = gw.store.newestUnsent(1)[0]!.receivedAtMs;
    await waitFor(() => Date.now() - newest > 1100, { timeoutMs: 5000, intervalMs: 50, what: 'the history window to pass' });
    await device.endAsync(true);
    device = undefined;
    await gw.close();
    gw = await startTestGateway(dir.path, { historyWindow: 1000 }); // retention runs at start and every minute
    expect(gw.store.counts).toMatchObject({ readings: 20, unsent: 20 });
  });

  it('refuses to start when the disk cannot hold the configured buffer', async () => {
    const err = await startTestGateway(dir.path, { bufferMaxBytes: 2 ** 50 }).catch((e: unknown) => e);
    expect(isVitalsError(err, 'EDGE_ERR_DISK_TOO_SMALL')).toBe(true);
    expect((err as Error).message).toMatch(/free disk space/);
  });
});
