/**
 * A small hospital made through SQL (so Debezium carries it to Kafka), a private raw-readings topic, and
 * readers of the enricher's outputs filtered to this test's readings. For the enricher's integration tests.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { newReadingId, waitFor, type Reading } from '@vitals/shared';
import { testStackConfig, uniqueSuffix } from '@vitals/stack/testing';

export interface Hospital {
  readonly sfx: string;
  readonly customerId: string;
  readonly departmentId: string;
  readonly bedA: string;
  readonly bedB: string;
  readonly patientId: string;
  /** Creates a device (and optionally an open assignment of it, to a new patient on bed A from `assignFrom`). */
  device(opts?: { assignFrom?: string; patientId?: string; bed?: string }): Promise<string>;
  /** Creates a patient of the hospital. */
  patient(): Promise<string>;
  readonly db: pg.Client;
  close(): Promise<void>;
}

export async function createHospital(): Promise<Hospital> {
  const config = testStackConfig();
  const db = new pg.Client({ connectionString: config.databaseUrl });
  await db.connect();
  const sfx = uniqueSuffix();
  const one = async (sql: string, args: unknown[]) => (await db.query<{ id: string }>(sql, args)).rows[0]!.id;
  const customerId = await one('INSERT INTO customers (name, slug) VALUES ($1, $2) RETURNING id', [
    `Enricher ${sfx}`,
    `enr-${sfx}`,
  ]);
  const departmentId = await one('INSERT INTO departments (customer_id, code, name) VALUES ($1, $2, $3) RETURNING id', [
    customerId,
    'ICU',
    'Intensive care',
  ]);
  const bed = (label: string) =>
    one('INSERT INTO beds (customer_id, department_id, label) VALUES ($1, $2, $3) RETURNING id', [
      customerId,
      departmentId,
      label,
    ]);
  const bedA = await bed('A');
  const bedB = await bed('B');
  const patientId = await one('INSERT INTO patients (customer_id, mrn) VALUES ($1, $2) RETURNING id', [customerId, `MRN-${sfx}`]);
  let n = 0;
  const patient = () =>
    one('INSERT INTO patients (customer_id, mrn) VALUES ($1, $2) RETURNING id', [customerId, `MRN-${sfx}-${n++}`]);
  return {
    sfx,
    customerId,
    departmentId,
    bedA,
    bedB,
    patientId,
    db,
    async device(opts = {}) {
      const id = `T${sfx}-${n++}`;
      await db.query('INSERT INTO devices (id, customer_id, model) VALUES ($1, $2, $3)', [id, customerId, 'test']);
      if (opts.assignFrom) {
        await db.query(
          'INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from) VALUES ($1, $2, $3, $4, $5)',
          [customerId, id, opts.patientId ?? (await patient()), opts.bed ?? bedA, opts.assignFrom],
        );
      }
      return id;
    },
    patient,
    close: () => db.end(),
  };
}

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'enricher-test', brokers: [...testStackConfig().kafkaBrokers], logLevel: logLevel.NOTHING });
}

/** A fresh input topic for one test (the enricher's ENRICHER_INPUT_TOPIC), so no other test's readings mix in. */
export async function createInputTopic(kafka: Kafka, partitions = 3): Promise<string> {
  const topic = `raw-readings-test-${uniqueSuffix()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  await admin.disconnect();
  return topic;
}

export async function deleteTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

export function reading(deviceId: string, measuredAt: string | number, over: Partial<Reading> = {}): Reading {
  const at = typeof measuredAt === 'number' ? new Date(measuredAt).toISOString() : measuredAt;
  return {
    readingId: newReadingId(),
    deviceId,
    deviceSeq: 1,
    metric: 'heart_rate',
    value: 72,
    unit: '/min',
    measuredAt: at,
    receivedAt: at,
    gatewayId: 'gw-test',
    ...over,
  };
}

export async function produce(
  producer: Producer,
  topic: string,
  records: Array<{ key: string | null; value: string | Reading }>,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: records.map((r) => ({ key: r.key, value: typeof r.value === 'string' ? r.value : JSON.stringify(r.value) })),
  });
}

/** Waits until the enricher's reference state knows something (e.g. an assignment that was just written). */
export async function until(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  await waitFor(probe, { timeoutMs, intervalMs: 50, what });
}
