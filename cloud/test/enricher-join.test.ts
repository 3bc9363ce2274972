/**
 * The enricher against the real stack: reference data written to PostgreSQL reaches it through Debezium and
 * Kafka; readings go through a Kafka topic; results are read back from enriched-readings, alerts and
 * readings-dlq under read_committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { TOPICS, type AlertEvent, type DeadLetter, type EnrichedReading } from '@vitals/shared';
import { consumeUntil, markTopicEnds, uniqueSuffix, type TopicMarks } from '@vitals/stack/testing';
import { loadEnricherConfig } from '../src/enricher/config.js';
import { startEnricher, type RunningEnricher } from '../src/enricher/service.js';
import {
  createHospital,
  createInputTopic,
  deleteTopics,
  produce,
  reading,
  testKafka,
  until,
  type Hospital,
} from './support/enricher-world.js';

const kafka = testKafka();
let hospital: Hospital;
let enricher: RunningEnricher;
let producer: Producer;
let input: string;
const group = `enricher-test-${uniqueSuffix()}`;
let since: TopicMarks;

beforeAll(async () => {
  since = await markTopicEnds([TOPICS.enrichedReadings, TOPICS.alerts, TOPICS.readingsDlq]);
  hospital = await createHospital();
  input = await createInputTopic(kafka, 3);
  producer = kafka.producer();
  await producer.connect();
  const config = loadEnricherConfig(process.env, {
    port: 0,
    groupId: group,
    inputTopic: input,
    changelogTopic: `${group}-changelog`,
    graceMs: 1_500,
    deviceSilenceMs: 3_600_000,
    // Long enough that a reading can only be released early by the CDC watermark, not by the end of its hold.
    cdcMaxHoldMs: 20_000,
  });
  enricher = await startEnricher(config, { log: pino({ level: process.env.ENRICHER_TEST_LOG_LEVEL ?? 'warn' }) });
});

afterAll(async () => {
  await enricher?.close();
  await producer?.disconnect();
  await hospital?.close();
  await deleteTopics(kafka, input);
  await deleteTopics(kafka, `${group}-changelog`);
});

async function unconfirmedJoins(): Promise<number> {
  const text = (await enricher.app.inject({ method: 'GET', url: '/metrics' })).body;
  return Number(/^enricher_unconfirmed_joins_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

function byReading<T extends { reading?: { readingId: string }; readingId?: string }>(
  records: readonly { value: string | null }[],
  ids: Set<string>,
): T[] {
  return records
    .map((r) => JSON.parse(r.value ?? 'null') as T)
    .filter((v) => v && ids.has(v.reading?.readingId ?? v.readingId ?? ''));
}

describe('enricher', () => {
  it('joins a transfer at 10:00:00 by measurement time: 09:59:59 to bed A, 10:00:00 to bed B, in any arrival order', async () => {
    const device = await hospital.device({ assignFrom: '2026-11-20T08:00:00Z', patientId: hospital.patientId });
    const before = reading(device, '2026-11-20T09:30:00Z');
    await produce(producer, input, [{ key: device, value: before }]);
    await consumeUntil([TOPICS.enrichedReadings], (rs) => byReading(rs, new Set([before.readingId])).length === 1, { since });

    // The transfer, recorded afterwards in one transaction: A ends at 10:00, B starts at 10:00.
    await hospital.db.query('BEGIN');
    await hospital.db.query('UPDATE device_assignments SET valid_to = $2 WHERE device_id = $1', [device, '2026-11-20T10:00:00Z']);
    await hospital.db.query(
      'INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from) VALUES ($1, $2, $3, $4, $5)',
      [hospital.customerId, device, hospital.patientId, hospital.bedB, '2026-11-20T10:00:00Z'],
    );
    await hospital.db.query('COMMIT');
    await until(
      'the transfer to reach the enricher',
      () => enricher.state.assignmentAt(device, Date.parse('2026-11-20T10:00:00Z'))?.bedId === hospital.bedB,
    );

    // Both arrive after the transfer's change events; the later measurement first.
    const atTen = reading(device, '2026-11-20T10:00:00Z');
    const justBefore = reading(device, '2026-11-20T09:59:59Z');
    await produce(producer, input, [{ key: device, value: atTen }]);
    await produce(producer, input, [{ key: device, value: justBefore }]);
    const ids = new Set([before.readingId, atTen.readingId, justBefore.readingId]);
    const out = byReading<EnrichedReading>(
      await consumeUntil([TOPICS.enrichedReadings], (rs) => byReading(rs, ids).length === 3, { since }),
      ids,
    );
    const bedOf = new Map(out.map((e) => [e.reading.readingId, e.bedLabel]));
    expect(bedOf.get(before.readingId)).toBe('A');
    expect(bedOf.get(justBefore.readingId)).toBe('A');
    expect(bedOf.get(atTen.readingId)).toBe('B');
    expect(
      out.every((e) => e.patientId === hospital.patientId && e.customerId === hospital.customerId && e.loinc === '8867-4'),
    ).toBe(true);
  });

  it('holds a reading measured just after a transfer until the transfer is in, though the reading arrives before it', async () => {
    const device = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
    await until(
      'the assignment to reach the enricher',
      () => enricher.state.assignmentAt(device, Date.now())?.bedId === hospital.bedA,
    );
    const unconfirmedBefore = await unconfirmedJoins();
    expect(Number.isFinite(unconfirmedBefore)).toBe(true);

    // Measured two seconds from now, produced before the transfer is even recorded: without the CDC watermark
    // the enricher would join it at once with bed A, whose assignment is still open.
    const after = reading(device, Date.now() + 2_000);
    await produce(producer, input, [{ key: device, value: after }]);
    await hospital.db.query('BEGIN');
    await hospital.db.query('UPDATE device_assignments SET valid_to = now() WHERE device_id = $1 AND valid_to IS NULL', [device]);
    await hospital.db.query(
      `INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from)
       SELECT customer_id, device_id, patient_id, $2, valid_to FROM device_assignments WHERE device_id = $1`,
      [device, hospital.bedB],
    );
    await hospital.db.query('COMMIT');

    const ids = new Set([after.readingId]);
    const [out] = byReading<EnrichedReading>(
      await consumeUntil([TOPICS.enrichedReadings], (rs) => byReading(rs, ids).length === 1, { since }),
      ids,
    );
    expect(out?.bedLabel).toBe('B');
    // Released because the watermark passed its measured-at time, not because its 20 s hold ran out.
    expect(await unconfirmedJoins()).toBe(unconfirmedBefore);
    const status = (await enricher.app.inject({ method: 'GET', url: '/api/status' })).json<{ cdcWatermark: string | null }>();
    expect(Date.parse(status.cdcWatermark ?? '')).toBeGreaterThanOrEqual(Date.parse(after.measuredAt));
  });

  it('dead-letters garbage, a wrong type and an unknown device with their reasons, and keeps the stream flowing', async () => {
    const device = await hospital.device({ assignFrom: '2026-11-01T00:00:00Z' });
    const marker = `garbage-${uniqueSuffix()}`;
    const wrongType = { ...reading(device, Date.now() - 1000), value: 'seventy-two' };
    const unknown = reading(`NOPE-${uniqueSuffix()}`, Date.now() - 1000);
    const good = reading(device, Date.now() - 500);
    await produce(producer, input, [
      { key: device, value: marker },
      { key: device, value: JSON.stringify(wrongType) },
      { key: unknown.deviceId, value: unknown },
      { key: device, value: good },
    ]);
    const letters = (
      await consumeUntil(
        [TOPICS.readingsDlq],
        (rs) =>
          rs.filter(
            (r) =>
              (r.value ?? '').includes(marker) ||
              (r.value ?? '').includes(wrongType.readingId) ||
              (r.value ?? '').includes(unknown.readingId),
          ).length === 3,
        { since },
      )
    )
      .map((r) => JSON.parse(r.value ?? 'null') as DeadLetter)
      .filter((l) => l.original?.includes(marker) || l.readingId === wrongType.readingId || l.readingId === unknown.readingId);
    const reasonOf = (pred: (l: DeadLetter) => boolean) => letters.find(pred);
    expect(reasonOf((l) => l.original === marker)).toMatchObject({ reason: 'MALFORMED', source: { topic: input } });
    expect(reasonOf((l) => l.readingId === wrongType.readingId)?.reason).toBe('MALFORMED');
    expect(reasonOf((l) => l.readingId === unknown.readingId)).toMatchObject({
      reason: 'UNKNOWN_DEVICE',
      afterGrace: true,
      deviceId: unknown.deviceId,
    });
    await consumeUntil([TOPICS.enrichedReadings], (rs) => byReading(rs, new Set([good.readingId])).length === 1, { since });
  });

  it('applies a threshold change to readings measured after its commit, not before', async () => {
    const device = await hospital.device({ assignFrom: '2026-11-01T00:00:00Z', patientId: await hospital.patient() });
    const patientId = (
      await hospital.db.query<{ patient_id: string }>('SELECT patient_id FROM device_assignments WHERE device_id = $1', [device])
    ).rows[0]!.patient_id;
    const earlier = Date.now() - 60_000;
    const rule = await hospital.db.query<{ committed: Date }>(
      `INSERT INTO alert_thresholds (customer_id, scope, patient_id, metric, high, priority, hysteresis)
       VALUES ($1, 'patient', $2, 'heart_rate', 100, 'high', 2) RETURNING now() AS committed`,
      [hospital.customerId, patientId],
    );
    const committedAt = rule.rows[0]!.committed.getTime();
    await until('the rule to reach the enricher', () =>
      enricher.state
        .bandsAt('heart_rate', { customerId: hospital.customerId, departmentId: hospital.departmentId, patientId }, Date.now())
        .some((b) => b.scope === 'patient'),
    );
    const old = reading(device, earlier, { value: 110 });
    const after = reading(device, committedAt + 2_000, { value: 110 });
    await produce(producer, input, [
      { key: device, value: old },
      { key: device, value: after },
    ]);
    const ids = new Set([old.readingId, after.readingId]);
    const out = byReading<EnrichedReading>(
      await consumeUntil([TOPICS.enrichedReadings], (rs) => byReading(rs, ids).length === 2, { since }),
      ids,
    );
    const byId = new Map(out.map((e) => [e.reading.readingId, e.threshold]));
    // 110/min is normal under the catalog default (medium above 120) and high under the new patient rule.
    expect(byId.get(old.readingId)).toEqual({ state: 'normal' });
    expect(byId.get(after.readingId)).toMatchObject({ state: 'high', priority: 'high', scope: 'patient', high: 100 });

    const alerts = (
      await consumeUntil([TOPICS.alerts], (rs) => rs.some((r) => (r.value ?? '').includes(after.readingId)), { since })
    )
      .map((r) => JSON.parse(r.value ?? 'null') as AlertEvent)
      .filter((a) => a.deviceId === device);
    expect(alerts.map((a) => [a.kind, a.priority, a.condition, a.patientId])).toEqual([['raise', 'high', 'high', patientId]]);
  });
});
