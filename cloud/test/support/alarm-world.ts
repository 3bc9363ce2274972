/**
 * Fixtures of the alarm dispatcher tests: a migrated temporary database with one customer, department, bed and
 * patient and a receiver row pointing at a test receiver, a private alerts topic, and the AlertEvents the enricher
 * emits for one episode (raise, escalate, de-escalate, clear; same shape as partition-processor.ts builds).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import type { AlarmPriority, AlertEvent, MetricCode } from '@vitals/shared';
import { createTempDatabase, createTopic, testStackConfig, uniqueSuffix, type TempDatabase } from '@vitals/stack/testing';

export interface AlarmWorld {
  readonly db: TempDatabase;
  readonly pool: pg.Pool;
  readonly topic: string;
  readonly groupId: string;
  readonly customerId: string;
  readonly departmentId: string;
  readonly bedId: string;
  readonly patientId: string;
  readonly mrn: string;
  readonly kafka: Kafka;
  readonly producer: Producer;
  addReceiver(port: number, o?: { departmentId?: string | null; name?: string }): Promise<string>;
  /** Next offset the dispatcher group committed on partition 0 (-1 when none). */
  committed(): Promise<bigint>;
  produce(events: readonly AlertEvent[]): Promise<void>;
  close(): Promise<void>;
}

export async function createAlarmWorld(): Promise<AlarmWorld> {
  const sfx = uniqueSuffix();
  const db = await createTempDatabase({ migrate: true });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const one = async (sql: string, args: unknown[]) => String((await pool.query<{ id: string }>(sql, args)).rows[0]!.id);
  const customerId = await one('INSERT INTO customers (name, slug, patient_name_policy) VALUES ($1, $2, $3) RETURNING id', [
    `Alarms ${sfx}`,
    `alm-${sfx}`,
    'initials',
  ]);
  const departmentId = await one('INSERT INTO departments (customer_id, code, name) VALUES ($1, $2, $3) RETURNING id', [
    customerId,
    'ICU',
    'Intensive care',
  ]);
  const bedId = await one('INSERT INTO beds (customer_id, department_id, label) VALUES ($1, $2, $3) RETURNING id', [
    customerId,
    departmentId,
    'Bed 3',
  ]);
  const mrn = `MRN-${sfx}`;
  const patientId = await one(
    'INSERT INTO patients (customer_id, mrn, given_name, family_name) VALUES ($1, $2, $3, $4) RETURNING id',
    [customerId, mrn, 'Ada', 'Lovelace'],
  );
  const brokers = testStackConfig().kafkaBrokers;
  const topic = `alarm-dispatch-test-${sfx}`;
  const dropTopic = await createTopic(brokers, topic, 1);
  const kafka = new Kafka({ clientId: 'alarm-test', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const groupId = `alarm-dispatch-test-${sfx}`;
  return {
    db,
    pool,
    topic,
    groupId,
    customerId,
    departmentId,
    bedId,
    patientId,
    mrn,
    kafka,
    producer,
    addReceiver: (port, o = {}) =>
      one(
        `INSERT INTO alarm_receivers (customer_id, department_id, name, host, port, receiving_application, receiving_facility)
         VALUES ($1, $2, $3, '127.0.0.1', $4, 'NURSECALL', 'WARD') RETURNING id`,
        [customerId, o.departmentId === undefined ? departmentId : o.departmentId, o.name ?? `receiver-${port}`, port],
      ),
    async committed() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return BigInt(t?.partitions.find((p) => p.partition === 0)?.offset ?? '-1');
      } finally {
        await admin.disconnect();
      }
    },
    async produce(events) {
      await producer.send({
        topic,
        acks: -1,
        messages: events.map((e) => ({ key: e.patientId, value: JSON.stringify(e) })),
      });
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
      const admin = kafka.admin();
      await admin.connect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await dropTopic().catch(() => undefined);
      await pool.end();
      await db.drop();
    },
  };
}

/** The events of one physiological alarm episode, as the enricher emits them (one episode id throughout). */
export function episode(
  w: Pick<AlarmWorld, 'customerId' | 'departmentId' | 'bedId' | 'patientId'>,
  steps: ReadonlyArray<{ kind: AlertEvent['kind']; priority: AlarmPriority; value: number }>,
  o: { metric?: MetricCode; deviceId?: string; startMs?: number } = {},
): AlertEvent[] {
  const alertId = randomUUID();
  const start = o.startMs ?? Date.now();
  return steps.map((s, i) => ({
    alertId,
    kind: s.kind,
    category: 'physiological',
    customerId: w.customerId,
    patientId: w.patientId,
    departmentId: w.departmentId,
    bedId: w.bedId,
    deviceId: o.deviceId ?? 'MON-ALARM-1',
    metric: o.metric ?? 'heart_rate',
    condition: 'high',
    priority: s.priority,
    value: s.value,
    readingId: randomUUID(),
    at: new Date(start + i * 1_000).toISOString(),
  }));
}

/** Dispatcher settings of a test: the world's database, topic and group; quick retries. */
export function dispatcherEnv(w: AlarmWorld, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: w.db.url,
    KAFKA_BROKERS: testStackConfig().kafkaBrokers.join(','),
    DISPATCHER_PORT: '0',
    DISPATCHER_INPUT_TOPIC: w.topic,
    DISPATCHER_GROUP_ID: w.groupId,
    DISPATCHER_FROM_BEGINNING: 'true',
    DISPATCHER_SESSION_TIMEOUT: '6s',
    DISPATCHER_RETRY_INITIAL: '100ms',
    DISPATCHER_RETRY_MAX: '1s',
    DISPATCHER_RECEIVERS_REFRESH: '1s',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}
