/**
 * Cloud storage benchmark: readings/s through `POST /v1/readings:batch` (batches of 500 from several concurrent
 * gateway clients, each batch acknowledged only after the PostgreSQL commit and the Kafka acknowledgement), with
 * p50/p99 batch latency, beside the raw limits underneath measured in the same run with the same rows:
 *  - plain COPY into the same `readings` table (pg-copy-streams), 500 rows per COPY (one commit per batch, like
 *    ingest), from as many connections as there are clients;
 *  - a plain kafkajs producer sending the same messages (acks=-1) in sends of 500, as many concurrent sends.
 * The service runs as its own process (`vitals cloud storage`), as in production; a temporary database and topics.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { newReadingId, waitFor, type Reading } from '@vitals/shared';
import { createTempDatabase, createTopic, testStackConfig, uniqueSuffix } from '@vitals/stack/testing';
import { insertApiKey } from '../cloud/src/storage/reference/api-keys.js';
import { percentile, type Benchmark, type Figure } from './harness.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLIENTS = 8;
const BATCH = 500;
const BATCHES = 240;
const WARMUP_BATCHES = 8;
const DEVICES = 64;
const PARTITIONS = 6;

const METRICS = [
  ['heart_rate', 72, '/min'],
  ['spo2', 97, '%'],
  ['resp_rate', 16, '/min'],
  ['nibp_sys', 121, 'mm[Hg]'],
  ['temperature', 36.8, 'Cel'],
] as const;

interface World {
  readonly url: string;
  readonly customerId: string;
  readonly gatewayTokens: string[];
  readonly devices: string[];
}

function makeBatches(devices: readonly string[], count: number, gatewayId: (i: number) => string): Reading[][] {
  const t0 = Date.now() - 3_600_000;
  let n = 0;
  return Array.from({ length: count }, (_, b) =>
    Array.from({ length: BATCH }, () => {
      const i = n++;
      const [metric, value, unit] = METRICS[i % METRICS.length]!;
      const at = new Date(t0 + i).toISOString();
      return {
        readingId: newReadingId(),
        deviceId: devices[i % devices.length]!,
        deviceSeq: i,
        metric,
        value,
        unit,
        measuredAt: at,
        receivedAt: at,
        gatewayId: gatewayId(b),
      };
    }),
  );
}

/** Runs `work` over `items` from `concurrency` loops; returns the wall time and each item's latency (ms). */
async function drive<T>(items: readonly T[], concurrency: number, work: (item: T, loop: number) => Promise<void>) {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        const t = performance.now();
        await work(items[i]!, loop);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies };
}

export async function api(
  url: string,
  token: string,
  method: string,
  p: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function setUp(url: string, admin: string): Promise<World> {
  const sfx = uniqueSuffix();
  const customer = await api(url, admin, 'POST', '/v1/customers', { name: 'Bench hospital', slug: `bench-${sfx}` });
  const customerId = customer.id as string;
  const dept = await api(url, admin, 'POST', '/v1/departments', { customerId, code: 'ICU', name: 'ICU' });
  const devices: string[] = [];
  for (let i = 0; i < DEVICES; i++) {
    devices.push((await api(url, admin, 'POST', '/v1/devices', { customerId, id: `BENCH-${sfx}-${i}` })).id as string);
  }
  const gatewayTokens: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const gw = await api(url, admin, 'POST', '/v1/gateways', {
      customerId,
      id: `gw-bench-${sfx}-${i}`,
      departmentId: dept.id,
      name: `gw ${i}`,
    });
    gatewayTokens.push(gw.token as string);
  }
  return { url, customerId, gatewayTokens, devices };
}

export function startService(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(REPO, 'docker', 'bin', 'vitals.mjs'), 'cloud', 'storage', '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`storage exited: ${stderr}`);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      return m ? { url: m[1]!, stop } : undefined;
    },
    { timeoutMs: 60_000, what: 'the storage service to listen' },
  ).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
}

const COLUMNS =
  'reading_id, customer_id, gateway_id, device_id, device_seq, metric, value, unit, measured_at, received_at, historical';

function copyText(customerId: string, batch: readonly Reading[]): string {
  return batch
    .map(
      (r) =>
        `${newReadingId()}\t${customerId}\t${r.gatewayId ?? '\\N'}\t${r.deviceId}\t${r.deviceSeq}\t${r.metric}\t${r.value}\t${r.unit}\t${r.measuredAt}\t${r.receivedAt}\tf\n`,
    )
    .join('');
}

const storage: Benchmark = async () => {
  const stack = testStackConfig();
  const db = await createTempDatabase({ migrate: true });
  const cleanups: Array<() => Promise<unknown>> = [() => db.drop()];
  try {
    const topic = `bench-storage-${uniqueSuffix()}`;
    const rawTopic = `bench-raw-${uniqueSuffix()}`;
    cleanups.push(await createTopic(stack.kafkaBrokers, topic, PARTITIONS));
    cleanups.push(await createTopic(stack.kafkaBrokers, rawTopic, PARTITIONS));
    const pool = new pg.Pool({ connectionString: db.url, max: CLIENTS });
    cleanups.push(() => pool.end());
    const { token: admin } = await insertApiKey(pool, {
      role: 'platform-admin',
      customerId: null,
      gatewayId: null,
      name: 'bench',
      expiresAt: null,
      createdBy: 'bench',
    });
    const service = await startService({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      STORAGE_HOST: '127.0.0.1',
      STORAGE_READINGS_TOPIC: topic,
      LOG_LEVEL: 'warn',
      PG_POOL_MAX: String(CLIENTS),
      STORAGE_RATE_LIMIT_MAX: '1000000',
    });
    cleanups.push(() => service.stop());
    const world = await setUp(service.url, admin);
    const gatewayIdOf = (loop: number) => `gw-${loop}`;
    const batches = makeBatches(world.devices, WARMUP_BATCHES + BATCHES, gatewayIdOf);
    const bodies = batches.map((b) => JSON.stringify({ readings: b.map(({ gatewayId: _g, ...r }) => r) }));

    // 1. Through the service.
    const post = async (body: string, loop: number) => {
      const res = await fetch(`${world.url}/v1/readings:batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.gatewayTokens[loop]}`, 'content-type': 'application/json' },
        body,
      });
      const answer = (await res.json()) as { accepted?: number };
      if (res.status !== 200 || answer.accepted !== BATCH)
        throw new Error(`ingest answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    };
    await drive(bodies.slice(0, WARMUP_BATCHES), CLIENTS, post);
    const ours = await drive(bodies.slice(WARMUP_BATCHES), CLIENTS, post);
    const oursRate = (BATCHES * BATCH) / ours.seconds;

    // 2. Plain COPY of the same rows (new ids), 500 rows per COPY, CLIENTS connections.
    const measured = batches.slice(WARMUP_BATCHES);
    const copy = await drive(measured, CLIENTS, async (batch) => {
      const client = await pool.connect();
      try {
        await pipeline(
          Readable.from([copyText(world.customerId, batch)]),
          client.query(copyFrom(`COPY readings (${COLUMNS}) FROM STDIN`)),
        );
      } finally {
        client.release();
      }
    });
    const copyRate = (BATCHES * BATCH) / copy.seconds;

    // 3. A plain kafkajs producer, the same messages, acks=-1, CLIENTS concurrent sends of 500.
    const kafka = new Kafka({ clientId: 'bench-raw', brokers: [...stack.kafkaBrokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const messages = measured.map((b) =>
      b.map((r) => ({ key: r.deviceId, value: JSON.stringify(r), headers: { 'customer-id': world.customerId } })),
    );
    await producer.send({ topic: rawTopic, acks: -1, messages: messages[0]!.slice(0, 10) });
    const kafkaRun = await drive(messages, CLIENTS, async (m) => {
      await producer.send({ topic: rawTopic, acks: -1, messages: m });
    });
    const kafkaRate = (BATCHES * BATCH) / kafkaRun.seconds;

    const slower =
      copyRate <= kafkaRate ? { name: 'plain COPY', value: copyRate } : { name: 'plain kafkajs producer', value: kafkaRate };
    const detail = `${CLIENTS} clients, ${BATCH} readings/batch, ${BATCHES} batches, ${DEVICES} devices, ${PARTITIONS} partitions`;
    const figures: Figure[] = [
      { name: 'POST /v1/readings:batch, PG commit + Kafka ack', value: oursRate, unit: 'readings/s', baseline: slower, detail },
      { name: 'plain COPY into readings, 500 rows/COPY', value: copyRate, unit: 'readings/s', detail: `${CLIENTS} connections` },
      {
        name: 'plain kafkajs producer, acks=-1, 500/send',
        value: kafkaRate,
        unit: 'readings/s',
        detail: `${CLIENTS} concurrent sends`,
      },
      {
        name: 'batch latency p50',
        value: percentile(ours.latencies, 50),
        unit: 'ms',
        baseline: { name: 'COPY of 500 p50', value: percentile(copy.latencies, 50) },
      },
      {
        name: 'batch latency p99',
        value: percentile(ours.latencies, 99),
        unit: 'ms',
        baseline: { name: 'COPY of 500 p99', value: percentile(copy.latencies, 99) },
      },
    ];
    return {
      component: 'cloud storage',
      figures,
      notes: [
        `ingest reaches ${((oursRate / slower.value) * 100).toFixed(0)}% of the slower raw limit (${slower.name}); the raw limits each do one half of the work, ingest does both plus HTTP, JSON, validation and the device check`,
        'one machine, 2 cores shared by PostgreSQL, Kafka, Kafka Connect, the service and the load generator',
      ],
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
};

export default storage;
