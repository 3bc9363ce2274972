/**
 * Reconciliation against what the simulator recorded: every reading acknowledged to a monitor must be in
 * PostgreSQL exactly once, in enriched-readings or readings-dlq exactly once (committed), and counted exactly
 * once in its 1-minute window (unless analytics sent it to late-readings).
 */
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { TOPICS, waitFor } from '@vitals/shared';
import type { Simulation } from '@vitals/firmware-sim';
import { readPartitionRanges, topicBounds } from '../../../cloud/src/kafka/partition-reader.js';

export interface Reconciliation {
  /** Readings acknowledged to the monitors (distinct device, measured-at time and metric). */
  readonly sent: number;
  readonly inPostgres: number;
  readonly lostInPostgres: number;
  readonly duplicatesInPostgres: number;
  /** Of the readings in PostgreSQL: missing from enriched-readings and readings-dlq. */
  readonly lostDownstream: number;
  readonly duplicatesDownstream: number;
  readonly deadLettered: number;
  readonly late: number;
  /** 1-minute windows whose committed count differs from the enriched readings that belong to them. */
  readonly windowMismatches: number;
  readonly windowsChecked: number;
}

export const clean = (r: Reconciliation): boolean =>
  r.lostInPostgres === 0 &&
  r.duplicatesInPostgres === 0 &&
  r.lostDownstream === 0 &&
  r.duplicatesDownstream === 0 &&
  r.windowMismatches === 0;

const key = (deviceId: string, measuredAtMs: number, metric: string) => `${deviceId}|${measuredAtMs}|${metric}`;

async function readTopic(kafka: Kafka, topic: string, onValue: (value: string) => void): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const bounds = await topicBounds(admin, topic);
    await readPartitionRanges(
      kafka,
      { topic, ranges: new Map([...bounds].map(([p, b]) => [p, { from: b.low, to: b.high }])), timeoutMs: 120_000 },
      (_p, m) => {
        if (m.value) onValue(m.value.toString('utf8'));
      },
    );
  } finally {
    await admin.disconnect();
  }
}

export async function reconcile(o: {
  sim: Simulation;
  db: pg.Pool;
  brokers: readonly string[];
  customerId: string;
  windowQuery: string;
}): Promise<Reconciliation> {
  const expected = new Set(o.sim.ledger.expectedReadings().map((e) => key(e.deviceId, e.measuredAtMs, e.metric)));
  const rows = (
    await o.db.query<{ reading_id: string; device_id: string; metric: string; at: string }>(
      `SELECT reading_id, device_id, metric, (extract(epoch FROM measured_at) * 1000)::bigint::text AS at FROM readings WHERE customer_id = $1`,
      [o.customerId],
    )
  ).rows;
  const pgByKey = new Map<string, number>();
  for (const r of rows)
    pgByKey.set(key(r.device_id, Number(r.at), r.metric), (pgByKey.get(key(r.device_id, Number(r.at), r.metric)) ?? 0) + 1);
  const lostInPostgres = [...expected].filter((k) => !pgByKey.has(k)).length;
  const duplicatesInPostgres = [...pgByKey.values()].filter((n) => n > 1).length;

  const ids = new Set(rows.map((r) => r.reading_id));
  const kafka = new Kafka({ clientId: 'faults-reconcile', brokers: [...o.brokers], logLevel: logLevel.NOTHING });
  const seen = new Map<string, number>();
  const windows = new Map<string, number>();
  let deadLettered = 0;
  let late = 0;
  const count = (id: string | undefined) => id && seen.set(id, (seen.get(id) ?? 0) + 1);
  await readTopic(kafka, TOPICS.enrichedReadings, (v) => {
    const e = JSON.parse(v) as {
      reading: { readingId: string; metric: string; measuredAt: string };
      patientId: string;
      customerId: string;
    };
    if (e.customerId !== o.customerId) return;
    count(e.reading.readingId);
    const start = Math.floor(Date.parse(e.reading.measuredAt) / 60_000) * 60_000;
    const w = `${e.patientId}|${e.reading.metric}|${start}`;
    windows.set(w, (windows.get(w) ?? 0) + 1);
  });
  await readTopic(kafka, TOPICS.readingsDlq, (v) => {
    const d = JSON.parse(v) as { readingId?: string };
    if (d.readingId && ids.has(d.readingId)) {
      deadLettered++;
      count(d.readingId);
    }
  });
  await readTopic(kafka, TOPICS.lateReadings, (v) => {
    const e = JSON.parse(v) as { reading?: { metric: string; measuredAt: string }; patientId?: string; customerId?: string };
    if (e.customerId !== o.customerId || !e.reading || !e.patientId) return;
    late++;
    const start = Math.floor(Date.parse(e.reading.measuredAt) / 60_000) * 60_000;
    const w = `${e.patientId}|${e.reading.metric}|${start}`;
    windows.set(w, (windows.get(w) ?? 0) - 1);
  });
  const lostDownstream = [...ids].filter((id) => !seen.has(id)).length;
  const duplicatesDownstream = [...seen.values()].filter((n) => n > 1).length;

  const committed = await o.db.query<{ group_id: string; metric: string; start: string; count: string }>(
    `SELECT group_id, metric, (extract(epoch FROM window_start) * 1000)::bigint::text AS start, count::text
       FROM window_aggregates WHERE query_id = $1 AND customer_id = $2`,
    [o.windowQuery, o.customerId],
  );
  const inPg = new Map(committed.rows.map((r) => [`${r.group_id}|${r.metric}|${r.start}`, Number(r.count)]));
  let windowMismatches = 0;
  for (const [w, n] of windows) if (n > 0 && inPg.get(w) !== n) windowMismatches++;
  for (const [w, n] of inPg) if ((windows.get(w) ?? 0) !== n) windowMismatches += windows.has(w) ? 0 : 1;
  return {
    sent: expected.size,
    inPostgres: rows.length,
    lostInPostgres,
    duplicatesInPostgres,
    lostDownstream,
    duplicatesDownstream,
    deadLettered,
    late,
    windowMismatches,
    windowsChecked: windows.size,
  };
}

/** Waits until the pipeline has caught up (everything acknowledged is everywhere, exactly once), or the deadline. */
export async function reconcileWhenSettled(o: Parameters<typeof reconcile>[0], timeoutMs: number): Promise<Reconciliation> {
  let last: Reconciliation | undefined;
  try {
    await waitFor(
      async () => {
        last = await reconcile(o);
        return clean(last);
      },
      { timeoutMs, intervalMs: 2_000, what: 'the pipeline to settle' },
    );
  } catch {
    // The last reconciliation says what is wrong.
  }
  return last!;
}
