/**
 * The Flink analytics job survives `kill -9` of the TaskManager mid-stream: readings keep arriving, the
 * TaskManager is started again, the job restores from its latest checkpoint, and every acknowledged reading is
 * counted once in its final window rows in PostgreSQL (read_committed window-results applied exactly once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Producer } from 'kafkajs';
import { waitFor, type EnrichedReading } from '@vitals/shared';
import { ensureFlinkCluster, killFlinkProcess, testStackConfig, uniqueSuffix } from '@vitals/stack/testing';
import type { RunningAnalytics } from '../src/analytics/server.js';
import { jobManagerClient } from '../src/flink/index.js';
import { describeJobProgress } from './support/flink-progress.js';
import {
  analyticsEnv,
  createAnalyticsDb,
  createTopic,
  deleteTopics,
  produce,
  reading,
  startInstance,
  testKafka,
  topicsOf,
  type Db,
  type Tenant,
} from './support/analytics-world.js';

const kafka = testKafka();
const jm = jobManagerClient(testStackConfig().flinkRestUrl);
const sfx = uniqueSuffix();
const tenant: Tenant = {
  customerId: randomUUID(),
  departmentId: randomUUID(),
  patients: [randomUUID(), randomUUID(), randomUUID(), randomUUID()],
};
let topic: string;
let results: string;
let db: Db & { drop(): Promise<void> };
let svc: RunningAnalytics | undefined;
let producer: Producer;

beforeAll(async () => {
  await ensureFlinkCluster();
  topic = await createTopic(kafka, 2, 'flink-akill-in');
  results = `${topic}-results`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: results, numPartitions: 2 }] });
  await admin.disconnect();
  db = await createAnalyticsDb();
  producer = kafka.producer();
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await producer?.disconnect();
  await db?.drop();
  await deleteTopics(kafka, [...topicsOf(topic), results]);
}, 120_000);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The broker's open transactions (Kafka's own tool, from the stack's jars): for the failure report. */
function openTransactions(): string {
  try {
    const args = ['-cp', '.stack/jars/kafka/*', 'org.apache.kafka.tools.TransactionsCommand'];
    return execFileSync('java', [...args, '--bootstrap-server', testStackConfig().kafkaBrokers[0]!, 'list'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
  } catch (err) {
    return `transactions not listed: ${String(err)}`;
  }
}

describe('the Flink analytics job and a TaskManager crash', () => {
  it('counts every acknowledged reading once after kill -9 of the TaskManager', async () => {
    const group = `flink-akill-${sfx}`;
    svc = await startInstance(analyticsEnv(db, topic, group, { STREAM_ENGINE: 'flink', ANALYTICS_RESULTS_TOPIC: results }));
    const jobId = svc.job!.jobId;
    await jm.waitForState(jobId, ['RUNNING'], 120_000);
    // Four patients on two partitions, a heart rate each per 100 ms; only what Kafka acknowledged counts as sent.
    let sent = 0;
    const perPatient = new Map<string, number>();
    const send = async () => {
      const now = Date.now();
      const rs: Array<{ value: EnrichedReading; partition: number }> = tenant.patients.map((p, i) => ({
        value: reading(tenant, { at: now, value: 70 + i, patientId: p, metric: 'heart_rate' }),
        partition: i % 2,
      }));
      await produce(producer, topic, rs);
      sent += rs.length;
      for (const p of tenant.patients) perPatient.set(p, (perPatient.get(p) ?? 0) + 1);
    };
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        await send();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    // Mid-stream: after a checkpoint, and once window rows have reached PostgreSQL.
    await waitFor(async () => ((await jm.checkpoints(jobId)).completed >= 1 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'first checkpoint',
    });
    await waitFor(
      async () => Number((await db.pool.query('SELECT count(*) AS n FROM window_aggregates')).rows[0].n) > 0 || undefined,
      { timeoutMs: 60_000, what: 'window rows' },
    );
    await killFlinkProcess('taskmanager');
    await ensureFlinkCluster();
    await jm.waitForState(jobId, ['RUNNING'], 120_000);
    await waitFor(async () => ((await jm.checkpoints(jobId)).restoredFrom ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the job to report the checkpoint it restored from',
    });
    // Keep streaming for a while after the restore.
    const at = sent;
    await waitFor(() => (sent >= at + 400 ? true : undefined), { timeoutMs: 60_000, what: 'more after restore' });
    streaming = false;
    await stream;
    // Far ahead on both partitions: the watermark passes every window of the stream, so all are final.
    const far = Date.now() + 3_600_000;
    await produce(
      producer,
      topic,
      [0, 1].map((partition) => ({
        value: reading(tenant, { at: far, value: 50, patientId: tenant.patients[partition]!, metric: 'heart_rate' }),
        partition,
      })),
    );
    const counted = async () =>
      new Map(
        (
          await db.pool.query<{ g: string; n: string }>(
            `SELECT group_id::text AS g, sum(count)::text AS n FROM window_aggregates
              WHERE query_id = 'patient-1m' AND metric = 'heart_rate' AND is_final AND window_end < $1 GROUP BY 1`,
            [new Date(far - 120_000)],
          )
        ).rows.map((r) => [r.g, Number(r.n)]),
      );
    try {
      await waitFor(
        async () => {
          const c = await counted();
          return tenant.patients.every((p) => c.get(p) === perPatient.get(p)) || undefined;
        },
        { timeoutMs: 120_000, intervalMs: 2_000, what: 'every reading counted' },
      );
    } catch (e) {
      // What to look at when it fails: per patient counted against sent, the broker's open transactions (one
      // left open on a partition of window-results would hold back the read_committed reader), and the job.
      const report = [
        `counted ${JSON.stringify([...(await counted())])}`,
        `sent ${JSON.stringify([...perPatient])}`,
        openTransactions(),
        await describeJobProgress(testStackConfig().flinkRestUrl, jobId),
      ];
      throw new Error(`${(e as Error).message}\n${report.join('\n')}`);
    }
    const c = await counted();
    for (const p of tenant.patients) expect([p, c.get(p)]).toEqual([p, perPatient.get(p)]);
    expect(sent).toBeGreaterThan(400);
  }, 400_000);
});
