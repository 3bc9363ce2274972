/**
 * Analytics benchmark: readings/s of one analytics instance (one Node thread) with the default window queries
 * (patient 1m, 5m, hopping 5m/1m, department 5m), exactly once into PostgreSQL, from a pre-filled input topic;
 * beside it, in the same run, a plain consume-and-insert of the same records (kafkajs consumer, one multi-row
 * INSERT per fetched batch into a table of readings: the raw limit of the parts underneath). Then p50/p99 latency
 * from a reading's produce to its `changes` update on the WebSocket, at a steady rate. Then the same with the
 * Flink engine: the job (docker/analytics/queries.sql) on the stack's Flink cluster over the same input, its
 * rows applied by an analytics instance with STREAM_ENGINE=flink, and its WebSocket latency.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { waitFor, type MetricCode } from '@vitals/shared';
import { ensureFlinkCluster, testStackConfig, uniqueSuffix } from '@vitals/stack/testing';
import { flinkAnalyticsJobName } from '../cloud/src/analytics/server.js';
import { jobManagerClient } from '../cloud/src/flink/index.js';
import {
  StreamClient,
  analyticsEnv,
  createAnalyticsDb,
  createTopic,
  deleteGroups,
  deleteTopics,
  produce,
  reading,
  seedTenant,
  startInstance,
  token,
  topicsOf,
  type Tenant,
} from '../cloud/test/support/analytics-world.js';
import { percentile, type Benchmark } from './harness.js';

const N = 60_000;
const PATIENTS = 200;
const PARTITIONS = 6;
const METRICS: MetricCode[] = ['heart_rate', 'spo2', 'resp_rate', 'temperature'];

const RATE = 500;
const SECONDS = 10;
const jm = jobManagerClient(testStackConfig().flinkRestUrl);

/**
 * p50/p99 latency at a steady RATE from a reading's produce to its `changes` update of patient-1m on the
 * WebSocket of the analytics instance at `url`, after a 2 s warm-up.
 */
async function changesLatency(url: string, tenant: Tenant, producer: Producer, topic: string): Promise<number[]> {
  const client = await StreamClient.connect(url, {
    token: await token({ role: 'customer-admin', customer: tenant.customerId }),
  });
  await client.next((m) => m.type === 'ready');
  client.send({ type: 'subscribe', id: 'ward', query: 'patient-1m', departmentId: tenant.departmentId });
  await client.next((m) => m.type === 'header');
  const pending = new Map<string, Array<{ sentAt: number; n: number }>>();
  let total = 0;
  let measuring = false;
  const produced = new Map<string, number>();
  const latencies: number[] = [];
  client.ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; row?: unknown[] };
    if (m.type !== 'row' || !m.row) return;
    const now = Date.now();
    const [groupId, metric, windowStart, , count] = m.row as [string, string, string, string, number];
    const key = `${groupId}|${metric}|${Date.parse(windowStart)}`;
    const list = pending.get(key);
    while (list && list.length > 0 && list[0]!.n <= count) {
      const x = list.shift()!;
      if (measuring) latencies.push(now - x.sentAt);
    }
  });
  let sent = 0;
  // Warm-up: the first live reading of a partition moves its watermark past the whole backlog and closes every
  // backlog window in one commit (about a second for ~14k rows); the figures are about the steady state after.
  for (let tick = 0; tick < (SECONDS + 2) * 10; tick++) {
    if (tick === 20) {
      await waitFor(() => [...pending.values()].every((l) => l.length === 0), {
        timeoutMs: 60_000,
        intervalMs: 20,
        what: 'the warm-up',
      });
      measuring = true;
      sent = 0;
    }
    const started = Date.now();
    const batch = [];
    for (let i = 0; i < RATE / 10; i++, sent++) {
      const patientId = tenant.patients[total++ % PATIENTS]!;
      const at = Date.now() - 500;
      const r = reading(tenant, { at, value: 70, metric: 'heart_rate', patientId });
      const key = `${patientId}|heart_rate|${Math.floor(at / 60_000) * 60_000}`;
      const n = (produced.get(key) ?? 0) + 1;
      produced.set(key, n);
      let list = pending.get(key);
      if (!list) pending.set(key, (list = []));
      list.push({ sentAt: Date.now(), n });
      batch.push({ value: r });
    }
    await produce(producer, topic, batch);
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
  }
  await waitFor(() => latencies.length >= sent * 0.99, { timeoutMs: 60_000, intervalMs: 50, what: 'latency samples' });
  await client.close();
  return latencies;
}

const bench: Benchmark = async () => {
  const kafka = new Kafka({ clientId: 'bench-analytics', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const db = await createAnalyticsDb();
  const tenant = await seedTenant(db.pool, { patients: PATIENTS });
  const topic = await createTopic(kafka, PARTITIONS, 'bench-analytics');
  const producer = kafka.producer();
  await producer.connect();
  try {
    // Pre-fill: every patient measures each metric about once every 4 s, over the last hour or so.
    const t0 = Date.now() - 2 * 3_600_000;
    const items = [];
    for (let i = 0; i < N; i++) {
      const patientId = tenant.patients[i % PATIENTS]!;
      const metric = METRICS[Math.floor(i / PATIENTS) % METRICS.length]!;
      const value = metric === 'temperature' ? 36.5 + (i % 20) / 10 : 60 + (i % 40);
      items.push({ value: reading(tenant, { at: t0 + Math.floor(i / PATIENTS) * 1_000, value, metric, patientId }) });
    }
    await produce(producer, topic, items);

    // Raw limit: consume every record and INSERT it (one multi-row statement per fetched batch).
    await db.pool.query(
      'CREATE TABLE bench_plain (reading_id uuid PRIMARY KEY, patient_id uuid, metric text, value float8, measured_at timestamptz)',
    );
    const plain = kafka.consumer({ groupId: `bench-plain-${uniqueSuffix()}`, maxWaitTimeInMs: 100 });
    await plain.connect();
    await plain.subscribe({ topic, fromBeginning: true });
    let inserted = 0;
    const p0 = Date.now();
    await plain.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch }) => {
        const rows = batch.messages.map((m) => JSON.parse(m.value!.toString()) as ReturnType<typeof reading>);
        await db.pool.query(
          `INSERT INTO bench_plain SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::timestamptz[])
           ON CONFLICT DO NOTHING`,
          [
            rows.map((r) => r.reading.readingId),
            rows.map((r) => r.patientId),
            rows.map((r) => r.reading.metric),
            rows.map((r) => r.reading.value),
            rows.map((r) => r.reading.measuredAt),
          ],
        );
        inserted += rows.length;
      },
    });
    await waitFor(() => inserted >= N, { timeoutMs: 600_000, intervalMs: 50, what: 'the plain consume-and-insert to finish' });
    const plainSeconds = (Date.now() - p0) / 1000;
    await plain.disconnect();

    // One analytics instance from the beginning of the same topic.
    const group = `bench-analytics-${uniqueSuffix()}`;
    const s0 = Date.now();
    const analytics = await startInstance(analyticsEnv(db, topic, group, { ANALYTICS_IDLE_TIMEOUT: '1h', PG_POOL_MAX: '10' }));
    await waitFor(
      () => {
        const ps = analytics.deps.status().partitions;
        return ps.length === PARTITIONS && ps.every((p) => p.ready);
      },
      { timeoutMs: 60_000, intervalMs: 10, what: 'analytics to open its partitions' },
    );
    const a0 = Date.now();
    const startSeconds = (a0 - s0) / 1000;
    const committed = async () =>
      Number(
        (
          await db.pool.query<{ n: string }>(
            'SELECT coalesce(sum(next_offset), 0) AS n FROM stream_offsets WHERE consumer_group = $1',
            [group],
          )
        ).rows[0]!.n,
      );
    await waitFor(async () => (await committed()) >= N, {
      timeoutMs: 600_000,
      intervalMs: 100,
      what: 'analytics to commit the input',
    });
    const analyticsSeconds = (Date.now() - a0) / 1000;
    const rowCount = Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM window_aggregates')).rows[0]!.n);

    const latencies = await changesLatency(analytics.url, tenant, producer, topic);
    await analytics.close();

    // The same input (the N pre-filled readings and the latency run's) through the Flink job, owned by an
    // analytics instance with STREAM_ENGINE=flink that applies the job's rows to the same database (emptied).
    await ensureFlinkCluster();
    await db.pool.query('TRUNCATE window_aggregates');
    const flinkGroup = `bench-analytics-flink-${uniqueSuffix()}`;
    const results = `${topic}-results`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: results, numPartitions: PARTITIONS }] });
    const ends = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    const jobGroup = flinkAnalyticsJobName({ groupId: flinkGroup });
    const jobCommitted = async () =>
      (await admin.fetchOffsets({ groupId: jobGroup, topics: [topic] }))[0]!.partitions.reduce(
        (n, p) => n + Math.max(0, Number(p.offset)),
        0,
      );
    const submitted = Date.now();
    const flink = await startInstance(
      analyticsEnv(db, topic, flinkGroup, { STREAM_ENGINE: 'flink', ANALYTICS_RESULTS_TOPIC: results, PG_POOL_MAX: '10' }),
    );
    let flinkSeconds: number;
    let submitSeconds: number;
    let flinkLatencies: number[];
    let flinkRows: number;
    let checkpoints = '';
    try {
      await jm.waitForState(flink.job!.jobId, ['RUNNING'], 180_000);
      const f0 = Date.now();
      submitSeconds = (f0 - submitted) / 1000;
      // The job's source commits its offsets to the group at each checkpoint, with the rows it produced.
      await waitFor(async () => (await jobCommitted()) >= ends, {
        timeoutMs: 900_000,
        intervalMs: 200,
        what: 'the Flink job to commit the input',
      });
      flinkSeconds = (Date.now() - f0) / 1000;
      flinkRows = Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM window_aggregates')).rows[0]!.n);
      const c = await jm.checkpoints(flink.job!.jobId);
      checkpoints = `${c.completed} checkpoints in the catch-up, the latest took ${c.latest?.durationMs ?? '?'} ms (${Math.round((c.latest?.sizeBytes ?? 0) / 1024)} KiB)`;
      // A tenant of its own: its windows hold only the latency run's readings.
      flinkLatencies = await changesLatency(flink.url, await seedTenant(db.pool, { patients: PATIENTS }), producer, topic);
    } finally {
      await flink.close();
      await admin.deleteTopics({ topics: [results] }).catch(() => undefined);
      await admin.disconnect();
    }

    const plainRate = N / plainSeconds;
    const analyticsRate = N / analyticsSeconds;
    return {
      component: 'analytics',
      figures: [
        {
          name: 'enriched-readings -> window rows in PostgreSQL, exactly once, default queries, 1 instance',
          value: analyticsRate,
          unit: 'readings/s',
          baseline: { name: 'kafkajs consume + multi-row INSERT of each reading', value: plainRate },
          detail: `${N} readings, ${PARTITIONS} partitions, ${PATIENTS} patients x ${METRICS.length} metrics, ${rowCount} window rows`,
        },
        {
          name: 'produce -> changes row on the WebSocket, p50',
          value: percentile(latencies, 50),
          unit: 'ms',
          detail: `${RATE}/s for ${SECONDS} s`,
        },
        { name: 'produce -> changes row on the WebSocket, p99', value: percentile(latencies, 99), unit: 'ms' },
        {
          name: 'Flink job: enriched-readings -> window rows in PostgreSQL, exactly once, default queries',
          value: ends / flinkSeconds,
          unit: 'readings/s',
          baseline: { name: 'kafkajs consume + multi-row INSERT of each reading', value: plainRate },
          detail: `${ends} readings (the pre-fill and the latency run's), ${PARTITIONS} partitions, ${flinkRows} window rows, submitted and RUNNING in ${submitSeconds.toFixed(1)} s; ${checkpoints}`,
        },
        {
          name: 'Flink job: produce -> changes row on the WebSocket, p50',
          value: percentile(flinkLatencies, 50),
          unit: 'ms',
          detail: `${RATE}/s for ${SECONDS} s; output committed at each checkpoint (FLINK_CHECKPOINT_INTERVAL)`,
        },
        { name: 'Flink job: produce -> changes row on the WebSocket, p99', value: percentile(flinkLatencies, 99), unit: 'ms' },
      ],
      notes: [
        `throughput measured from the moment every partition was open (start-up and group join took ${startSeconds.toFixed(1)} s before)`,
        'each reading updates 8 windows (1m, 5m, five hopping 5m/1m, department 5m); rows are merged once per window per commit',
        'ANALYTICS_FETCH_WAIT (100 ms) bounds the latency from below under light load',
        'latency after a 2 s warm-up: the first live reading after the backlog closes every backlog window of its partition in one commit',
        'Flink: one TaskManager (4 slots, parallelism 2) on the same 2 cores as Kafka, PostgreSQL and this process; its throughput is measured to the checkpoint that committed the last input offset (5 s interval)',
      ],
    };
  } finally {
    await producer.disconnect();
    await deleteTopics(kafka, topicsOf(topic));
    await deleteGroups(kafka, ['bench-plain-', 'bench-analytics-']);
    await db.drop();
  }
};

export default bench;
