/**
 * The enricher's Flink SQL job (`docker/flink/enricher.sql`) on the stack's Flink cluster, against the Node
 * engine on the same input: reference data written to PostgreSQL reaches both through Debezium; the same
 * readings go to one raw topic that both read; the Flink job writes to its own topics (read_committed). Every
 * enriched reading and dead letter is compared record by record (enrichedAt and the dead letter's wording
 * aside, documented in docs/scaling.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { CDC_TOPIC_PREFIX, TOPICS, type DeadLetter, type EnrichedReading, type Reading } from '@vitals/shared';
import {
  consumeUntil,
  createTopic,
  ensureFlinkCluster,
  markTopicEnds,
  testStackConfig,
  uniqueSuffix,
  type TopicMarks,
} from '@vitals/stack/testing';
import { jobManagerClient, sqlGatewayClient } from '../src/flink/index.js';
import { submitEnricherJob } from '../src/flink/enricher-job.js';
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
import { awaitFlinkReference, describeJobProgress } from './support/flink-progress.js';

const stackConfig = testStackConfig();
const kafka = testKafka();
const jm = jobManagerClient(stackConfig.flinkRestUrl);
const gateway = sqlGatewayClient(stackConfig.flinkGatewayUrl);
const sfx = uniqueSuffix();
const flinkEnriched = `flink-enriched-${sfx}`;
const flinkDlq = `flink-dlq-${sfx}`;
const flinkAlarmInputs = `flink-alarm-inputs-${sfx}`;
let hospital: Hospital;
let node: RunningEnricher;
let producer: Producer;
let input: string;
let jobId: string | undefined;
let since: TopicMarks;

beforeAll(async () => {
  await ensureFlinkCluster();
  since = await markTopicEnds([TOPICS.enrichedReadings, TOPICS.readingsDlq]);
  hospital = await createHospital();
  input = await createInputTopic(kafka, 2);
  for (const topic of [flinkEnriched, flinkDlq, flinkAlarmInputs]) await createTopic(stackConfig.kafkaBrokers, topic, 2);
  producer = kafka.producer();
  await producer.connect();
  const group = `flink-diff-node-${sfx}`;
  node = await startEnricher(
    loadEnricherConfig(process.env, {
      port: 0,
      groupId: group,
      inputTopic: input,
      changelogTopic: `${group}-changelog`,
      graceMs: 1_500,
      deviceSilenceMs: 3_600_000,
      cdcMaxHoldMs: 20_000,
    }),
    { log: pino({ level: 'warn' }) },
  );
  jobId = await submitEnricherJob(gateway, {
    jobName: `enricher-test-${sfx}`,
    kafkaBrokers: stackConfig.kafkaBrokers,
    groupId: `flink-diff-${sfx}`,
    transactionalIdPrefix: `flink-diff-${sfx}`,
    cdcTopicPrefix: CDC_TOPIC_PREFIX,
    rawTopic: input,
    enrichedTopic: flinkEnriched,
    dlqTopic: flinkDlq,
    alarmInputsTopic: flinkAlarmInputs,
    startFrom: 'earliest',
  });
  await jm.waitForState(jobId, ['RUNNING'], 120_000);
}, 240_000);

afterAll(async () => {
  if (jobId) await jm.cancel(jobId).catch(() => undefined);
  await node?.close();
  await producer?.disconnect();
  await hospital?.close();
  await deleteTopics(kafka, input);
  await deleteTopics(kafka, `flink-diff-node-${sfx}`);
  await deleteTopics(kafka, flinkEnriched);
  await deleteTopics(kafka, flinkDlq);
  await deleteTopics(kafka, flinkAlarmInputs);
});

type Letter = DeadLetter & { readingId?: string };

/**
 * Waits until the Flink job holds every reference change now in the CDC topics (its sources have read and
 * checkpointed them). A reading measured before the CDC heartbeat is joined at once with what has been read
 * (the Node engine holds an unplaced one for its grace, Flink does not), so the test writes reference data
 * first, as a hospital registers a monitor before it measures (docs/scaling.md, "Semantic differences"); for
 * the Node engine it waits on its state.
 */
function flinkHasReference(): Promise<void> {
  return awaitFlinkReference(kafka, `flink-diff-${sfx}`);
}

/** Waits on the Flink job's output; a wait that fails says where in the job the records stopped. */
async function flinkWait<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await describeJobProgress(stackConfig.flinkRestUrl, jobId!)}`);
  }
}

function parse<T>(records: readonly { value: string | null }[]): T[] {
  return records.map((r) => JSON.parse(r.value ?? 'null') as T).filter((v) => v !== null);
}

/** What both engines must agree on: everything but the time of enrichment. */
function comparable(e: EnrichedReading): Omit<EnrichedReading, 'enrichedAt'> {
  const { enrichedAt: _at, ...rest } = e;
  return rest;
}

function letterKey(l: Letter): string {
  return `${l.source.partition}/${l.source.offset}`;
}

describe('the Flink enricher job', () => {
  it('enriches and dead-letters exactly as the Node engine: a transfer, thresholds, NEWS2, unknown devices and bad records', async () => {
    const device = await hospital.device({ assignFrom: '2026-11-20T08:00:00Z', patientId: hospital.patientId });
    const current = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
    const currentPatient = (
      await hospital.db.query<{ patient_id: string }>('SELECT patient_id FROM device_assignments WHERE device_id = $1', [current])
    ).rows[0]!.patient_id;
    // A patient rule (medium above 100) for the heart rate, in force from its commit; the catalog decides
    // every other metric.
    await hospital.db.query(
      `INSERT INTO alert_thresholds (customer_id, scope, patient_id, metric, high, priority)
       VALUES ($1, 'patient', $2, 'heart_rate', 100, 'medium')`,
      [hospital.customerId, currentPatient],
    );
    const ruleFrom = Date.now() + 1_000;
    await until(
      'the devices and the rule to reach the Node enricher',
      () =>
        node.state.assignmentAt(device, Date.parse('2026-11-20T09:30:00Z'))?.bedId === hospital.bedA &&
        node.state.assignmentAt(current, Date.now()) !== undefined &&
        node.state
          .bandsAt(
            'heart_rate',
            { customerId: hospital.customerId, departmentId: hospital.departmentId, patientId: currentPatient },
            ruleFrom,
          )
          .some((b) => b.scope === 'patient'),
    );
    await flinkHasReference();
    const sent: Reading[] = [];
    const send = async (rs: Reading[]) => {
      sent.push(...rs);
      await produce(
        producer,
        input,
        rs.map((r) => ({ key: r.deviceId, value: r })),
      );
    };
    await send([
      reading(device, '2026-11-20T09:30:00Z'),
      reading(device, '2026-11-20T09:30:01.250Z', { value: 110 }),
      reading(device, '2026-11-20T09:30:02Z', { metric: 'spo2', value: 91, unit: '%' }),
      reading(device, '2026-11-20T09:30:03Z', { metric: 'temperature', value: 38.04, unit: 'Cel' }),
      reading(device, '2026-11-20T09:30:04Z', { metric: 'nibp_sys', value: 221, unit: 'mm[Hg]' }),
      reading(device, '2026-11-20T09:30:05Z', { metric: 'resp_rate', value: 24, unit: '/min' }),
      reading(`T${sfx}-unknown`, '2026-11-20T09:30:06Z'),
      reading(device, '2026-11-20T09:30:07Z', { unit: 'bpm-ish' }),
      reading(device, '2026-11-20T09:30:08Z', { value: 900 }),
    ]);
    await producer.send({ topic: input, messages: [{ key: device, value: '{"not": "a reading"' }] });
    await producer.send({ topic: input, messages: [{ key: device, value: JSON.stringify({ readingId: 'x' }) }] });
    const firstIds = new Set(sent.map((r) => r.readingId));
    await consumeUntil(
      [TOPICS.enrichedReadings],
      (rs) => parse<EnrichedReading>(rs).filter((e) => firstIds.has(e.reading.readingId)).length >= 6,
      { since, timeoutMs: 60_000 },
    );

    // The transfer, in one transaction: A ends and B starts ten seconds from now, with a reading a millisecond
    // before it and one at it. Both engines hold them until the CDC heartbeat passes their measured time, so the
    // transfer is in by then. (Readings measured before the heartbeat at the time they arrive are late for
    // Flink's watermark and join only the newest version before it: "Semantic differences" in docs/scaling.md,
    // with its own test below.)
    const transferAt = Date.now() + 10_000;
    await hospital.db.query('BEGIN');
    await hospital.db.query('UPDATE device_assignments SET valid_to = $2 WHERE device_id = $1', [
      device,
      new Date(transferAt).toISOString(),
    ]);
    await hospital.db.query(
      'INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from) VALUES ($1, $2, $3, $4, $5)',
      [hospital.customerId, device, hospital.patientId, hospital.bedB, new Date(transferAt).toISOString()],
    );
    await hospital.db.query('COMMIT');
    await until(
      'the transfer to reach the Node enricher',
      () => node.state.assignmentAt(device, transferAt)?.bedId === hospital.bedB,
    );
    await send([reading(device, transferAt), reading(device, transferAt - 1)]);
    const transferIds = new Set(sent.slice(-2).map((r) => r.readingId));
    await flinkWait(
      consumeUntil(
        [flinkEnriched],
        (rs) => parse<EnrichedReading>(rs).filter((e) => transferIds.has(e.reading.readingId)).length === 2,
        { timeoutMs: 60_000 },
      ),
    );
    // The current patient's readings, measured after its rule's commit (and before the heartbeat now: each of
    // its reference rows has a single version, so being late for the watermark changes nothing).
    await send([reading(current, ruleFrom, { value: 110 }), reading(current, ruleFrom + 1, { value: 99 })]);

    const ids = new Set(sent.map((r) => r.readingId));
    const enrichedCount = sent.length - 3; // unknown device, unit, implausible value
    const nodeOut = parse<EnrichedReading>(
      await consumeUntil(
        [TOPICS.enrichedReadings],
        (rs) => parse<EnrichedReading>(rs).filter((e) => ids.has(e.reading.readingId)).length >= enrichedCount,
        { since, timeoutMs: 60_000 },
      ),
    ).filter((e) => ids.has(e.reading.readingId));
    const flinkOut = parse<EnrichedReading>(
      // Room for a slow job: one CI rehearsal saw only 4 of the readings after 90 s, the next one all of them in
      // 15 s, in the same order of tests; the stall is not explained (closing note of stop 15).
      await flinkWait(consumeUntil([flinkEnriched], (rs) => rs.length >= enrichedCount, { timeoutMs: 240_000 })),
    );
    const byId = (es: EnrichedReading[]) => Object.fromEntries(es.map((e) => [e.reading.readingId, comparable(e)] as const));
    expect(flinkOut).toHaveLength(enrichedCount);
    // At the parallelism of the input (2 partitions): each reading's device and patient keys cross subtasks.
    expect((await jm.job(jobId!)).parallelism).toBe(2);
    expect(byId(flinkOut)).toEqual(byId(nodeOut));

    // The facts the comparison rests on, so that two engines wrong in the same way cannot pass.
    const bedOf = new Map(flinkOut.map((e) => [e.reading.measuredAt, e.bedLabel]));
    expect(bedOf.get(new Date(transferAt - 1).toISOString())).toBe('A');
    expect(bedOf.get(new Date(transferAt).toISOString())).toBe('B');
    const hr = (deviceId: string, value: number) =>
      flinkOut.find((e) => e.reading.deviceId === deviceId && e.reading.value === value)?.threshold;
    expect(hr(current, 110)).toEqual({ state: 'high', priority: 'medium', scope: 'patient', high: 100 });
    expect(hr(current, 99)).toEqual({ state: 'normal' });
    // Measured before the rule existed: the catalog's bands (medium above 120) apply.
    expect(hr(device, 110)).toEqual({ state: 'normal' });
    const sys = flinkOut.find((e) => e.reading.metric === 'nibp_sys');
    expect(sys?.threshold).toMatchObject({ state: 'high', priority: 'high', scope: 'catalog' });
    expect(sys?.news2).toBe(3);
    expect(flinkOut.find((e) => e.reading.metric === 'temperature')?.news2).toBe(0);

    // Dead letters: the same records for the same reasons.
    const letters = 5;
    const nodeDlq = parse<Letter>(
      await consumeUntil(
        [TOPICS.readingsDlq],
        (rs) => parse<Letter>(rs).filter((l) => l.source.topic === input).length >= letters,
        { since, timeoutMs: 60_000 },
      ),
    ).filter((l) => l.source.topic === input);
    const flinkDlqOut = parse<Letter>(
      await flinkWait(consumeUntil([flinkDlq], (rs) => rs.length >= letters, { timeoutMs: 60_000 })),
    );
    const reasons = (ls: Letter[]) => Object.fromEntries(ls.map((l) => [letterKey(l), l.reason] as const));
    expect(flinkDlqOut).toHaveLength(letters);
    expect(reasons(flinkDlqOut)).toEqual(reasons(nodeDlq));
    expect(new Set(flinkDlqOut.map((l) => l.reason))).toEqual(
      new Set(['UNKNOWN_DEVICE', 'UNIT_MISMATCH', 'IMPLAUSIBLE_VALUE', 'MALFORMED']),
    );
    for (const l of flinkDlqOut) expect(l.original).toBeTypeOf('string');
    expect(flinkDlqOut.find((l) => l.reason === 'UNKNOWN_DEVICE')?.deviceId).toBe(`T${sfx}-unknown`);
  }, 330_000);
  it('holds a reading measured just after a transfer until the transfer is in, though the reading arrives first (both engines)', async () => {
    const device = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
    await until(
      'the assignment to reach the Node enricher',
      () => node.state.assignmentAt(device, Date.now())?.bedId === hospital.bedA,
    );
    // Measured two seconds from now and produced before the transfer is even recorded.
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
    const mine = (rs: readonly { value: string | null }[]) =>
      parse<EnrichedReading>(rs).filter((e) => e.reading.readingId === after.readingId);
    const [fromFlink] = mine(
      await flinkWait(consumeUntil([flinkEnriched], (rs) => mine(rs).length === 1, { timeoutMs: 60_000 })),
    );
    const [fromNode] = mine(
      await consumeUntil([TOPICS.enrichedReadings], (rs) => mine(rs).length === 1, { since, timeoutMs: 60_000 }),
    );
    expect(fromFlink?.bedLabel).toBe('B');
    expect(comparable(fromFlink!)).toEqual(comparable(fromNode!));
  });

  it('semantic difference: a reading older than the watermark whose device has since moved is dead-lettered by Flink, placed by Node', async () => {
    const t0 = Date.now() - 2 * 3_600_000;
    const t1 = Date.now() - 3_600_000;
    const device = await hospital.device({ assignFrom: new Date(t0).toISOString() });
    await hospital.db.query('BEGIN');
    await hospital.db.query('UPDATE device_assignments SET valid_to = $2 WHERE device_id = $1', [
      device,
      new Date(t1).toISOString(),
    ]);
    await hospital.db.query(
      `INSERT INTO device_assignments (customer_id, device_id, patient_id, bed_id, valid_from)
       SELECT customer_id, device_id, patient_id, $2, valid_to FROM device_assignments WHERE device_id = $1`,
      [device, hospital.bedB],
    );
    await hospital.db.query('COMMIT');
    await until('the transfer to reach the Node enricher', () => node.state.assignmentAt(device, t1)?.bedId === hospital.bedB);
    await flinkHasReference();
    // A live reading moves the watermark past the transfer; then one from before it arrives (a replayed backlog).
    const live = reading(device, Date.now());
    await produce(producer, input, [{ key: device, value: live }]);
    const enrichedBy = (topic: string, id: string, marks?: TopicMarks) =>
      consumeUntil([topic], (rs) => parse<EnrichedReading>(rs).some((e) => e.reading.readingId === id), {
        timeoutMs: 60_000,
        ...(marks ? { since: marks } : {}),
      });
    await enrichedBy(flinkEnriched, live.readingId);
    const late = reading(device, t1 - 1_800_000);
    await produce(producer, input, [{ key: device, value: late }]);

    const letters = parse<Letter>(
      await flinkWait(
        consumeUntil([flinkDlq], (rs) => parse<Letter>(rs).some((l) => l.readingId === late.readingId), {
          timeoutMs: 60_000,
        }),
      ),
    );
    expect(letters.find((l) => l.readingId === late.readingId)?.reason).toBe('NO_ASSIGNMENT_AT_MEASURED_TIME');
    const fromNode = parse<EnrichedReading>(await enrichedBy(TOPICS.enrichedReadings, late.readingId, since)).find(
      (e) => e.reading.readingId === late.readingId,
    );
    expect(fromNode?.bedLabel).toBe('A');
  });
  it('a rule moved to another metric no longer applies to the one it left (both engines)', async () => {
    const device = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
    const patient = (
      await hospital.db.query<{ patient_id: string }>('SELECT patient_id FROM device_assignments WHERE device_id = $1', [device])
    ).rows[0]!.patient_id;
    const rule = (
      await hospital.db.query<{ id: string }>(
        `INSERT INTO alert_thresholds (customer_id, scope, patient_id, metric, high, priority)
         VALUES ($1, 'patient', $2, 'heart_rate', 100, 'medium') RETURNING id`,
        [hospital.customerId, patient],
      )
    ).rows[0]!.id;
    await hospital.db.query("UPDATE alert_thresholds SET metric = 'resp_rate', high = 22 WHERE id = $1", [rule]);
    const at = Date.now() + 1_000;
    const ctx = { customerId: hospital.customerId, departmentId: hospital.departmentId, patientId: patient };
    await until(
      'the moved rule to reach the Node enricher',
      () =>
        node.state.bandsAt('resp_rate', ctx, at).some((b) => b.scope === 'patient') &&
        node.state.bandsAt('heart_rate', ctx, at).every((b) => b.scope !== 'patient'),
    );
    await flinkHasReference();
    const hr = reading(device, at, { value: 110 });
    const rr = reading(device, at + 1, { metric: 'resp_rate', value: 23, unit: '/min' });
    await produce(
      producer,
      input,
      [hr, rr].map((r) => ({ key: device, value: r })),
    );
    const ids = new Set([hr.readingId, rr.readingId]);
    const mine = (rs: readonly { value: string | null }[]) =>
      parse<EnrichedReading>(rs).filter((e) => ids.has(e.reading.readingId));
    const fromFlink = mine(await flinkWait(consumeUntil([flinkEnriched], (rs) => mine(rs).length === 2, { timeoutMs: 60_000 })));
    const fromNode = mine(
      await consumeUntil([TOPICS.enrichedReadings], (rs) => mine(rs).length === 2, { since, timeoutMs: 60_000 }),
    );
    const thresholdOf = (es: EnrichedReading[], id: string) => es.find((e) => e.reading.readingId === id)?.threshold;
    // Heart rate 110: the catalog's bands again (medium above 120), so normal.
    expect(thresholdOf(fromFlink, hr.readingId)).toEqual({ state: 'normal' });
    expect(thresholdOf(fromFlink, rr.readingId)).toEqual({ state: 'high', priority: 'medium', scope: 'patient', high: 22 });
    expect(fromFlink.map(comparable).sort((a, b) => a.reading.metric.localeCompare(b.reading.metric))).toEqual(
      fromNode.map(comparable).sort((a, b) => a.reading.metric.localeCompare(b.reading.metric)),
    );
  });
});
