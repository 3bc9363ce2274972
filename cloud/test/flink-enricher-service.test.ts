/**
 * `vitals cloud enricher` with STREAM_ENGINE=flink on the stack's Flink cluster: the service submits the
 * enricher job, reports it (/readyz, /api/status, /metrics), stops it with a savepoint, and on the next start
 * resumes it from that savepoint, so readings sent while it was down are enriched and none twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import type { AlertEvent, EnrichedReading, Reading } from '@vitals/shared';
import { consumeUntil, createTopic, ensureFlinkCluster, testStackConfig, uniqueSuffix } from '@vitals/stack/testing';
import { jobManagerClient } from '../src/flink/index.js';
import { loadEnricherConfig } from '../src/enricher/config.js';
import { flinkEnricherJobName, startFlinkEnricher, type RunningFlinkEnricher } from '../src/enricher/flink-service.js';
import {
  createHospital,
  createInputTopic,
  deleteTopics,
  produce,
  reading,
  testKafka,
  type Hospital,
} from './support/enricher-world.js';

const kafka = testKafka();
const sfx = uniqueSuffix();
const enrichedTopic = `flink-svc-enriched-${sfx}`;
const dlqTopic = `flink-svc-dlq-${sfx}`;
const alarmInputsTopic = `flink-svc-alarm-inputs-${sfx}`;
const alertsTopic = `flink-svc-alerts-${sfx}`;
let hospital: Hospital;
let producer: Producer;
let input: string;
let running: RunningFlinkEnricher | undefined;
let restUrl: string;

beforeAll(async () => {
  ({ restUrl } = await ensureFlinkCluster());
  hospital = await createHospital();
  input = await createInputTopic(kafka, 2);
  for (const topic of [enrichedTopic, dlqTopic, alarmInputsTopic, alertsTopic])
    await createTopic(testStackConfig().kafkaBrokers, topic, 2);
  producer = kafka.producer();
  await producer.connect();
}, 240_000);

afterAll(async () => {
  await running?.close().catch(() => undefined);
  await producer?.disconnect();
  await hospital?.close();
  for (const t of [input, enrichedTopic, dlqTopic, alarmInputsTopic, alertsTopic, `flink-svc-${sfx}`])
    await deleteTopics(kafka, t);
});

const config = () =>
  loadEnricherConfig(process.env, { port: 0, groupId: `flink-svc-${sfx}`, inputTopic: input, streamEngine: 'flink' });
const start = () =>
  startFlinkEnricher(config(), {
    log: pino({ level: 'warn' }),
    topics: { enrichedTopic, dlqTopic, alarmInputsTopic, alertsTopic },
  });

async function get(path: string): Promise<{ status: number; body: string }> {
  const r = await running!.app.inject({ method: 'GET', url: path });
  return { status: r.statusCode, body: r.body };
}

function parse<T>(records: readonly { value: string | null }[]): T[] {
  return records.map((r) => JSON.parse(r.value ?? 'null') as T);
}

describe('the enricher on the Flink engine', () => {
  it('submits its job, stops it with a savepoint and resumes from it: every reading enriched once, an alarm across the restart ended once', async () => {
    const device = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
    const sent: Reading[] = [];
    // Heart rate 130 (above the catalog's medium band) in the first batch's last reading raises an alarm; the
    // second batch, sent while the service is down, is back to 72 and clears it after the restart.
    const send = async (n: number, lastValue = 72) => {
      const rs = Array.from({ length: n }, (_, i) =>
        reading(device, Date.now() - 1_000 + i, { deviceSeq: sent.length + i, value: i === n - 1 ? lastValue : 72 }),
      );
      sent.push(...rs);
      await produce(
        producer,
        input,
        rs.map((r) => ({ key: r.deviceId, value: r })),
      );
    };
    const enriched = async (count: number) =>
      (await consumeUntil([enrichedTopic], (rs) => rs.length >= count, { timeoutMs: 90_000 })).map(
        (r) => JSON.parse(r.value ?? 'null') as EnrichedReading,
      );

    running = await start();
    const first = running.job.jobId;
    expect((await get('/readyz')).status).toBe(200);
    const status = JSON.parse((await get('/api/status')).body) as { engine: string; job: { state: string; started: string } };
    expect(status).toMatchObject({ engine: 'flink', job: { state: 'RUNNING', started: 'fresh' } });
    expect((await get('/metrics')).body).toMatch(/^enricher_flink_job_running\{[^}]*\} 1$/m);

    await send(5, 130);
    expect(await enriched(5)).toHaveLength(5);
    const alerts = async (done: (as: AlertEvent[]) => boolean) =>
      parse<AlertEvent>(await consumeUntil([alertsTopic], (rs) => done(parse<AlertEvent>(rs)), { timeoutMs: 60_000 }));
    const [raised] = await alerts((as) => as.length >= 1);
    expect(raised).toMatchObject({ kind: 'raise', priority: 'medium', deviceId: device, value: 130 });

    await running.close();
    running = undefined;
    const jm = jobManagerClient(restUrl);
    expect((await jm.job(first)).state).toBe('FINISHED');
    await send(5);

    running = await start();
    expect(running.job.jobId).not.toBe(first);
    const resumed = running.job.lastStatus;
    expect(resumed.started).toBe('resumed');
    expect(resumed.recoveredFrom).toMatch(/savepoint/);
    expect((await jm.jobs()).filter((j) => j.name === flinkEnricherJobName(config()) && j.state === 'RUNNING')).toHaveLength(1);

    // A last reading, measured after all the others on the same partition, is emitted after them: once it is
    // out, a duplicate of any earlier one would be out too (an eleventh record before it).
    await enriched(10);
    await send(1);
    const all = await enriched(11);
    expect(all).toHaveLength(11);
    expect(all.map((e) => e.reading.readingId).sort()).toEqual(sent.map((r) => r.readingId).sort());
    expect(all.every((e) => e.bedLabel === 'A' && e.customerId === hospital.customerId)).toBe(true);
    // The alarm stage resumed with its state: the same episode ends, once.
    const episode = await alerts((as) => as.some((a) => a.kind === 'clear'));
    expect(episode.map((a) => [a.kind, a.alertId])).toEqual([
      ['raise', raised!.alertId],
      ['clear', raised!.alertId],
    ]);
  }, 240_000);
});
