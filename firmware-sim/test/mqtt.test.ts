/**
 * MQTT monitors against the machine's Mosquitto: frames arrive as sent, PUBACKs land in the ledger, a
 * disconnect fault makes the broker publish the last will, lost frames are sent again after reconnecting,
 * retained settings change the sampling interval.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MQTT_TOPICS, waitFor, type DeviceFrame } from '@vitals/shared';
import { createSimulation, frameKey, type DeviceSpec, type Simulation } from '../src/index.js';

const BROKER = 'mqtt://127.0.0.1:1883';

interface Seen {
  readonly topic: string;
  readonly payload: string;
}

async function subscriber(topics: string[]): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = await mqtt.connectAsync(BROKER, {
    clientId: `sim-test-sub-${randomBytes(4).toString('hex')}`,
    reconnectPeriod: 0,
  });
  const seen: Seen[] = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString('utf8') }));
  await client.subscribeAsync(topics, { qos: 1 });
  return { client, seen };
}

describe('MQTT monitors against Mosquitto', () => {
  let prefix: string;
  let sim: Simulation | undefined;
  let sub: { client: MqttClient; seen: Seen[] } | undefined;

  beforeEach(async () => {
    prefix = `simtest-${randomBytes(4).toString('hex')}-`;
    sub = await subscriber([`vitals/devices/+/readings`, `vitals/devices/+/status`]);
  });

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    if (sub) {
      // Clear the retained presence messages this test left on the shared broker.
      for (const topic of new Set(sub.seen.filter((s) => s.topic.startsWith(`vitals/devices/${prefix}`)).map((s) => s.topic))) {
        if (topic.endsWith('/status')) await sub.client.publishAsync(topic, '', { qos: 1, retain: true });
      }
      await sub.client.endAsync();
    }
    sub = undefined;
  });

  const device = (n: number, over: Partial<DeviceSpec> = {}): DeviceSpec => ({
    id: `${prefix}${n}`,
    transport: { kind: 'mqtt', url: BROKER, password: `pw-${n}` },
    artefactRate: 0.05,
    ...over,
  });
  const mine = (topicSuffix: string) =>
    sub!.seen.filter((s) => s.topic.startsWith(`vitals/devices/${prefix}`) && s.topic.endsWith(topicSuffix));

  it('publishes frames at the set rate that a subscriber receives as sent, each acknowledged by PUBACK in the ledger', async () => {
    sim = createSimulation({ devices: [device(1), device(2), device(3)], seed: 'mqtt-1', rate: { perDevice: 20 } });
    await sim.start();
    await sim.waitConnected(10_000);
    await waitFor(() => sim!.ledger.counts().framesAcknowledged >= 60, {
      timeoutMs: 20_000,
      intervalMs: 50,
      what: '60 acknowledged frames',
    });
    sim.fault({ type: 'duplicate' }, `${prefix}1`);
    sim.fault({ type: 'malformed', kind: 'implausible-value' }, `${prefix}2`);
    await sim.stop();

    const ledger = sim.ledger;
    expect(ledger.pending()).toEqual([]);
    const entries = ledger.entries();
    expect(entries.every((e) => e.ack.status === 'acked' && e.ack.code === 'PUBACK')).toBe(true);
    await waitFor(() => mine('/readings').length >= entries.length, {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'every send at the subscriber',
    });

    // Every acknowledged frame arrived with the seq, measuredAt and values the ledger says were sent.
    const received = new Map<string, DeviceFrame[]>();
    for (const s of mine('/readings')) {
      const deviceId = s.topic.split('/')[2]!;
      let frame: DeviceFrame;
      try {
        frame = JSON.parse(s.payload) as DeviceFrame;
      } catch {
        continue;
      }
      const k = frameKey({ deviceId, boot: 0, seq: frame.seq });
      received.set(k, [...(received.get(k) ?? []), frame]);
    }
    for (const e of ledger.acknowledged()) {
      const frames = received.get(frameKey(e));
      expect(frames, frameKey(e)).toBeDefined();
      expect(frames![0]).toEqual({ seq: e.seq, measuredAt: e.measuredAt, metrics: e.metrics });
    }
    // The duplicate arrived twice, identical; the malformed send is recorded as such.
    const dup = entries.find((e) => e.kind === 'duplicate')!;
    expect(received.get(frameKey(dup))).toHaveLength(2);
    expect(ledger.malformed()).toMatchObject([{ deviceId: `${prefix}2`, malformed: 'implausible-value' }]);
    // Presence: online while running, offline (published by the device itself) after a clean stop.
    const status = mine(`${prefix}1/status`).map((s) => s.payload);
    expect(status).toContain('online');
    await waitFor(() => mine(`${prefix}1/status`).at(-1)?.payload === 'offline', {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'offline',
    });
  });

  it('makes the broker publish the last will on a disconnect fault, reconnects, and re-sends frames that lost their PUBACK', async () => {
    sim = createSimulation({ devices: [device(1, { maxInflight: 200 })], seed: 'mqtt-2', schedule: false });
    await sim.start();
    await sim.waitConnected(10_000);
    const id = `${prefix}1`;
    await waitFor(() => mine(`${id}/status`).some((s) => s.payload === 'online'), {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'online',
    });
    // A burst, and the socket cut while PUBACKs are still on their way.
    sim.sample(id, 200);
    sim.fault({ type: 'disconnect', downMs: 300 }, id);
    await waitFor(() => mine(`${id}/status`).some((s) => s.payload === 'offline'), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'the last will',
    });
    await sim.waitConnected(10_000);
    await sim.whenIdle(10_000);
    sim.sample(id, 5);
    await sim.whenIdle(10_000);

    const ledger = sim.ledger;
    const seqs = new Set(ledger.acknowledged().map((e) => e.seq));
    expect(seqs.size).toBe(205); // every frame acknowledged in the end, lost ones through a retransmission
    const lost = ledger.entries((e) => e.ack.status === 'lost');
    expect(lost.length).toBeGreaterThan(0); // cut in the same tick as the burst: no PUBACK can have come back
    for (const l of lost) expect(l.ack.reason).toBe('disconnect fault');
    const retransmits = ledger.entries((e) => e.kind === 'retransmit');
    expect(retransmits.length).toBe(lost.length);
    expect(
      mine(`${id}/status`)
        .map((s) => s.payload)
        .slice(-2),
    ).toEqual(['offline', 'online']);
  });

  it('reboot: last will, then frames from seq 0 of a new boot', async () => {
    sim = createSimulation({ devices: [device(1)], seed: 'mqtt-3', schedule: false });
    await sim.start();
    await sim.waitConnected(10_000);
    const id = `${prefix}1`;
    sim.sample(id, 3);
    await sim.whenIdle(10_000);
    sim.fault({ type: 'reboot' }, id);
    await waitFor(() => mine(`${id}/status`).some((s) => s.payload === 'offline'), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'will',
    });
    await sim.waitConnected(10_000);
    sim.sample(id, 2);
    await sim.whenIdle(10_000);
    expect(sim.ledger.acknowledged().map((e) => [e.boot, e.seq])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
    ]);
    await waitFor(() => mine(`${id}/readings`).length >= 5, { timeoutMs: 5000, intervalMs: 20, what: 'frames' });
    expect(mine(`${id}/readings`).map((s) => (JSON.parse(s.payload) as DeviceFrame).seq)).toEqual([0, 1, 2, 0, 1]);
  });

  it('honours a retained samplingIntervalMs on its settings topic', async () => {
    const id = `${prefix}1`;
    const settingsTopic = MQTT_TOPICS.deviceSettings(id);
    await sub!.client.publishAsync(
      settingsTopic,
      JSON.stringify({ deviceId: id, samplingIntervalMs: 250, alarmsEnabled: true }),
      {
        qos: 1,
        retain: true,
      },
    );
    try {
      sim = createSimulation({ devices: [device(1, { samplingIntervalMs: 5000 })], seed: 'mqtt-4' });
      await sim.start();
      await waitFor(() => sim!.status().devices[0]!.intervalMs === 250, {
        timeoutMs: 10_000,
        intervalMs: 20,
        what: 'interval 250',
      });
      await waitFor(() => sim!.ledger.counts().framesAcknowledged >= 4, { timeoutMs: 10_000, intervalMs: 20, what: 'frames' });
    } finally {
      await sub!.client.publishAsync(settingsTopic, '', { qos: 1, retain: true });
    }
  });
});
