/**
 * The forwarder against a real HTTP server standing in for the cloud: batches with gzip and the bearer token,
 * per-reading outcomes (accepted/duplicate forwarded, rejected dead-lettered), and a cloud that refuses
 * connections, answers 503 with Retry-After, answers too slowly, refuses a batch whole, then recovers — after
 * which every reading has arrived exactly once by reading id, in per-device order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { systemClock, waitFor, type Clock, type Reading } from '@vitals/shared';
import type { Gateway } from '../src/gateway.js';
import { openBuffer, startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';
import { startStandInCloud, type StandInCloud } from './support/stand-in-cloud.js';

function readingIdsInBuffer(dataDir: string): { all: string[]; deadLetters: string[] } {
  const db = openBuffer(dataDir);
  const hex = (b: Buffer) => b.toString('hex');
  const all = (db.prepare('SELECT reading_id FROM readings').pluck().all() as Buffer[]).map(hex);
  const deadLetters = (db.prepare('SELECT reading_id FROM dead_letters').pluck().all() as string[]).map((s) =>
    s.replaceAll('-', ''),
  );
  db.close();
  return { all, deadLetters };
}

/** Each device's deviceSeqs in the order the cloud first accepted them. */
function perDevice(readings: readonly Reading[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of readings) out.set(r.deviceId, [...(out.get(r.deviceId) ?? []), r.deviceSeq]);
  return out;
}

const isSorted = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x);

describe('forwarder', () => {
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

  const publishFrames = async (deviceIds: string[], frames: number, startSeq = 0, metrics = { heart_rate: 72, spo2: 97 }) => {
    const now = Date.now();
    for (const id of deviceIds) {
      const c = await connectDevice(`mqtt://127.0.0.1:${gw!.ports.mqtt}`, id);
      clients.push(c);
      await Promise.all(
        Array.from({ length: frames }, (_, i) =>
          c.publishAsync(`vitals/devices/${id}/readings`, frame(startSeq + i, now - 60_000 + i, metrics), { qos: 1 }),
        ),
      );
    }
  };

  it('sends gzip batches with the bearer token; accepted and duplicate are forwarded, rejected ones dead-lettered', async () => {
    gw = await startTestGateway(dir.path, {
      cloudUrl: cloud.url,
      gatewayToken: 'tok-123',
      forwardBatchSize: 40,
      forwardLinger: 20,
    });
    cloud.reject = (r) => (r.deviceSeq % 10 === 3 && r.metric === 'spo2' ? 'NO_ASSIGNMENT_AT_MEASURED_TIME' : undefined);
    await publishFrames(['MON-F1', 'MON-F2'], 50);
    await waitFor(() => gw!.store.counts.unsent === 0, { timeoutMs: 20_000, what: 'everything forwarded' });
    expect(cloud.requests.every((r) => r.gzip && r.authorization === 'Bearer tok-123')).toBe(true);
    expect(Math.max(...cloud.requests.map((r) => r.count))).toBeLessThanOrEqual(40);
    expect(cloud.accepted).toHaveLength(200 - 10);
    const { deadLetters } = readingIdsInBuffer(dir.path);
    expect(deadLetters).toHaveLength(10);
    const db = openBuffer(dir.path);
    expect(db.prepare('SELECT DISTINCT reason FROM dead_letters').pluck().all()).toEqual(['NO_ASSIGNMENT_AT_MEASURED_TIME']);
    db.close();
    expect(cloud.accepted.every((r) => r.gatewayId === 'edge-local' && r.unit !== '' && r.historical === false)).toBe(true);
    const status = await gw.status();
    expect(status.uplink.forwarded).toEqual({ accepted: 190 });
    expect(status.uplink.deadLettered).toBe(10);
    expect(status.buffer).toMatchObject({ unsent: 0, readings: 190, deadLetterRows: 10 });
  });

  it('rides out refused connections, 503 with Retry-After, slow answers and a refused batch; then every reading arrives once, in per-device order', async () => {
    await cloud.stop(); // connections refused
    gw = await startTestGateway(dir.path, {
      cloudUrl: cloud.url,
      forwardBatchSize: 25,
      forwardLinger: 10,
      forwardTimeout: 300,
      backoffInitial: 20,
      backoffMax: 200,
      breakerThreshold: 3,
      breakerHalfOpenAfter: 200,
      liveWindow: 500,
    });
    await publishFrames(['MON-R1', 'MON-R2', 'MON-R3'], 40);
    await waitFor(async () => (await gw!.status()).uplink.state === 'open', { timeoutMs: 20_000, what: 'breaker open' });
    expect((await gw.status()).uplink.lastError).toMatch(/circuit open|unreachable/);

    await cloud.start();
    cloud.mode = { kind: 'unavailable', retryAfterSeconds: 1 };
    await waitFor(() => cloud.requests.filter((r) => r.status === 503).length >= 2, { timeoutMs: 20_000, what: 'two 503s' });
    const [first503, next] = cloud.requests.filter((r) => r.status === 503);
    // Retry-After: 1 is a floor for the next attempt (a lower bound cannot be met early by a slow machine).
    expect(next!.at - first503!.at).toBeGreaterThanOrEqual(950);

    cloud.mode = { kind: 'slow', delayMs: 800 }; // longer than the 300 ms timeout: processed, but the answer is lost
    await waitFor(() => cloud.accepted.length > 0, { timeoutMs: 20_000, what: 'a slow batch processed' });
    // One reading of MON-R2 makes its batch malformed in the cloud's eyes.
    cloud.badBatch = (rs) => rs.some((r) => r.deviceId === 'MON-R2' && r.deviceSeq === 7 && r.metric === 'spo2');
    cloud.mode = { kind: 'ok' };
    await waitFor(() => gw!.store.counts.unsent === 0, { timeoutMs: 30_000, what: 'backlog drained' });

    const ids = cloud.accepted.map((r) => r.readingId);
    expect(new Set(ids).size).toBe(ids.length);
    const { all, deadLetters } = readingIdsInBuffer(dir.path);
    expect(deadLetters).toHaveLength(1);
    expect(new Set(ids.map((i) => i.replaceAll('-', '')))).toEqual(new Set(all));
    expect(ids.length + deadLetters.length).toBe(3 * 40 * 2);
    expect([...cloud.seen.values()].some((n) => n > 1)).toBe(true); // the lost answers were retried
    for (const [device, seqs] of perDevice(cloud.accepted)) expect([device, isSorted(seqs)]).toEqual([device, true]);
    expect(cloud.accepted.every((r) => r.historical === true)).toBe(true);
    const metrics = (await (await fetch(`http://127.0.0.1:${gw.ports.http}/metrics`)).text()).split('\n');
    expect(metrics).toContain('edge_uplink_state{state="idle"} 1');
    expect(metrics.some((l) => /edge_uplink_requests_total\{result="EDGE_ERR_UPLINK_CIRCUIT_OPEN"\} [1-9]/.test(l))).toBe(true);
    expect(metrics.some((l) => /edge_uplink_requests_total\{result="EDGE_ERR_UPLINK_TIMEOUT"\} [1-9]/.test(l))).toBe(true);
    expect(metrics.some((l) => /edge_dead_lettered_total\{reason="MALFORMED"\} 1/.test(l))).toBe(true);
  });

  it('in live-first order sends recent readings before the backlog after an outage', async () => {
    await cloud.stop();
    // The gateway's clock jumps two minutes between the backlog and the new readings, so the backlog is past
    // the live window and the new readings stay inside it for a full minute of real time, however slow the
    // machine (waiting out a short window in real time made this depend on the scheduler).
    let shiftMs = 0;
    const clock: Clock = { ...systemClock, now: () => Date.now() + shiftMs };
    gw = await startTestGateway(
      dir.path,
      {
        cloudUrl: cloud.url,
        forwardOrder: 'live-first',
        forwardBatchSize: 20,
        forwardLinger: 10,
        backoffInitial: 20,
        backoffMax: 100,
        breakerHalfOpenAfter: 100,
        liveWindow: 60_000,
      },
      { clock },
    );
    await publishFrames(['MON-L1'], 100, 0, { heart_rate: 70, spo2: 98 });
    await waitFor(() => gw!.store.counts.unsent === 200, { timeoutMs: 10_000, what: 'backlog committed' });
    shiftMs = 120_000;
    await publishFrames(['MON-L2'], 5, 0, { heart_rate: 80, spo2: 96 });
    await waitFor(() => gw!.store.counts.unsent === 210, { timeoutMs: 10_000, what: 'new readings committed' });
    await cloud.start();
    await waitFor(() => gw!.store.counts.unsent === 0, { timeoutMs: 20_000, what: 'drained' });
    const firstL2 = cloud.accepted.findIndex((r) => r.deviceId === 'MON-L2');
    expect(firstL2).toBeLessThan(40); // within the first two batches, ahead of most of the 200-reading backlog
    expect(cloud.accepted.filter((r) => r.deviceId === 'MON-L2').every((r) => r.historical === false)).toBe(true);
    expect(cloud.accepted.filter((r) => r.deviceId === 'MON-L1').every((r) => r.historical === true)).toBe(true);
  });
});
