/**
 * Fuzz of the enricher's CDC input (issue 19): the enricher runs as its own process (the real CLI) following a
 * private set of Debezium topics (`ENRICHER_CDC_TOPIC_PREFIX`), seeded with a small hospital as well-formed
 * change events. Then 10,000 change records of garbage: random bytes, random JSON, tombstones with odd keys,
 * mutated envelopes, and well-formed envelopes whose rows carry wrong types (ids that are objects, dates that are
 * not dates, numbers for text) for devices, assignments, patients, beds and thresholds.
 *
 * After every burst the follower must have consumed every record (`referenceEvents` on /api/status) and flagged
 * the bad ones (`referenceProblems`, each logged with its reason), readings of the devices whose rows were
 * damaged must not stop the consumer, and a valid reading of an intact device must still be enriched. At the
 * end every flagged record has its dead letter on a private reference-dlq (`ENRICHER_REFERENCE_DLQ_TOPIC`),
 * one per source offset, with the reason.
 */
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcTopic, TOPICS, waitFor, type CdcTable } from '@vitals/shared';
import { consumeUntil, markTopicEnds, uniqueSuffix } from '@vitals/stack/testing';
import {
  createTally,
  fuzzDebug,
  fuzzInputs,
  mutateBytes,
  mutateJson,
  randomJson,
  rssOf,
  type Rng,
} from '@vitals/stack/testing/fuzz';
import { ENRICHER_CDC_TABLES } from '../src/enricher/cdc-follower.js';
import { startCliService, type CliService } from '../test/support/child-service.js';
import { createInputTopic, deleteTopics, reading, testKafka } from '../test/support/enricher-world.js';

const INPUTS = fuzzInputs(10_000);
const BURST = 2500;

const kafka = testKafka();
const sfx = uniqueSuffix();
const prefix = `fuzz-cdc-${sfx}`;
const group = `enricher-cdc-fuzz-${sfx}`;
const topicOf = (t: CdcTable) => cdcTopic(t, 'public', prefix);
let input: string;
let producer: Producer;
let enricher: CliService;
let url: string;

const ids = {
  customer: randomUUID(),
  department: randomUUID(),
  bed: randomUUID(),
  patient: randomUUID(),
  probeDevice: `PROBE-${sfx}`,
  probeAssignment: randomUUID(),
  victims: Array.from({ length: 5 }, (_, i) => ({ device: `VICTIM-${sfx}-${i}`, assignment: randomUUID() })),
};

function envelope(row: Record<string, unknown>, op = 'c') {
  const ts = Date.now();
  return { before: null, after: row, source: { ts_ms: ts, db: 'vitals', schema: 'public', table: 'x', lsn: ts }, op, ts_ms: ts };
}

function rowsFor(table: CdcTable, id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Partial<Record<CdcTable, Record<string, unknown>>> = {
    customers: { id, name: 'Fuzz hospital' },
    departments: { id, customer_id: ids.customer, name: 'ICU', code: 'ICU' },
    beds: { id, customer_id: ids.customer, department_id: ids.department, label: 'A' },
    patients: { id, customer_id: ids.customer, deleted_at: null },
    devices: { id, customer_id: ids.customer, model: 'fuzz', deleted_at: null },
    device_assignments: {
      id,
      customer_id: ids.customer,
      device_id: ids.probeDevice,
      patient_id: ids.patient,
      bed_id: ids.bed,
      valid_from: new Date(Date.now() - 3_600_000).toISOString(),
      valid_to: null,
    },
    alert_thresholds: {
      id,
      customer_id: ids.customer,
      scope: 'customer',
      department_id: null,
      patient_id: null,
      metric: 'heart_rate',
      low: 40,
      high: 130,
      priority: 'high',
      hysteresis: 2,
    },
  };
  return { ...base[table], ...over };
}

async function send(records: Array<{ table: CdcTable; key: Buffer | null; value: Buffer | null }>) {
  const byTopic = new Map<string, Array<{ key: Buffer | null; value: Buffer | null }>>();
  for (const r of records)
    byTopic.set(topicOf(r.table), [...(byTopic.get(topicOf(r.table)) ?? []), { key: r.key, value: r.value }]);
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

const j = (v: unknown) => Buffer.from(JSON.stringify(v));

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...[...ENRICHER_CDC_TABLES, 'cdc_heartbeat' as CdcTable].map((t) => ({
        topic: topicOf(t),
        numPartitions: 1,
        replicationFactor: 1,
      })),
      {
        topic: referenceDlq,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
  });
  await admin.disconnect();
  input = await createInputTopic(kafka, 1);
  producer = kafka.producer();
  await producer.connect();
  const seed: Array<{ table: CdcTable; id: string; over?: Record<string, unknown> }> = [
    { table: 'customers', id: ids.customer },
    { table: 'departments', id: ids.department },
    { table: 'beds', id: ids.bed },
    { table: 'patients', id: ids.patient },
    { table: 'devices', id: ids.probeDevice },
    { table: 'device_assignments', id: ids.probeAssignment },
    ...ids.victims.flatMap((v) => [
      { table: 'devices' as CdcTable, id: v.device },
      { table: 'device_assignments' as CdcTable, id: v.assignment, over: { device_id: v.device } },
    ]),
  ];
  await send(seed.map((s) => ({ table: s.table, key: j({ id: s.id }), value: j(envelope(rowsFor(s.table, s.id, s.over))) })));
  enricher = startCliService('enricher', {
    ENRICHER_GROUP_ID: group,
    ENRICHER_INPUT_TOPIC: input,
    ENRICHER_CHANGELOG_TOPIC: `${group}-changelog`,
    ENRICHER_CDC_TOPIC_PREFIX: prefix,
    ENRICHER_REFERENCE_DLQ_TOPIC: referenceDlq,
    ENRICHER_CDC_MAX_HOLD: '0s',
    ENRICHER_GRACE: '1500ms',
    ENRICHER_DEVICE_SILENCE: '1h',
    LOG_LEVEL: fuzzDebug() ? 'warn' : 'silent',
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

const ODD_VALUES = [
  {},
  [],
  5,
  -1,
  1e308,
  '',
  'not-a-date',
  'x'.repeat(5000),
  null,
  true,
  '2026-13-45T99:99:99Z',
  { id: 'nested' },
];

function garbage(rng: Rng): { table: CdcTable; key: Buffer | null; value: Buffer | null } {
  const table = rng.pick(ENRICHER_CDC_TABLES);
  const victim = rng.pick(ids.victims);
  const id =
    table === 'devices'
      ? victim.device
      : table === 'device_assignments'
        ? victim.assignment
        : rng.pick([randomUUID(), ids.patient, ids.bed]);
  // Never touch the probe's own rows: the probe reading after each burst must still find them intact.
  const safeId = id === ids.patient || id === ids.bed ? randomUUID() : id;
  const row = rowsFor(table, safeId, table === 'device_assignments' ? { device_id: victim.device } : {});
  const valid = envelope(row, rng.pick(['c', 'u', 'r', 'd']));
  const kind = rng.weighted<string>([
    [4, 'wrong-types'],
    [4, 'mutated'],
    [2, 'mutated-bytes'],
    [1, 'random-bytes'],
    [1, 'random-json'],
    [1, 'tombstone'],
    [1, 'odd-op'],
  ]);
  const key = rng.weighted<Buffer | null>([
    [8, j({ id: safeId })],
    [1, null],
    [1, rng.bytes(rng.int(0, 32))],
    [1, j(randomJson(rng, 2))],
  ]);
  switch (kind) {
    case 'wrong-types': {
      const bad = { ...row };
      for (let n = rng.int(1, 3); n > 0; n--) bad[rng.pick(Object.keys(row))] = rng.pick(ODD_VALUES);
      if (bad.id === undefined || typeof bad.id !== 'string') bad.id = rng.bool(0.5) ? safeId : bad.id;
      return { table, key, value: j(envelope(bad, rng.pick(['c', 'u', 'r']))) };
    }
    case 'mutated':
      return { table, key, value: j(mutateJson(rng, valid)) };
    case 'mutated-bytes':
      return { table, key, value: mutateBytes(rng, j(valid)) };
    case 'random-bytes':
      return { table, key, value: rng.bytes(rng.int(0, 1024)) };
    case 'random-json':
      return { table, key, value: j(randomJson(rng, 4)) };
    case 'tombstone':
      return { table, key, value: null };
    default:
      return { table, key, value: j({ ...valid, op: rng.pick(['t', 'm', 'x', '', 'C']) }) };
  }
}

const referenceDlq = `${prefix}-reference-dlq`;

interface Status {
  referenceEvents: number;
  referenceProblems: number;
  referenceDeadLetters: { sent: number; failed: number };
}

async function status(): Promise<Status> {
  return (await (await fetch(`${url}/api/status`)).json()) as Status;
}

describe('enricher CDC input fuzz', () => {
  it(`${INPUTS} change records of garbage: all consumed and flagged, the consumer keeps joining`, async () => {
    const t = createTally('kafka-cdc');
    let produced = (await status()).referenceEvents;
    for (let start = 0; start < INPUTS; start += BURST) {
      const n = Math.min(BURST, INPUTS - start);
      const before = await status();
      for (let i = start; i < start + n; i += 250) {
        await send(Array.from({ length: Math.min(250, start + n - i) }, (_, k) => garbage(t.rng.fork(`#${i + k}`))));
      }
      produced += n;
      try {
        await waitFor(async () => (await status()).referenceEvents >= produced, {
          timeoutMs: 60_000,
          intervalMs: 200,
          what: `the follower to consume ${produced} change records`,
        });
      } catch (err) {
        t.crash(`burst from #${start}: ${String(err).slice(0, 200)}`);
      }
      const after = await status();
      const problems = after.referenceProblems - before.referenceProblems;
      for (let k = 0; k < n; k++) t.outcome(k < problems ? 'flagged' : 'applied-or-ignored');
      // Readings of the devices whose rows were damaged: enriched or dead-lettered, the consumer must not stop.
      const since = await markTopicEnds([TOPICS.enrichedReadings, TOPICS.readingsDlq]);
      await producer.send({
        topic: input,
        acks: -1,
        messages: ids.victims.map((v) => ({ key: v.device, value: JSON.stringify(reading(v.device, Date.now() - 500)) })),
      });
      const good = reading(ids.probeDevice, Date.now() - 400);
      await producer.send({ topic: input, acks: -1, messages: [{ key: ids.probeDevice, value: JSON.stringify(good) }] });
      if (!enricher.alive()) {
        t.crash(`the enricher exited after the burst from #${start}`);
        t.validAfter(false, 'enricher gone');
        break;
      }
      try {
        const [out] = await consumeUntil([TOPICS.enrichedReadings], (rs) => rs.length > 0, {
          since,
          timeoutMs: 60_000,
          filter: (r) => (r.value ?? '').includes(good.readingId),
        });
        const enriched = JSON.parse(out!.value!) as { patientId: string };
        t.validAfter(enriched.patientId === ids.patient, `probe enriched with patient ${enriched.patientId}`);
      } catch (err) {
        t.validAfter(false, `after the burst from #${start}: ${String(err).slice(0, 200)}`);
        if (fuzzDebug()) process.stderr.write(`${enricher.output.slice(-40).join('\n')}\n`);
      }
      if (!enricher.alive()) t.crash(`the enricher exited on the readings after the burst from #${start}`);
    }
    // Every flagged record has one dead letter, keyed by its source offset, with the reason.
    const final = await status();
    const letters = new Map<string, { reason: string; source: { topic: string } }>();
    let read = 0;
    try {
      await consumeUntil(
        [referenceDlq],
        (rs) => {
          // Called with every record so far: parse only the new ones.
          for (const r of rs.slice(read)) {
            letters.set(r.key ?? '', JSON.parse(r.value ?? 'null') as { reason: string; source: { topic: string } });
          }
          read = rs.length;
          return letters.size >= final.referenceProblems;
        },
        { timeoutMs: 60_000 },
      );
    } catch (err) {
      t.crash(`reference dead letters: ${letters.size} of ${final.referenceProblems}: ${String(err).slice(0, 200)}`);
    }
    const s = t.finish({
      rssMiB: { enricher: rssOf(enricher.child.pid) },
      note: `${letters.size} reference dead letters for ${final.referenceProblems} refused records, ${final.referenceDeadLetters.failed} failed sends`,
    });
    expect(letters.size).toBe(final.referenceProblems);
    expect(final.referenceDeadLetters).toEqual({ sent: final.referenceProblems, failed: 0 });
    expect(new Set([...letters.values()].map((l) => l.reason))).toEqual(new Set(['REFERENCE_CHANGE_REFUSED']));
    expect([...letters.values()].every((l) => l.source.topic.startsWith(prefix))).toBe(true);
    expect(s.crashSamples).toEqual([]);
    expect(s.crashes).toBe(0);
    expect(s.inputs).toBe(INPUTS);
    expect(s.outcomes.flagged ?? 0).toBeGreaterThan(0);
    expect(s.validAfter).toBe(true);
    expect(enricher.alive()).toBe(true);
  });
});
