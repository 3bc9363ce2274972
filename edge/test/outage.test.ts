/**
 * A 10-minute outage of the uplink with continuous input, then recovery: every reading arrives exactly once, in
 * per-device order.
 *
 * What is compressed: the 10 minutes are measurement time, not wall time. Eight monitors each send one frame
 * (5 metrics) per simulated second, with measuredAt spanning 10 minutes, published as fast as the gateway
 * acknowledges them. For the first 8 simulated minutes the stand-in cloud is down (first refusing connections,
 * then answering 503); it recovers while the last 2 minutes are still being published, so the backlog drains
 * while live input keeps flowing. Only the clock the frames carry is simulated; the gateway, broker, buffer and
 * HTTP are real.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { waitFor } from '@vitals/shared';
import type { Gateway } from '../src/gateway.js';
import { startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';
import { startStandInCloud, type StandInCloud } from './support/stand-in-cloud.js';

const DEVICES = 8;
const SECONDS = 600;
const OUTAGE_SECONDS = 480;

describe('10-minute uplink outage', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  let cloud: StandInCloud;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    dir = tempDir();
    cloud = await startStandInCloud();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw?.close();
    gw = undefined;
    await cloud.close();
    dir.remove();
  });

  it('delivers every reading exactly once, in per-device order, after the uplink returns', async () => {
    await cloud.stop();
    gw = await startTestGateway(dir.path, {
      cloudUrl: cloud.url,
      forwardBatchSize: 500,
      forwardLinger: 50,
      backoffInitial: 50,
      backoffMax: 400,
      breakerThreshold: 3,
      breakerHalfOpenAfter: 300,
      liveWindow: 1000,
    });
    const start = Date.now() - SECONDS * 1000;
    const devices = await Promise.all(
      Array.from({ length: DEVICES }, (_, d) => connectDevice(`mqtt://127.0.0.1:${gw!.ports.mqtt}`, `MON-O${d}`)),
    );
    clients.push(...devices);
    const publishSeconds = (from: number, to: number) =>
      Promise.all(
        devices.map(async (c, d) => {
          for (let s = from; s < to; s += 50) {
            const window = [];
            for (let t = s; t < Math.min(to, s + 50); t++) {
              const metrics = { heart_rate: 60 + (t % 40), spo2: 94 + (t % 5), resp_rate: 14, nibp_sys: 120, temperature: 36.9 };
              window.push(c.publishAsync(`vitals/devices/MON-O${d}/readings`, frame(t, start + t * 1000, metrics), { qos: 1 }));
            }
            await Promise.all(window);
          }
        }),
      );

    await publishSeconds(0, OUTAGE_SECONDS / 2);
    await cloud.start();
    cloud.mode = { kind: 'unavailable', retryAfterSeconds: 0 };
    await publishSeconds(OUTAGE_SECONDS / 2, OUTAGE_SECONDS);
    await waitFor(() => cloud.requests.some((r) => r.status === 503), { timeoutMs: 20_000, what: 'a 503 answer' });
    expect(cloud.accepted).toHaveLength(0);
    expect(gw.store.counts.unsent).toBe(DEVICES * OUTAGE_SECONDS * 5);

    // The backlog is older than the live window when the uplink returns, so it must go out marked historical.
    const newest = gw.store.newestUnsent(1)[0]!.receivedAtMs;
    await waitFor(() => Date.now() - newest > 1100, {
      timeoutMs: 5000,
      intervalMs: 50,
      what: 'backlog older than the live window',
    });
    cloud.mode = { kind: 'ok' }; // the uplink returns while the last two minutes are still coming in
    await publishSeconds(OUTAGE_SECONDS, SECONDS);
    const total = DEVICES * SECONDS * 5;
    await waitFor(() => gw!.store.counts.unsent === 0 && cloud.accepted.length >= total, {
      timeoutMs: 60_000,
      what: 'the backlog to drain',
    });

    expect(cloud.accepted).toHaveLength(total);
    expect(new Set(cloud.accepted.map((r) => r.readingId)).size).toBe(total);
    expect([...cloud.seen.values()].every((n) => n === 1)).toBe(true);
    const byDevice = new Map<string, number[]>();
    for (const r of cloud.accepted) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r.deviceSeq]);
    expect(byDevice.size).toBe(DEVICES);
    for (const [device, seqs] of byDevice) {
      const expected = Array.from({ length: SECONDS }, (_, t) => Array(5).fill(t) as number[]).flat();
      expect([device, seqs]).toEqual([device, expected]);
    }
    const backlog = cloud.accepted.filter((r) => r.deviceSeq < OUTAGE_SECONDS);
    expect(backlog.every((r) => r.historical === true)).toBe(true);
  });
});
