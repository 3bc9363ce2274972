import { describe, expect, it } from 'vitest';
import { catalogBands, TOPICS, type AlertEvent, type DeadLetter, type EnrichedReading } from '@vitals/shared';
import type { AlarmInput } from './alarm-input.js';
import { decodeChangelog } from './changelog.js';
import { PartitionProcessor, type Effects, type RawRecord } from './partition-processor.js';
import { IDS, assignment, reading, upsert, ward } from './test-fixtures.js';
import type { ReferenceState } from './reference-state.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const opts = { topic: 'raw-readings', partition: 0, graceMs: 5_000, dedupeWindowMs: 600_000, deviceSilenceMs: 60_000 };
let offset = 0;

function raw(value: unknown, key = 'MON-1'): RawRecord {
  return { offset: String(offset++), key, value: typeof value === 'string' ? value : JSON.stringify(value) };
}

const of = <T>(fx: Effects, topic: string) => fx.out.filter((o) => o.topic === topic).map((o) => JSON.parse(o.value) as T);

function processor(state: ReferenceState = ward()) {
  return new PartitionProcessor(opts, state);
}

describe('partition processor', () => {
  it('enriches a reading with patient, bed, department, LOINC, threshold state and NEWS2, keyed by patient', () => {
    const fx = processor().process([raw(reading('2026-11-25T11:59:00Z', { value: 125 }))], NOW);
    const [e] = of<EnrichedReading>(fx, TOPICS.enrichedReadings);
    expect(e).toMatchObject({
      customerId: IDS.customer,
      patientId: IDS.patient,
      bedId: IDS.bedA,
      bedLabel: 'A',
      departmentId: IDS.department,
      loinc: '8867-4',
      threshold: { state: 'high', priority: 'medium', scope: 'catalog' },
      news2: 2,
    });
    expect(fx.out.find((o) => o.topic === TOPICS.enrichedReadings)?.key).toBe(IDS.patient);
  });

  it('drops a duplicate reading id (an ingest retry), counting it', () => {
    const p = processor();
    const r = reading('2026-11-25T11:59:00Z');
    const fx = p.process([raw(r), raw(r)], NOW);
    expect(of(fx, TOPICS.enrichedReadings)).toHaveLength(1);
    expect(fx.counts.duplicates).toBe(1);
    expect(of(p.process([raw(r)], NOW + 1000), TOPICS.enrichedReadings)).toHaveLength(0);
  });

  it('sends garbage, wrong types and implausible values to the dead-letter topic with reason and source', () => {
    const fx = processor().process(
      [
        raw('not json'),
        raw({ ...reading('2026-11-25T11:59:00Z'), value: 'seventy' }),
        raw(reading('2026-11-25T11:59:00Z', { value: 900 })),
      ],
      NOW,
    );
    const letters = of<DeadLetter>(fx, TOPICS.readingsDlq);
    expect(letters.map((l) => l.reason)).toEqual(['MALFORMED', 'MALFORMED', 'IMPLAUSIBLE_VALUE']);
    expect(letters[0]).toMatchObject({ original: 'not json', source: { topic: 'raw-readings', partition: 0 } });
    expect(letters[1]?.readingId).toBeDefined();
  });

  it('holds a reading without reference data for the grace, and enriches it when the data arrives', () => {
    const state = ward();
    const p = processor(state);
    const r = reading('2026-11-25T11:59:00Z', { deviceId: 'MON-NEW' });
    const fx1 = p.process([raw(r, 'MON-NEW')], NOW);
    expect(fx1.out).toEqual([]);
    expect(fx1.changelog.map((c) => c.key)).toEqual([`h|${r.readingId}`]);
    state.apply('devices', upsert({ id: 'MON-NEW', customer_id: IDS.customer }));
    state.apply(
      'device_assignments',
      upsert({ ...assignment(IDS.assignB, IDS.bedB, '2026-11-25T08:00:00Z', null, IDS.patient2), device_id: 'MON-NEW' }),
    );
    const fx2 = p.tick(NOW + 1000);
    expect(of<EnrichedReading>(fx2, TOPICS.enrichedReadings)[0]?.bedId).toBe(IDS.bedB);
    expect(fx2.changelog).toContainEqual({ key: `h|${r.readingId}`, value: null });
  });

  it('dead-letters a held reading when the grace ends, saying so', () => {
    const p = processor();
    const unknown = reading('2026-11-25T11:59:00Z', { deviceId: 'MON-X' });
    const early = reading('2026-11-25T07:00:00Z');
    p.process([raw(unknown, 'MON-X'), raw(early)], NOW);
    expect(p.tick(NOW + 4_999).out).toEqual([]);
    const letters = of<DeadLetter>(p.tick(NOW + 5_000), TOPICS.readingsDlq);
    expect(letters.map((l) => [l.reason, l.afterGrace, l.readingId])).toEqual([
      ['UNKNOWN_DEVICE', true, unknown.readingId],
      ['NO_ASSIGNMENT_AT_MEASURED_TIME', true, early.readingId],
    ]);
  });

  it('raises, escalates and clears alerts keyed by patient, never for historical readings', () => {
    const p = processor();
    const values = [125, 145, 80];
    const kinds = values.map((v, i) =>
      of<AlertEvent>(p.process([raw(reading(`2026-11-25T11:5${i}:00Z`, { value: v }))], NOW), TOPICS.alerts),
    );
    expect(kinds.map((a) => a.map((x) => `${x.kind}:${x.priority}`))).toEqual([
      ['raise:medium'],
      ['escalate:high'],
      ['clear:high'],
    ]);
    expect(new Set(kinds.flat().map((a) => a.alertId)).size).toBe(1);
    const hist = p.process([raw(reading('2026-11-25T11:55:00Z', { value: 150, historical: true }))], NOW);
    expect(of(hist, TOPICS.alerts)).toEqual([]);
    expect(of(hist, TOPICS.enrichedReadings)).toHaveLength(1);
  });

  it('raises a technical alert when an assigned device goes silent, cleared by its next reading', () => {
    const p = processor();
    p.process([raw(reading('2026-11-25T11:59:00Z'))], NOW);
    expect(of(p.tick(NOW + 59_000), TOPICS.alerts)).toEqual([]);
    const raised = of<AlertEvent>(p.tick(NOW + 60_000), TOPICS.alerts);
    expect(raised.map((a) => [a.kind, a.category, a.condition])).toEqual([['raise', 'technical', 'device-offline']]);
    expect(of(p.tick(NOW + 120_000), TOPICS.alerts)).toEqual([]);
    const cleared = of<AlertEvent>(p.process([raw(reading('2026-11-25T12:02:00Z'))], NOW + 121_000), TOPICS.alerts);
    expect(cleared.map((a) => [a.kind, a.alertId])).toEqual([['clear', raised[0]?.alertId]]);
  });

  it('continues exactly where it left off after a restore from its changelog', () => {
    const p1 = processor();
    const writes = new Map<string, string | null>();
    const record = (fx: Effects) => fx.changelog.forEach((c) => writes.set(c.key, c.value));
    record(p1.process([raw(reading('2026-11-25T11:58:00Z', { value: 125 }))], NOW));
    const heldReading = reading('2026-11-25T11:58:30Z', { deviceId: 'MON-LATE' });
    record(p1.process([raw(heldReading, 'MON-LATE')], NOW));

    const p2 = processor();
    p2.restore(decodeChangelog(writes));
    expect(p2.heldCount).toBe(1);
    // The alarm raised before the restart is still active: a higher value escalates rather than raising anew.
    const fx = p2.process([raw(reading('2026-11-25T11:59:00Z', { value: 145 }))], NOW + 1000);
    expect(of<AlertEvent>(fx, TOPICS.alerts).map((a) => a.kind)).toEqual(['escalate']);
    // The held reading's grace still runs from its original arrival.
    expect(of<DeadLetter>(p2.tick(NOW + 5_000), TOPICS.readingsDlq).map((l) => l.readingId)).toEqual([heldReading.readingId]);
  });

  describe("as the Flink engine's alarm stage (input: alarm-inputs)", () => {
    const stage = () =>
      new PartitionProcessor(
        { ...opts, topic: 'alarm-inputs', input: 'alarm-inputs', outputs: { alerts: 'stage-alerts', dlq: 'stage-dlq' } },
        ward(),
      );
    /** What the Flink job writes for a reading of the ward's patient: every band of the catalog, and an unused one. */
    const alarmInput = (r: ReturnType<typeof reading>): AlarmInput => ({
      reading: r,
      customerId: IDS.customer,
      patientId: IDS.patient,
      departmentId: IDS.department,
      bedId: IDS.bedA,
      scope: 'catalog',
      bands: [
        ...catalogBands('heart_rate').map((b) => ({
          priority: b.priority,
          active: true,
          low: b.low ?? null,
          high: b.high ?? null,
          hysteresis: b.hysteresis,
        })),
        { priority: 'low' as const, active: false },
      ],
    });

    it('raises, escalates, holds by hysteresis and clears exactly as the join does from raw readings', () => {
      const join = processor();
      const alarms = stage();
      const values = [125, 145, 139, 131, 121, 119, 80, 30, 130];
      const fromJoin: AlertEvent[] = [];
      const fromStage: AlertEvent[] = [];
      values.forEach((value, i) => {
        const r = reading(`2026-11-25T11:${String(40 + i).padStart(2, '0')}:00Z`, { value });
        fromJoin.push(...of<AlertEvent>(join.process([raw(r)], NOW), TOPICS.alerts));
        fromStage.push(...of<AlertEvent>(alarms.process([raw(alarmInput(r))], NOW), 'stage-alerts'));
      });
      expect(fromStage).toEqual(fromJoin);
      // Not equal by being empty: the sequence crosses every transition.
      expect(new Set(fromStage.map((a) => a.kind))).toEqual(new Set(['raise', 'escalate', 'de-escalate', 'clear']));
    });

    it('writes no enriched readings, keeps device silence, and dead-letters a record that is not an alarm input', () => {
      const p = stage();
      const fx = p.process([raw(alarmInput(reading('2026-11-25T11:59:00Z'))), raw('{"reading": 1}')], NOW);
      expect(of(fx, TOPICS.enrichedReadings)).toEqual([]);
      const [letter] = of<DeadLetter>(fx, 'stage-dlq');
      expect(letter).toMatchObject({ reason: 'MALFORMED', source: { topic: 'alarm-inputs', partition: 0 } });
      expect(letter?.detail).toMatch(/^not an alarm input: /);
      const raised = of<AlertEvent>(p.tick(NOW + 60_000), 'stage-alerts');
      expect(raised.map((a) => [a.kind, a.condition, a.patientId])).toEqual([['raise', 'device-offline', IDS.patient]]);
    });
  });
});
