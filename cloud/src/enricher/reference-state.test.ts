import { describe, expect, it } from 'vitest';
import { decodeChangeEvent } from '@vitals/shared';
import { ReferenceState } from './reference-state.js';
import { IDS, assignment, remove, upsert, ward } from './test-fixtures.js';

const t = (iso: string) => Date.parse(iso);

describe('reference state', () => {
  it('joins by the assignment whose validity contains the measurement time ([from, to))', () => {
    const s = ward();
    s.apply(
      'device_assignments',
      upsert(assignment(IDS.assignA, IDS.bedA, '2026-11-25T08:00:00Z', '2026-11-25T10:00:00Z'), 1, 'u'),
    );
    s.apply('device_assignments', upsert(assignment(IDS.assignB, IDS.bedB, '2026-11-25T10:00:00Z', null)));
    expect(s.assignmentAt('MON-1', t('2026-11-25T09:59:59Z'))?.bedId).toBe(IDS.bedA);
    expect(s.assignmentAt('MON-1', t('2026-11-25T10:00:00Z'))?.bedId).toBe(IDS.bedB);
    expect(s.assignmentAt('MON-1', t('2026-11-25T07:59:59Z'))).toBeUndefined();
  });

  it('refuses a row that does not match its table, keeping what it had (the fuzz suite found an object patient_id stopping the partition)', () => {
    const s = ward();
    const good = assignment(IDS.assignA, IDS.bedA, '2026-11-25T08:00:00Z', null);
    expect(s.apply('device_assignments', upsert(good))).toEqual({ applied: true });
    const revision = s.revision;
    for (const bad of [
      { ...good, patient_id: { id: 'nested' } },
      { ...good, device_id: 5 },
      { ...good, valid_to: 1e308 },
      { ...good, customer_id: null },
    ]) {
      const r = s.apply('device_assignments', upsert(bad, 1, 'u'));
      expect(r.applied).toBe(false);
      expect(r.problem).toMatch(/^row of device_assignments does not match its schema: \//);
    }
    expect(s.apply('devices', upsert({ id: 'MON-1', customer_id: [] }, 1, 'u')).problem).toMatch(/customer_id/);
    expect(s.apply('alert_thresholds', upsert({ id: 'r9', customer_id: IDS.customer, scope: 'ward' }, 1)).applied).toBe(false);
    expect(s.revision).toBe(revision);
    expect(s.assignmentAt('MON-1', t('2026-11-25T09:00:00Z'))?.patientId).toBe(IDS.patient);
    expect(s.device('MON-1')?.customer_id).toBe(IDS.customer);
  });

  it('ends an assignment on delete and forgets a deleted device', () => {
    const s = ward();
    s.apply('device_assignments', remove(assignment(IDS.assignA, IDS.bedA, '2026-11-25T08:00:00Z', null)));
    expect(s.assignmentAt('MON-1', t('2026-11-25T09:00:00Z'))).toBeUndefined();
    s.apply('devices', remove({ id: 'MON-1', customer_id: IDS.customer }));
    expect(s.device('MON-1')).toBeUndefined();
  });

  it('gives the same state when the change events are replayed (at-least-once CDC)', () => {
    const events: Array<[string, ReturnType<typeof upsert>]> = [
      ['alert_thresholds', upsert(rule(130), 1000)],
      ['alert_thresholds', upsert(rule(125), 2000, 'u')],
    ];
    const once = ward();
    const twice = ward();
    for (const [table, e] of events) once.apply(table, e);
    for (const [table, e] of [...events, ...events]) twice.apply(table, e);
    for (const at of [500, 1500, 2500]) {
      expect(twice.bandsAt('heart_rate', ctx, at)).toEqual(once.bandsAt('heart_rate', ctx, at));
    }
  });

  it('applies a rule version from its commit time; a snapshot read applies to all earlier times', () => {
    const s = ward();
    s.apply('alert_thresholds', upsert(rule(130), 0, 'r'));
    s.apply('alert_thresholds', upsert(rule(110), 5000, 'u'));
    expect(s.bandsAt('heart_rate', ctx, 1000).map((b) => b.high)).toEqual([130]);
    expect(s.bandsAt('heart_rate', ctx, 4999).map((b) => b.high)).toEqual([130]);
    expect(s.bandsAt('heart_rate', ctx, 5000).map((b) => b.high)).toEqual([110]);
    s.apply('alert_thresholds', remove(rule(110), 9000));
    expect(s.bandsAt('heart_rate', ctx, 9500).every((b) => b.scope === 'catalog')).toBe(true);
  });

  it('ignores disabled rules and rules of other patients, and reads numeric strings', () => {
    const s = ward();
    s.apply('alert_thresholds', upsert({ ...rule(130), id: 'r2', patient_id: IDS.patient2 }, 1));
    s.apply('alert_thresholds', upsert({ ...rule('115'), id: 'r3', enabled: false }, 1));
    s.apply(
      'alert_thresholds',
      upsert({ ...rule('118.5'), id: 'r4', scope: 'department', patient_id: null, department_id: IDS.department }, 1),
    );
    expect(s.bandsAt('heart_rate', ctx, 10).map((b) => [b.scope, b.high])).toEqual([['department', 118.5]]);
  });

  it('decodes real Debezium JSON through the shared decoder', () => {
    const s = new ReferenceState();
    const e = decodeChangeEvent(
      '{"id":"MON-9"}',
      JSON.stringify({ before: null, after: { id: 'MON-9', customer_id: IDS.customer }, source: { ts_ms: 1 }, op: 'c' }),
    );
    expect(s.apply('devices', e).applied).toBe(true);
    expect(s.device('MON-9')).toBeDefined();
    expect(s.apply('devices', decodeChangeEvent('{', '{')).applied).toBe(false);
  });

  it('prunes assignments that ended before the horizon and superseded rule versions', () => {
    const s = ward();
    s.apply(
      'device_assignments',
      upsert(assignment(IDS.assignA, IDS.bedA, '2026-11-25T08:00:00Z', '2026-11-25T09:00:00Z'), 1, 'u'),
    );
    s.apply('alert_thresholds', upsert(rule(130), 1000));
    s.apply('alert_thresholds', upsert(rule(120), 2000, 'u'));
    const pruned = s.prune(t('2026-11-25T12:00:00Z'));
    expect(pruned).toEqual({ assignments: 1, ruleVersions: 1 });
    expect(s.bandsAt('heart_rate', ctx, t('2026-11-25T12:00:00Z')).map((b) => b.high)).toEqual([120]);
  });
});

const ctx = { customerId: IDS.customer, departmentId: IDS.department, patientId: IDS.patient };

function rule(high: number | string) {
  return {
    id: 'r1',
    customer_id: IDS.customer,
    scope: 'patient',
    department_id: null,
    patient_id: IDS.patient,
    metric: 'heart_rate',
    low: null,
    high,
    priority: 'medium',
    hysteresis: '2',
    enabled: true,
  };
}
