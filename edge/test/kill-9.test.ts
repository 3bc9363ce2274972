/**
 * kill -9 of the gateway process in the middle of a stream (MQTT from three monitors, HL7 over MLLP TCP from a
 * fourth, the uplink forwarding meanwhile): every frame that got a PUBACK or an AA is in the buffer after the
 * kill, and after a restart everything reaches the stand-in cloud exactly once by reading id (and once per
 * device, seq and metric: frames that were committed but not yet acknowledged at the kill are resent by the
 * monitors and recognised as duplicates).
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { decodeAck, encodeOru, MllpDeframer, mllpFrame, waitFor } from '@vitals/shared';
import { startChildGateway, type ChildGateway } from './support/child-gateway.js';
import { openBuffer, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';
import { startStandInCloud, type StandInCloud } from './support/stand-in-cloud.js';

const MQTT_DEVICES = 3;
const MQTT_FRAMES = 400;
const HL7_MESSAGES = 150;

/** A networked monitor sending HL7 with a few messages in flight, resending the unacknowledged after a reconnect. */
class Hl7Monitor {
  readonly acked = new Set<number>();
  private readonly pending = new Map<number, Buffer>();
  private socket: net.Socket | undefined;
  private next = 0;

  constructor(
    private readonly deviceId: string,
    private readonly t0: number,
  ) {}

  async connect(port: number): Promise<void> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => undefined);
    const deframer = new MllpDeframer();
    socket.on('data', (chunk: Buffer) => {
      for (const ev of deframer.push(chunk)) {
        if (ev.kind !== 'message') continue;
        const ack = decodeAck(ev.payload.toString('utf8'));
        if (ack.code === 'AA') {
          this.acked.add(Number(ack.controlId));
          this.pending.delete(Number(ack.controlId));
          this.pump();
        }
      }
    });
    this.socket = socket;
    for (const message of this.pending.values()) socket.write(message); // resend what was never acknowledged
    this.pump();
  }

  private pump(): void {
    while (this.socket && !this.socket.destroyed && this.pending.size < 5 && this.next < HL7_MESSAGES) {
      const n = this.next++;
      const at = this.t0 + n * 1000;
      const message = mllpFrame(
        encodeOru({
          deviceId: this.deviceId,
          controlId: String(n),
          messageTimeMs: at,
          observations: [
            { metric: 'heart_rate', value: 60 + (n % 30), observedAtMs: at },
            { metric: 'resp_rate', value: 15, observedAtMs: at },
          ],
        }),
      );
      this.pending.set(n, message);
      this.socket.write(message);
    }
  }

  close(): void {
    this.socket?.destroy();
  }
}

describe('graceful shutdown', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: ChildGateway | undefined;
  let client: MqttClient | undefined;

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await client?.endAsync(true);
    await gw?.stop();
    dir.remove();
  });

  it('on SIGTERM commits the frames waiting for their group commit, acknowledges them, and exits 0', async () => {
    gw = await startChildGateway({
      EDGE_DATA_DIR: dir.path,
      EDGE_BIND_HOST: '127.0.0.1',
      EDGE_HTTP_PORT: '0',
      EDGE_MQTT_PORT: '0',
      EDGE_MLLP_PORT: 'off',
      EDGE_BUFFER_MAX_BYTES: '64MiB',
      EDGE_DISK_RESERVE: '0',
      EDGE_COMMIT_LINGER: '60s', // frames wait in the committer until the shutdown flushes them
    });
    client = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'MON-G1', { reconnectPeriod: 0 });
    const now = Date.now();
    const acks = Array.from({ length: 10 }, (_, seq) =>
      client!.publishAsync('vitals/devices/MON-G1/readings', frame(seq, now - 10_000 + seq, { heart_rate: 70 }), { qos: 1 }),
    );
    const statusUrl = `http://127.0.0.1:${gw.ports.http}/api/status`;
    await waitFor(
      async () => ((await (await fetch(statusUrl)).json()) as { ingest: { pendingFrames: number } }).ingest.pendingFrames === 10,
      {
        timeoutMs: 10_000,
        what: 'ten frames waiting for their commit',
      },
    );
    const exit = gw.stop();
    await Promise.all(acks);
    expect(await gw.exited).toBe(0);
    await exit;
    gw = undefined;
    const db = openBuffer(dir.path);
    expect(db.prepare('SELECT COUNT(*) FROM readings').pluck().get()).toBe(10);
    db.close();
  });
});

describe('kill -9 mid-stream', () => {
  let dir: ReturnType<typeof tempDir>;
  let cloud: StandInCloud;
  let gw: ChildGateway | undefined;
  const clients: MqttClient[] = [];
  let hl7: Hl7Monitor | undefined;

  beforeEach(async () => {
    dir = tempDir();
    cloud = await startStandInCloud();
  });
  afterEach(async () => {
    hl7?.close();
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw?.stop();
    gw = undefined;
    await cloud.close();
    dir.remove();
  });

  it('loses nothing acknowledged and delivers everything exactly once after a restart', async () => {
    const env = {
      EDGE_DATA_DIR: dir.path,
      EDGE_BIND_HOST: '127.0.0.1',
      EDGE_HTTP_PORT: '0',
      EDGE_MQTT_PORT: '0',
      EDGE_MLLP_PORT: '0',
      EDGE_BUFFER_MAX_BYTES: '256MiB',
      EDGE_DISK_RESERVE: '0',
      CLOUD_URL: cloud.url,
      EDGE_FORWARD_BATCH_SIZE: '100',
      EDGE_FORWARD_LINGER: '20ms',
      EDGE_BACKOFF_INITIAL: '50ms',
      EDGE_BACKOFF_MAX: '500ms',
    };
    gw = await startChildGateway(env);
    const ports = gw.ports;
    const t0 = Date.now() - 3_600_000;

    const ackedMqtt = new Set<string>();
    const publishing = Array.from({ length: MQTT_DEVICES }, async (_, d) => {
      const id = `MON-K${d}`;
      const c = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, id, { reconnectPeriod: 100 });
      c.on('error', () => undefined); // reconnect attempts while the gateway is dead
      clients.push(c);
      const inFlight = new Set<Promise<void>>();
      for (let seq = 0; seq < MQTT_FRAMES; seq++) {
        const p: Promise<void> = c
          .publishAsync(`vitals/devices/${id}/readings`, frame(seq, t0 + seq * 1000, { heart_rate: 70, spo2: 97 }), { qos: 1 })
          .then(() => {
            ackedMqtt.add(`${id}:${seq}`);
            inFlight.delete(p);
          });
        inFlight.add(p);
        if (inFlight.size >= 20) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    });
    hl7 = new Hl7Monitor('MON-K9', t0);
    await hl7.connect(ports.mllp);

    await waitFor(() => ackedMqtt.size >= 300 && hl7!.acked.size >= 30 && cloud.accepted.length > 0, {
      timeoutMs: 30_000,
      intervalMs: 5,
      what: 'the stream to be under way',
    });
    await gw.kill9();
    const ackedBeforeKill = { mqtt: [...ackedMqtt], hl7: [...hl7.acked] };
    expect(ackedBeforeKill.mqtt.length).toBeLessThan(MQTT_DEVICES * MQTT_FRAMES);

    // Every acknowledged frame is in the buffer the dead process left behind.
    const db = openBuffer(dir.path);
    const stored = new Set(
      (
        db
          .prepare(
            'SELECT d.device_id AS d, r.device_seq AS s FROM readings r JOIN devices d ON d.ref = r.device_ref GROUP BY 1, 2 HAVING COUNT(*) = 2',
          )
          .all() as Array<{ d: string; s: number }>
      ).map((r) => `${r.d}:${r.s}`),
    );
    db.close();
    expect(ackedBeforeKill.mqtt.filter((k) => !stored.has(k))).toEqual([]);
    expect(ackedBeforeKill.hl7.filter((n) => !stored.has(`MON-K9:${n}`))).toEqual([]);

    // Restart on the same data folder and ports; the monitors reconnect and resend what was not acknowledged.
    gw = await startChildGateway({ ...env, EDGE_MQTT_PORT: String(ports.mqtt), EDGE_MLLP_PORT: String(ports.mllp) });
    await hl7.connect(ports.mllp);
    await Promise.all(publishing);
    await waitFor(() => hl7!.acked.size === HL7_MESSAGES, { timeoutMs: 30_000, what: 'all HL7 messages acknowledged' });
    const total = (MQTT_DEVICES * MQTT_FRAMES + HL7_MESSAGES) * 2;
    const statusUrl = `http://127.0.0.1:${gw.ports.http}/api/status`;
    await waitFor(
      async () =>
        cloud.accepted.length >= total &&
        ((await (await fetch(statusUrl)).json()) as { buffer: { unsent: number } }).buffer.unsent === 0,
      { timeoutMs: 60_000, what: 'everything forwarded' },
    );

    expect(cloud.accepted).toHaveLength(total);
    expect(new Set(cloud.accepted.map((r) => r.readingId)).size).toBe(total);
    const keys = cloud.accepted.map((r) => `${r.deviceId}:${r.deviceSeq}:${r.metric}`);
    expect(new Set(keys).size).toBe(total);
    for (const k of ackedBeforeKill.mqtt) expect(keys).toContain(`${k}:heart_rate`);
    for (const n of ackedBeforeKill.hl7) expect(keys).toContain(`MON-K9:${n}:heart_rate`);
  });
});
