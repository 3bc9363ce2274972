/**
 * Fuzz of the edge gateway's ways in (issue 19), against the gateway as its own process (`vitals edge`):
 * - its MQTT broker at the protocol level: raw TCP connections writing well-formed, mutated and broken MQTT
 *   packets (not only payloads), split across writes;
 * - MLLP over TCP: framed, mutated and unframed HL7, split frames, oversized messages;
 * - MLLP over a serial line (a socat pseudo-terminal pair): the same kinds of messages back to back on one
 *   line, where a broken frame must not cost the next one;
 * - its HTTP view (ward page, files, SSE, alarms, status, config).
 * Each sends at least 10,000 inputs; after every burst a valid frame on the same way in is acknowledged and
 * committed to the SQLite buffer (or, for the view, answered), and the process still runs.
 */
import type Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { decodeAck, encodeOru, MllpDeframer, mllpFrame, METRIC_CODES, waitFor } from '@vitals/shared';
import {
  createTally,
  fuzzInputs,
  mutateBytes,
  mutateJson,
  rssOf,
  runPool,
  tcpExchange,
  type Rng,
} from '@vitals/stack/testing/fuzz';
import { fuzzHttp, type Operation } from '@vitals/stack/testing/http-fuzz';
import { mqttSession } from '@vitals/stack/testing/mqtt-wire';
import { startChildGateway, type ChildGateway } from '../test/support/child-gateway.js';
import { openBuffer, tempDir } from '../test/support/gateway.js';
import { connectDevice, frame } from '../test/support/mqtt-device.js';
import { ptyPair, type PtyPair } from '../test/support/socat.js';
import { startStandInCloud, type StandInCloud } from '../test/support/stand-in-cloud.js';

const INPUTS = fuzzInputs(10_000);
const BURST = 1000;

let dir: ReturnType<typeof tempDir>;
let cloud: StandInCloud;
let gw: ChildGateway;
let alive = true;
let buffer: Database.Database;
let pty: PtyPair;

beforeAll(async () => {
  dir = tempDir('edge-fuzz-');
  pty = await ptyPair(dir.path);
  cloud = await startStandInCloud();
  gw = await startChildGateway({
    EDGE_DATA_DIR: dir.path,
    EDGE_BIND_HOST: '127.0.0.1',
    EDGE_HTTP_PORT: '0',
    EDGE_MQTT_PORT: '0',
    EDGE_MLLP_PORT: '0',
    EDGE_SERIAL_PORTS: `${pty.gatewayEnd}@115200`,
    EDGE_SERIAL_RECONNECT: '100ms',
    EDGE_BUFFER_MAX_BYTES: '256MiB',
    EDGE_DISK_RESERVE: '0',
    CLOUD_URL: cloud.url,
    EDGE_COMMIT_LINGER: '2ms',
  });
  void gw.exited.then(() => {
    alive = false;
  });
  buffer = openBuffer(dir.path);
});
afterAll(async () => {
  buffer?.close();
  await gw?.stop();
  await cloud?.close();
  await pty?.close();
  dir?.remove();
});

function stored(deviceId: string, deviceSeq: number): number {
  const row = buffer
    .prepare(
      'SELECT count(*) AS n FROM readings r JOIN devices d ON d.ref = r.device_ref WHERE d.device_id = ? AND r.device_seq = ?',
    )
    .get(deviceId, deviceSeq) as { n: number };
  return row.n;
}

async function bursts(
  count: number,
  run: (i: number) => Promise<void>,
  after: () => Promise<{ ok: boolean; detail?: string }>,
  t: ReturnType<typeof createTally>,
) {
  for (let start = 0; start < count; start += BURST) {
    const n = Math.min(BURST, count - start);
    await runPool(n, 16, (k) => run(start + k));
    if (!alive) {
      t.crash(`gateway exited during the burst ending at #${start + n - 1}`);
      t.validAfter(false, 'gateway gone');
      return;
    }
    const v = await after();
    t.validAfter(v.ok, `after #${start + n - 1}: ${v.detail ?? ''}`);
  }
}

function expectClean(summary: ReturnType<ReturnType<typeof createTally>['finish']>) {
  expect(summary.crashSamples).toEqual([]);
  expect(summary.crashes).toBe(0);
  expect(summary.inputs).toBe(INPUTS);
  expect(summary.validAfter).toBe(true);
  expect(alive).toBe(true);
}

// ---- MQTT at the protocol level --------------------------------------------------------------------------

const MQTT_TOPICS = [
  'vitals/devices/FUZZ-1/readings',
  'vitals/devices/FUZZ-2/readings',
  'vitals/devices/FUZZ-1/presence',
  'vitals/devices/FUZZ-1/settings',
  'vitals/other',
];

function readingPayload(rng: Rng): Buffer {
  const valid = {
    seq: rng.int(0, 1e6),
    measuredAt: new Date(Date.now() - rng.int(0, 60_000)).toISOString(),
    metrics: { heart_rate: rng.int(30, 200), spo2: rng.int(80, 100) },
  };
  return rng.weighted<() => Buffer>([
    [3, () => Buffer.from(JSON.stringify(valid))],
    [4, () => Buffer.from(JSON.stringify(mutateJson(rng, valid)))],
    [2, () => mutateBytes(rng, Buffer.from(JSON.stringify(valid)))],
    [1, () => Buffer.from(JSON.stringify(Array.from({ length: rng.int(0, 300) }, () => valid)))],
    [1, () => rng.bytes(rng.int(0, 1024))],
    [1, () => Buffer.alloc(rng.pick([70_000, 300_000, 2_000_000]), 0x20)],
  ])();
}

function mqttOutcome(x: { received: Buffer; closed: boolean; error?: string }): string {
  const first = x.received[0];
  const reply = first === undefined ? 'nothing' : first >> 4 === 2 ? `connack-${x.received[3] ?? '?'}` : `packet-${first >> 4}`;
  return `${reply}/${x.error ?? (x.closed ? 'closed' : 'open')}`;
}

let probeSeq = 0;
async function mqttProbe(): Promise<{ ok: boolean; detail?: string }> {
  let client: MqttClient | undefined;
  try {
    client = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'MON-PROBE-MQTT');
    const seq = ++probeSeq;
    await client.publishAsync('vitals/devices/MON-PROBE-MQTT/readings', frame(seq, Date.now() - 1000, { heart_rate: 70 }), {
      qos: 1,
    });
    const n = stored('MON-PROBE-MQTT', seq);
    return n === 1 ? { ok: true } : { ok: false, detail: `PUBACK but ${n} readings in the buffer` };
  } catch (err) {
    return { ok: false, detail: String(err) };
  } finally {
    await client?.endAsync(true).catch(() => undefined);
  }
}

// ---- HL7 messages for MLLP (TCP and serial) --------------------------------------------------------------

function oru(rng: Rng, controlId: string): string {
  return encodeOru({
    deviceId: rng.pick(['MON-H1', 'MON-H2', 'x'.repeat(80), '', 'MON|^~']),
    controlId,
    messageTimeMs: Date.now() - rng.int(0, 60_000),
    observations: Array.from({ length: rng.int(0, 6) }, () => ({
      metric: rng.pick(METRIC_CODES),
      value: rng.pick([72, 0, -1, 1e9, null, 36.6]),
      observedAtMs: Date.now() - rng.int(0, 60_000),
    })),
  });
}

/** One generated input: framed, mutated, unframed, oversized or never-ending. */
function hl7Message(rng: Rng, o: { controlId?: string; endless?: readonly number[] } = {}): Buffer {
  const msg = () => oru(rng, o.controlId ?? String(rng.int(0, 1e6)));
  return rng.weighted<() => Buffer>([
    [3, () => mllpFrame(msg())],
    [4, () => mllpFrame(mutateBytes(rng, Buffer.from(msg())))],
    [2, () => mutateBytes(rng, mllpFrame(msg()))],
    [1, () => Buffer.from(msg())], // no framing at all
    [1, () => mllpFrame(rng.bytes(rng.int(0, 2048)))],
    [1, () => rng.bytes(rng.int(1, 1024))],
    [1, () => Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(rng.pick(o.endless ?? [100_000, 2_000_000]), 0x41)])], // never ends
    [1, () => Buffer.from([0x0b, 0x1c, 0x0d, 0x0b, 0x0b, 0x1c, 0x1c, 0x0d])],
    [1, () => mllpFrame(msg().replace(/\r/g, rng.pick(['\n', '\r\n', ''])))],
  ])();
}

describe('edge gateway fuzz', () => {
  it(`MQTT broker: ${INPUTS} raw TCP sessions of valid, mutated and broken packets`, async () => {
    const t = createTally('edge-mqtt-broker');
    await bursts(
      INPUTS,
      async (i) => {
        const rng = t.rng.fork(`#${i}`);
        const bytes = mqttSession(rng, { topics: MQTT_TOPICS, payloads: () => readingPayload(rng) });
        const x = await tcpExchange(gw.ports.mqtt, bytes, { waitMs: 100, chunks: rng.pick([1, 1, 2, 7]) });
        t.outcome(mqttOutcome(x));
        if (!alive) t.crash(`#${i}: gateway exited (${bytes.length} bytes, starting ${bytes.subarray(0, 16).toString('hex')})`);
      },
      mqttProbe,
      t,
    );
    expectClean(t.finish({ rssMiB: { gateway: rssOf(gw.pid) } }));
  });

  // ---- MLLP over TCP -------------------------------------------------------------------------------------

  it(`MLLP over TCP: ${INPUTS} connections of framed, mutated and unframed HL7`, async () => {
    const t = createTally('edge-mllp-tcp');
    await bursts(
      INPUTS,
      async (i) => {
        const rng = t.rng.fork(`#${i}`);
        const bytes = Buffer.concat(Array.from({ length: rng.int(1, 3) }, () => hl7Message(rng)));
        const x = await tcpExchange(gw.ports.mllp, bytes, {
          waitMs: 150,
          chunks: rng.pick([1, 1, 3, 11]),
          until: (r) => r.includes(0x1c),
        });
        const ack = ackCode(x.received);
        t.outcome(`${ack}/${x.error ?? (x.closed ? 'closed' : 'open')}`);
        if (!alive) t.crash(`#${i}: gateway exited (${bytes.length} bytes, starting ${bytes.subarray(0, 32).toString('hex')})`);
      },
      mllpProbe,
      t,
    );
    expectClean(t.finish({ rssMiB: { gateway: rssOf(gw.pid) } }));
  });

  // ---- MLLP over a serial line ----------------------------------------------------------------------------

  it(`MLLP over serial: ${INPUTS} framed, mutated and unframed HL7 messages back to back on one line`, async () => {
    const t = createTally('edge-mllp-serial');
    await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${gw.ports.http}/api/status`);
        const status = (await res.json()) as { listeners?: { serial?: { state: string }[] } };
        return status.listeners?.serial?.[0]?.state === 'open';
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'the gateway to open its serial port' },
    );
    const line = new SerialPort({ path: pty.deviceEnd, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => line.open((err) => (err ? reject(err) : resolve())));
    // Every answer on the line, by the control id it acknowledges (each input carries its own).
    const answers = new Map<string, string>();
    const deframer = new MllpDeframer();
    let receivedBytes = 0;
    let unreadable = 0;
    line.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      for (const e of deframer.push(chunk)) {
        if (e.kind !== 'message') continue;
        try {
          const ack = decodeAck(e.payload.toString('utf8'));
          answers.set(ack.controlId, ack.code);
        } catch {
          unreadable++;
        }
      }
    });
    const write = (bytes: Buffer) =>
      new Promise<void>((resolve, reject) => line.write(bytes, (err) => (err ? reject(err) : resolve())));
    // The line is quiet once no answer has come for a while (the gateway answers each frame after its commit).
    const quiet = async () => {
      let seen = -1;
      await waitFor(
        () => {
          const settled = seen === receivedBytes;
          seen = receivedBytes;
          return settled;
        },
        { timeoutMs: 60_000, intervalMs: 300, what: 'the serial line to go quiet' },
      );
    };
    let probes = 0;
    const probe = async (): Promise<{ ok: boolean; detail?: string }> => {
      const id = `PROBE-${++probes}`;
      const now = Date.now();
      await write(
        mllpFrame(
          encodeOru({
            deviceId: 'MON-PROBE-SERIAL',
            controlId: id,
            messageTimeMs: now - 1000,
            observations: [{ metric: 'heart_rate', value: 71, observedAtMs: now - 1000 }],
          }),
        ),
      );
      try {
        await waitFor(() => answers.has(id), { timeoutMs: 10_000, intervalMs: 20, what: `the answer to ${id}` });
      } catch (err) {
        return { ok: false, detail: String(err) };
      }
      if (answers.get(id) !== 'AA') return { ok: false, detail: `answered ${answers.get(id)}` };
      // Each probe has its own control id, so each commits one new reading of the probe device.
      const n = (
        buffer
          .prepare(
            "SELECT count(*) AS n FROM readings r JOIN devices d ON d.ref = r.device_ref WHERE d.device_id = 'MON-PROBE-SERIAL'",
          )
          .get() as { n: number }
      ).n;
      return n === probes ? { ok: true } : { ok: false, detail: `AA but ${n} readings for ${probes} probes` };
    };
    try {
      for (let start = 0; start < INPUTS; start += BURST) {
        const ids: string[] = [];
        for (let i = start; i < Math.min(start + BURST, INPUTS); i++) {
          const id = `S${i}`;
          ids.push(id);
          // Never-ending frames stay small enough for a serial line; the next input's start byte ends them.
          await write(hl7Message(t.rng.fork(`#${i}`), { controlId: id, endless: [20_000, 300_000] }));
        }
        await quiet();
        for (const id of ids) t.outcome(answers.get(id) ?? 'no-answer');
        if (!alive) {
          t.crash(`gateway exited during the burst ending at #${start + ids.length - 1}`);
          t.validAfter(false, 'gateway gone');
          break;
        }
        const v = await probe();
        t.validAfter(v.ok, `after #${start + ids.length - 1}: ${v.detail ?? ''}`);
      }
    } finally {
      await new Promise<void>((resolve) => line.close(() => resolve()));
    }
    expectClean(t.finish({ rssMiB: { gateway: rssOf(gw.pid) }, note: `${unreadable} unreadable answers` }));
  });

  // ---- HTTP view -----------------------------------------------------------------------------------------

  it(`HTTP view: ${INPUTS} generated requests to every route`, async () => {
    const t = createTally('edge-http-view');
    const op = (method: string, path: string, pathParams: string[] = [], bodySchema?: Record<string, unknown>): Operation => ({
      method,
      path,
      pathParams,
      query: [],
      bodySchema,
    });
    const operations = [
      op('GET', '/'),
      op('GET', '/ward/{file}', ['file']),
      op('GET', '/api/ward'),
      op('GET', '/api/alarms'),
      op('POST', '/api/alarms/{id}/ack', ['id'], {
        type: 'object',
        properties: { by: { type: 'string', minLength: 1, maxLength: 64 } },
      }),
      op('GET', '/api/config'),
      op('GET', '/api/status'),
      op('GET', '/healthz'),
      op('GET', '/metrics'),
    ];
    await fuzzHttp({
      tally: t,
      target: async () => ({
        url: `http://127.0.0.1:${gw.ports.http}`,
        operations,
        tokens: ['nurse'],
        hints: {
          file: ['app.js', 'app.css', '..%2fbuffer.db', '..%2f..%2fetc%2fpasswd', 'index.html', '.'],
          id: ['1', 'alarm-1', '0'],
        },
      }),
      count: INPUTS,
      burst: BURST,
      concurrency: 8,
      alive: () => alive,
      validAfter: async () => {
        const res = await fetch(`http://127.0.0.1:${gw.ports.http}/api/ward`);
        const snapshot = (await res.json()) as Record<string, unknown>;
        const mqtt = await mqttProbe(); // and what the view shows still comes in
        return res.status === 200 && typeof snapshot === 'object' && mqtt.ok
          ? { ok: true }
          : { ok: false, detail: `/api/ward ${res.status}, mqtt ${mqtt.detail ?? 'ok'}` };
      },
    });
    expectClean(t.finish({ rssMiB: { gateway: rssOf(gw.pid) } }));
  });
});

function ackCode(received: Buffer): string {
  if (received.length === 0) return 'nothing';
  const events = new MllpDeframer().push(received);
  const msg = events.find((e) => e.kind === 'message');
  if (!msg || msg.kind !== 'message') return 'unframed-reply';
  try {
    return decodeAck(msg.payload.toString('utf8')).code;
  } catch {
    return 'bad-ack';
  }
}

let mllpSeq = 500_000_000;
async function mllpProbe(): Promise<{ ok: boolean; detail?: string }> {
  const seq = ++mllpSeq;
  const now = Date.now();
  const bytes = mllpFrame(
    encodeOru({
      deviceId: 'MON-PROBE-HL7',
      controlId: String(seq),
      messageTimeMs: now - 1000,
      observations: [{ metric: 'heart_rate', value: 71, observedAtMs: now - 1000 }],
    }),
  );
  const x = await tcpExchange(gw.ports.mllp, bytes, { waitMs: 5000, until: (r) => r.includes(0x1c) });
  const code = ackCode(x.received);
  if (code !== 'AA') return { ok: false, detail: `answered ${code}` };
  const n = stored('MON-PROBE-HL7', seq);
  return n === 1 ? { ok: true } : { ok: false, detail: `AA but ${n} readings in the buffer` };
}
