/**
 * Regression of a poison change event the fuzz suite found (issue 19): a Debezium row of device_assignments
 * whose `patient_id` was an object entered the reference state as it was; every reading of that device then
 * became a record keyed by that object, kafkajs could not encode it, the transaction failed and was retried
 * forever, and nothing on the partition was enriched again. The enricher runs as its own process (the real
 * CLI) on private CDC topics: the bad row is refused and counted, the device keeps its previous assignment,
 * and readings of it and of other devices are still enriched.
 */
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcTopic, TOPICS, waitFor, type CdcTable } from '@vitals/shared';
import { consumeUntil, markTopicEnds, uniqueSuffix } from '@vitals/stack/testing';
import { ENRICHER_CDC_TABLES } from '../src/enricher/cdc-follower.js';
import { startCliService, type CliService } from './support/child-service.js';
import { createInputTopic, deleteTopics, reading, testKafka } from './support/enricher-world.js';

const kafka = testKafka();
const sfx = uniqueSuffix();
const prefix = `test-cdc-${sfx}`;
const group = `enricher-bad-row-${sfx}`;
const topicOf = (t: CdcTable) => cdcTopic(t, 'public', prefix);
const ids = { customer: randomUUID(), department: randomUUID(), bed: randomUUID(), patient: randomUUID() };
const devices = [`MON-A-${sfx}`, `MON-B-${sfx}`];
const assignments = [randomUUID(), randomUUID()];
let input: string;
let producer: Producer;
let enricher: CliService;
let url: string;

const change = (table: CdcTable, row: Record<string, unknown>) => {
  const ts = Date.now();
  return {
    topic: topicOf(table),
    messages: [
      {
        key: JSON.stringify({ id: row.id }),
        value: JSON.stringify({ before: null, after: row, source: { ts_ms: ts }, op: 'c', ts_ms: ts }),
      },
    ],
  };
};
const assignmentRow = (i: number, over: Record<string, unknown> = {}) => ({
  id: assignments[i],
  customer_id: ids.customer,
  device_id: devices[i],
  patient_id: ids.patient,
  bed_id: ids.bed,
  valid_from: new Date(Date.now() - 3_600_000).toISOString(),
  valid_to: null,
  ...over,
});

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [...ENRICHER_CDC_TABLES, 'cdc_heartbeat' as CdcTable].map((t) => ({
      topic: topicOf(t),
      numPartitions: 1,
      replicationFactor: 1,
    })),
  });
  await admin.disconnect();
  input = await createInputTopic(kafka, 1);
  producer = kafka.producer();
  await producer.connect();
  await producer.sendBatch({
    acks: -1,
    topicMessages: [
      change('customers', { id: ids.customer, name: 'H' }),
      change('departments', { id: ids.department, customer_id: ids.customer, name: 'ICU', code: 'ICU' }),
      change('beds', { id: ids.bed, customer_id: ids.customer, department_id: ids.department, label: 'A' }),
      change('patients', { id: ids.patient, customer_id: ids.customer, deleted_at: null }),
      ...devices.map((id) => change('devices', { id, customer_id: ids.customer, model: 'm', deleted_at: null })),
      change('device_assignments', assignmentRow(0)),
      change('device_assignments', assignmentRow(1)),
    ],
  });
  enricher = startCliService('enricher', {
    ENRICHER_GROUP_ID: group,
    ENRICHER_INPUT_TOPIC: input,
    ENRICHER_CHANGELOG_TOPIC: `${group}-changelog`,
    ENRICHER_CDC_TOPIC_PREFIX: prefix,
    ENRICHER_CDC_MAX_HOLD: '0s',
    ENRICHER_DEVICE_SILENCE: '1h',
    LOG_LEVEL: 'warn',
  });
  url = await enricher.url;
});
afterAll(async () => {
  await enricher?.kill();
  await producer?.disconnect();
  await deleteTopics(kafka, prefix);
  if (input) await deleteTopics(kafka, input);
  await deleteTopics(kafka, `${group}-changelog`);
});

async function status(): Promise<{ referenceEvents: number; referenceProblems: number }> {
  return (await (await fetch(`${url}/api/status`)).json()) as { referenceEvents: number; referenceProblems: number };
}

describe('a change event whose row has the wrong types (issue 19 fuzz)', () => {
  it('is refused and counted; readings of that device and of others are still enriched', async () => {
    const before = await status();
    await producer.sendBatch({
      acks: -1,
      topicMessages: [change('device_assignments', assignmentRow(0, { patient_id: { id: 'nested' } }))],
    });
    await waitFor(async () => (await status()).referenceEvents > before.referenceEvents, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'the follower to read the bad change',
    });
    const after = await status();
    expect(after.referenceEvents).toBe(before.referenceEvents + 1);
    expect(after.referenceProblems).toBe(before.referenceProblems + 1);

    const since = await markTopicEnds([TOPICS.enrichedReadings]);
    const poisoned = reading(devices[0]!, Date.now() - 800);
    const other = reading(devices[1]!, Date.now() - 500);
    await producer.send({
      topic: input,
      acks: -1,
      messages: [poisoned, other].map((r) => ({ key: r.deviceId, value: JSON.stringify(r) })),
    });
    const out = await consumeUntil([TOPICS.enrichedReadings], (rs) => rs.length >= 2, {
      since,
      timeoutMs: 60_000,
      filter: (r) => (r.value ?? '').includes(poisoned.readingId) || (r.value ?? '').includes(other.readingId),
    });
    for (const r of out) expect((JSON.parse(r.value!) as { patientId: unknown }).patientId).toBe(ids.patient);
    expect(enricher.alive()).toBe(true);
  });
});
