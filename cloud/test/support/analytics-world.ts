/**
 * The analytics service against the real stack, for integration tests and the benchmark: a migrated temporary
 * database (cloned cheaply from a template for a second run), a small tenant in it (customer, department,
 * patients), private Kafka topics, enriched readings to produce, in-process instances, a real `ws` client, and
 * reads of the window table.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import pino from 'pino';
import WebSocket from 'ws';
import { systemClock, waitFor, type EnrichedReading, type MetricCode } from '@vitals/shared';
import {
  createTempDatabase,
  testStackConfig,
  uniqueSuffix,
  withClient,
  dbTarget,
  type TempDatabase,
} from '@vitals/stack/testing';
import { signJwt } from '../../src/auth/jwt.js';
import type { Role } from '../../src/auth/roles.js';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../../src/analytics/config.js';
import { enriched } from '../../src/analytics/engine/test-fixtures.js';
import { startAnalytics, type RunningAnalytics } from '../../src/analytics/server.js';

export const JWT_SECRET = 'analytics-integration-secret-0123456789';

export interface Db {
  readonly url: string;
  readonly name: string;
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

function dbOf(temp: { url: string; name: string; drop(): Promise<void> }): Db {
  const pool = new pg.Pool({ connectionString: temp.url, max: 3 });
  return {
    url: temp.url,
    name: temp.name,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await temp.drop();
    },
  };
}

/** A migrated temporary database (Flyway, about 10 s). */
export async function createAnalyticsDb(): Promise<Db & { template: TempDatabase }> {
  const temp = await createTempDatabase({ migrate: true });
  return { ...dbOf(temp), template: temp };
}

/** A copy of a database (schema and rows) in about a second: `CREATE DATABASE ... TEMPLATE`; nobody may be connected to the source. */
export async function cloneDb(source: Db): Promise<Db> {
  const admin = dbTarget(testStackConfig().databaseUrl).adminUrl;
  const name = `vitals_test_${uniqueSuffix()}`;
  await withClient(admin, (c) =>
    c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(source.name)}`),
  );
  const u = new URL(source.url);
  u.pathname = `/${name}`;
  const url = u.toString();
  return dbOf({
    url,
    name,
    drop: () =>
      withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)).then(
        () => undefined,
      ),
  });
}

export interface Tenant {
  readonly customerId: string;
  readonly departmentId: string;
  readonly patients: readonly string[];
}

/** A customer with one department and `patients` patients, rows in `db` (ids may be given, e.g. to mirror another database). */
export async function seedTenant(db: pg.Pool | pg.Client, o: { patients?: number; ids?: Partial<Tenant> } = {}): Promise<Tenant> {
  const sfx = uniqueSuffix();
  const customerId = o.ids?.customerId ?? randomUUID();
  const departmentId = o.ids?.departmentId ?? randomUUID();
  await db.query('INSERT INTO customers (id, name, slug) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
    customerId,
    `Analytics ${sfx}`,
    `an-${sfx}`,
  ]);
  await db.query('INSERT INTO departments (id, customer_id, code, name) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [
    departmentId,
    customerId,
    `W${sfx}`,
    'Ward',
  ]);
  const patients = o.ids?.patients ? [...o.ids.patients] : Array.from({ length: o.patients ?? 2 }, () => randomUUID());
  for (const [i, id] of patients.entries()) {
    await db.query('INSERT INTO patients (id, customer_id, mrn) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
      id,
      customerId,
      `MRN-${sfx}-${i}`,
    ]);
  }
  return { customerId, departmentId, patients };
}

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'analytics-test', brokers: [...testStackConfig().kafkaBrokers], logLevel: logLevel.NOTHING });
}

/** A private input topic, with its late (`<topic>-late`) and dead-letter (`<topic>-dlq`) topics beside it. */
export async function createTopic(kafka: Kafka, partitions: number, prefix = 'analytics-in-test'): Promise<string> {
  const topic = `${prefix}-${uniqueSuffix()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions, replicationFactor: 1 },
        { topic: `${topic}-late`, numPartitions: 1, replicationFactor: 1 },
        { topic: `${topic}-dlq`, numPartitions: 1, replicationFactor: 1 },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export const topicsOf = (topic: string) => [topic, `${topic}-late`, `${topic}-dlq`];

export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const gone = topics.filter((t) => existing.has(t));
    if (gone.length) await admin.deleteTopics({ topics: gone }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

export interface Spec {
  readonly at: number;
  readonly value: number;
  readonly patientId: string;
  readonly metric?: MetricCode;
  readonly partition?: number;
}

/** An enriched reading of the tenant. */
export function reading(t: Tenant, s: Spec): EnrichedReading {
  return enriched({
    at: s.at,
    value: s.value,
    metric: s.metric,
    patientId: s.patientId,
    departmentId: t.departmentId,
    customerId: t.customerId,
  });
}

/** Produces enriched readings (plain, acks=all), keyed by patient id, to a chosen partition when given. */
export async function produce(
  producer: Producer,
  topic: string,
  items: ReadonlyArray<{ value: EnrichedReading; partition?: number }>,
): Promise<void> {
  for (let i = 0; i < items.length; i += 500) {
    await producer.send({
      topic,
      acks: -1,
      messages: items
        .slice(i, i + 500)
        .map((x) => ({ key: x.value.patientId, value: JSON.stringify(x.value), partition: x.partition })),
    });
  }
}

/** Environment of an analytics instance for a test: its database, topic and group; no HTTP port of its own. */
export function analyticsEnv(db: Db, topic: string, group: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    ANALYTICS_INPUT_TOPIC: topic,
    ANALYTICS_GROUP_ID: group,
    ANALYTICS_LATE_TOPIC: `${topic}-late`,
    ANALYTICS_DLQ_TOPIC: `${topic}-dlq`,
    ANALYTICS_PORT: '0',
    ANALYTICS_HOST: '127.0.0.1',
    ANALYTICS_SESSION_TIMEOUT: '6s',
    ANALYTICS_TICK_INTERVAL: '250ms',
    CLOUD_JWT_SECRET: JWT_SECRET,
    PG_POOL_MAX: '5',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** An instance in this process. */
export async function startInstance(
  env: Record<string, string>,
  overrides: Partial<AnalyticsConfig> = {},
): Promise<RunningAnalytics> {
  const config = loadAnalyticsConfig({ ...process.env, ...env }, overrides);
  return startAnalytics(config, { log: pino({ level: env.LOG_LEVEL ?? 'warn' }) });
}

export function token(claims: { role: Role; customer?: string; sub?: string }): Promise<string> {
  return signJwt(
    { secret: JWT_SECRET, issuer: 'vitals', audience: 'vitals-cloud', clock: systemClock },
    { sub: claims.sub ?? `test-${claims.role}`, role: claims.role, customer: claims.customer },
  );
}

export interface WindowDbRow {
  query_id: string;
  group_id: string;
  metric: string;
  window_start: Date;
  count: string;
  sum: number;
  min: number;
  max: number;
  last: number;
  is_final: boolean;
  revision: number;
}

/** Window rows, one line each, in a stable order, without revision and update time (which depend on batching). */
export async function windowTable(pool: pg.Pool, o: { finalOnly?: boolean } = {}): Promise<string[]> {
  const { rows } = await pool.query<WindowDbRow & { last_measured_at: Date; department_id: string | null }>(
    `SELECT query_id, group_id::text AS group_id, metric, window_start, count, sum, min, max, last, last_measured_at, is_final,
            department_id::text AS department_id
     FROM window_aggregates ${o.finalOnly ? 'WHERE is_final' : ''}
     ORDER BY query_id, group_id, metric, window_start`,
  );
  return rows.map(
    (r) =>
      `${r.query_id} ${r.group_id} ${r.metric} ${r.window_start.toISOString()} n=${r.count} sum=${r.sum} min=${r.min} max=${r.max} last=${r.last}@${r.last_measured_at.toISOString()} final=${r.is_final}`,
  );
}

/** A `ws` client that keeps every message and waits for one that matches. */
export class StreamClient {
  readonly messages: Array<Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
      for (const w of this.waiters) w();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters) w();
    });
  }

  static async connect(url: string, o: { token?: string; headerAuth?: boolean } = {}): Promise<StreamClient> {
    const headers = o.token && o.headerAuth !== false ? { authorization: `Bearer ${o.token}` } : undefined;
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/stream`, { headers });
    const client = new StreamClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first message (from `from` on) matching `pred`, waiting up to `timeoutMs`. */
  async next(pred: (m: Record<string, unknown>) => boolean, timeoutMs = 30_000, from = 0): Promise<Record<string, unknown>> {
    const found = () => this.messages.slice(from).find(pred);
    return waitFor(
      () =>
        found() ??
        new Promise<undefined>((resolve) => {
          const w = () => {
            this.waiters = this.waiters.filter((x) => x !== w);
            resolve(undefined);
          };
          this.waiters.push(w);
          setTimeout(w, 200);
        }),
      { timeoutMs, intervalMs: 1, what: `a stream message matching ${pred.toString().slice(0, 120)}` },
    );
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** Row messages of a subscription as objects keyed by the header's columns. */
export function rowsOf(client: StreamClient, subscription: string): Array<Record<string, unknown>> {
  const header = client.messages.find((m) => m.type === 'header' && m.subscription === subscription);
  if (!header) return [];
  const columns = header.columns as string[];
  return client.messages
    .filter((m) => m.type === 'row' && m.subscription === subscription)
    .map((m) => Object.fromEntries(columns.map((c, i) => [c, (m.row as unknown[])[i]])));
}

export interface TailedRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

/**
 * Reads a topic (read_committed) from its end as of the call, in a throwaway group: for shared topics with a long
 * history (enriched-readings), where reading from the beginning would take long.
 */
export async function tailTopic(kafka: Kafka, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const records: TailedRecord[] = [];
  const consumer = kafka.consumer({ groupId: `analytics-tail-${uniqueSuffix()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        value: message.value?.toString('utf8') ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v ? v.toString() : ''])),
      });
    },
  });
  for (const e of ends) consumer.seek({ topic, partition: e.partition, offset: e.high });
  return {
    records,
    until: (pred: (r: TailedRecord) => boolean, timeoutMs = 60_000) =>
      waitFor(() => records.find(pred), { timeoutMs, intervalMs: 50, what: `a record of ${topic}` }),
    close: () => consumer.disconnect(),
  };
}

/** Deletes the (empty) consumer groups whose ids start with one of `prefixes` (groups of a test, once its consumers left). */
export async function deleteGroups(kafka: Kafka, prefixes: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const mine = groups.map((g) => g.groupId).filter((g) => prefixes.some((p) => g.startsWith(p)));
    if (mine.length) await admin.deleteGroups(mine).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
