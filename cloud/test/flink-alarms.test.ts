/**
 * Alarms on the Flink engine: `vitals cloud enricher` with STREAM_ENGINE=flink (the Flink job and its alarm
 * stage over `alarm-inputs`) against the Node engine on the same raw input. Heart-rate values that raise,
 * escalate, de-escalate and clear on the catalog's bands, and on a patient rule with hysteresis that reaches
 * both through Debezium; then both devices fall silent and one comes back. Every physiological alert event is
 * compared field by field; the technical ones (their id and time are each engine's clock) by kind and device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { TOPICS, type AlertEvent, type Reading } from '@vitals/shared';
import {
  consumeUntil,
  createTopic,
  ensureFlinkCluster,
  markTopicEnds,
  testStackConfig,
  uniqueSuffix,
  type TopicMarks,
} from '@vitals/stack/testing';
import { loadEnricherConfig } from '../src/enricher/config.js';
import { flinkEnricherJobName, startFlinkEnricher, type RunningFlinkEnricher } from '../src/enricher/flink-service.js';
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
const sfx = uniqueSuffix();
const topics = {
  enrichedTopic: `flink-alarms-enriched-${sfx}`,
  dlqTopic: `flink-alarms-dlq-${sfx}`,
  alarmInputsTopic: `flink-alarms-inputs-${sfx}`,
  alertsTopic: `flink-alarms-alerts-${sfx}`,
};
const SILENCE_MS = 8_000;
let hospital: Hospital;
let node: RunningEnricher;
let flink: RunningFlinkEnricher | undefined;
let producer: Producer;
let input: string;
let since: TopicMarks;
const flinkConfig = () =>
  loadEnricherConfig(process.env, {
    port: 0,
    groupId: `flink-alarms-${sfx}`,
    inputTopic: input,
    streamEngine: 'flink',
    deviceSilenceMs: SILENCE_MS,
  });

beforeAll(async () => {
  await ensureFlinkCluster();
  since = await markTopicEnds([TOPICS.alerts]);
  hospital = await createHospital();
  input = await createInputTopic(kafka, 2);
  for (const topic of Object.values(topics)) await createTopic(stackConfig.kafkaBrokers, topic, 2);
  producer = kafka.producer();
  await producer.connect();
  const group = `flink-alarms-node-${sfx}`;
  node = await startEnricher(
    loadEnricherConfig(process.env, {
      port: 0,
      groupId: group,
      inputTopic: input,
      changelogTopic: `${group}-changelog`,
      graceMs: 1_500,
      deviceSilenceMs: SILENCE_MS,
      cdcMaxHoldMs: 20_000,
    }),
    { log: pino({ level: 'warn' }) },
  );
  flink = await startFlinkEnricher(flinkConfig(), { log: pino({ level: 'warn' }), topics });
}, 240_000);

afterAll(async () => {
  await flink?.close().catch(() => undefined);
  await node?.close();
  await producer?.disconnect();
  await hospital?.close();
  await deleteTopics(kafka, input);
  await deleteTopics(kafka, `flink-alarms-node-${sfx}`);
  await deleteTopics(kafka, `flink-alarms-${sfx}`);
  for (const topic of Object.values(topics)) await deleteTopics(kafka, topic);
});

function parse<T>(records: readonly { value: string | null }[]): T[] {
  return records.map((r) => JSON.parse(r.value ?? 'null') as T).filter((v) => v !== null);
}

describe('alarms on the Flink engine', () => {
  it('raises, escalates, de-escalates and clears the same alarms as the Node engine, and watches device silence', async () => {
    const monitorA = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
    const monitorB = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
    const patientOf = async (device: string) =>
      (
        await hospital.db.query<{ patient_id: string }>('SELECT patient_id FROM device_assignments WHERE device_id = $1', [
          device,
        ])
      ).rows[0]!.patient_id;
    const patientB = await patientOf(monitorB);
    // Patient B's own rule: medium above 100, let go only below 95.
    await hospital.db.query(
      `INSERT INTO alert_thresholds (customer_id, scope, patient_id, metric, high, priority, hysteresis)
       VALUES ($1, 'patient', $2, 'heart_rate', 100, 'medium', 5)`,
      [hospital.customerId, patientB],
    );
    const from = Date.now() + 1_000;
    const ctxB = { customerId: hospital.customerId, departmentId: hospital.departmentId, patientId: patientB };
    await until(
      'the monitors and the rule to reach the Node enricher',
      () =>
        node.state.assignmentAt(monitorA, from) !== undefined &&
        node.state.bandsAt('heart_rate', ctxB, from).some((b) => b.scope === 'patient' && b.hysteresis === 5),
    );
    await awaitFlinkReference(kafka, flinkEnricherJobName(flinkConfig()));

    const valuesA = [125, 145, 139, 131, 121, 119, 80];
    const valuesB = [104, 97, 94];
    const sent: Reading[] = [
      ...valuesA.map((value, i) => reading(monitorA, from + i * 100, { value, deviceSeq: i })),
      ...valuesB.map((value, i) => reading(monitorB, from + i * 100, { value, deviceSeq: i })),
    ];
    await produce(
      producer,
      input,
      sent.map((r) => ({ key: r.deviceId, value: r })),
    );

    const mine = (rs: readonly { value: string | null }[]) =>
      parse<AlertEvent>(rs).filter((a) => a.deviceId === monitorA || a.deviceId === monitorB);
    const physiological = (as: AlertEvent[], device: string) =>
      as.filter((a) => a.category === 'physiological' && a.deviceId === device);
    // Both clear at the end of their sequence; then each falls silent.
    const settled = (as: AlertEvent[]) =>
      [monitorA, monitorB].every(
        (d) =>
          physiological(as, d).at(-1)?.kind === 'clear' &&
          as.some((a) => a.deviceId === d && a.condition === 'device-offline' && a.kind === 'raise'),
      );
    const fromNode = mine(await consumeUntil([TOPICS.alerts], (rs) => settled(mine(rs)), { since, timeoutMs: 90_000 }));
    let fromFlink: AlertEvent[];
    try {
      fromFlink = mine(await consumeUntil([topics.alertsTopic], (rs) => settled(mine(rs)), { timeoutMs: 120_000 }));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await describeJobProgress(stackConfig.flinkRestUrl, flink!.job.jobId)}`);
    }

    for (const device of [monitorA, monitorB]) expect(physiological(fromFlink, device)).toEqual(physiological(fromNode, device));
    // The facts the comparison rests on.
    const kinds = (as: AlertEvent[], device: string) => physiological(as, device).map((a) => `${a.kind}:${a.priority}`);
    expect(kinds(fromFlink, monitorA)).toContain('escalate:high');
    expect(kinds(fromFlink, monitorA).some((k) => k.startsWith('de-escalate'))).toBe(true);
    // 97 is below the limit but inside the hysteresis: the alarm holds until 94.
    expect(kinds(fromFlink, monitorB)).toEqual(['raise:medium', 'clear:medium']);
    const cleared = physiological(fromFlink, monitorB).at(-1);
    expect(cleared?.value).toBe(94);
    expect(cleared?.patientId).toBe(patientB);

    // Device silence: one technical alarm per device; a reading from A ends A's.
    const technical = (as: AlertEvent[]) =>
      as
        .filter((a) => a.category === 'technical')
        .map((a) => `${a.deviceId === monitorA ? 'A' : 'B'}:${a.kind}:${a.condition}`)
        .sort();
    expect(technical(fromFlink)).toEqual(['A:raise:device-offline', 'B:raise:device-offline']);
    expect(technical(fromFlink)).toEqual(technical(fromNode));
    const back = reading(monitorA, Date.now() + 500, { deviceSeq: 100 });
    await produce(producer, input, [{ key: monitorA, value: back }]);
    const ended = (rs: readonly { value: string | null }[]) =>
      mine(rs).some((a) => a.deviceId === monitorA && a.condition === 'device-offline' && a.kind === 'clear');
    await consumeUntil([TOPICS.alerts], ended, { since, timeoutMs: 60_000 });
    await consumeUntil([topics.alertsTopic], ended, { timeoutMs: 60_000 });

    const status = JSON.parse((await flink!.app.inject({ method: 'GET', url: '/api/status' })).body) as {
      alarmStage: { input: string; partitions: number[] };
    };
    expect(status.alarmStage.input).toBe(topics.alarmInputsTopic);
    expect([...status.alarmStage.partitions].sort()).toEqual([0, 1]);
  }, 330_000);
});
