/** Builders for the enricher's unit tests: Debezium events and readings. Test-only. */
import { newReadingId, type ChangeEvent, type Reading } from '@vitals/shared';
import { ReferenceState } from './reference-state.js';

export const IDS = {
  customer: '00000000-0000-4000-8000-000000000001',
  department: '00000000-0000-4000-8000-000000000002',
  bedA: '00000000-0000-4000-8000-00000000000a',
  bedB: '00000000-0000-4000-8000-00000000000b',
  patient: '00000000-0000-4000-8000-000000000003',
  patient2: '00000000-0000-4000-8000-000000000004',
  assignA: '00000000-0000-4000-8000-0000000000a1',
  assignB: '00000000-0000-4000-8000-0000000000b1',
};

export function upsert(
  row: Record<string, unknown>,
  committedAtMs = 0,
  op: 'r' | 'c' | 'u' = 'c',
): ChangeEvent<Record<string, unknown>> {
  return { kind: 'upsert', op, key: { id: row.id }, row, before: null, committedAtMs, source: { ts_ms: committedAtMs } };
}

export function remove(row: Record<string, unknown>, committedAtMs = 0): ChangeEvent<Record<string, unknown>> {
  return { kind: 'delete', key: { id: row.id }, before: row, committedAtMs, source: { ts_ms: committedAtMs } };
}

/** A ward: one customer, department, beds A and B, a patient, device MON-1 on bed A from `from`. */
export function ward(from = '2026-11-25T08:00:00Z'): ReferenceState {
  const s = new ReferenceState();
  s.apply('customers', upsert({ id: IDS.customer, name: 'H', patient_name_policy: 'initials' }));
  s.apply('departments', upsert({ id: IDS.department, customer_id: IDS.customer, name: 'ICU', code: 'ICU' }));
  s.apply('beds', upsert({ id: IDS.bedA, customer_id: IDS.customer, department_id: IDS.department, label: 'A' }));
  s.apply('beds', upsert({ id: IDS.bedB, customer_id: IDS.customer, department_id: IDS.department, label: 'B' }));
  s.apply('patients', upsert({ id: IDS.patient, customer_id: IDS.customer }));
  s.apply('patients', upsert({ id: IDS.patient2, customer_id: IDS.customer }));
  s.apply('devices', upsert({ id: 'MON-1', customer_id: IDS.customer, model: 'x', deleted_at: null }));
  s.apply('device_assignments', upsert(assignment(IDS.assignA, IDS.bedA, from, null)));
  return s;
}

export function assignment(id: string, bed: string, from: string, to: string | null, patient = IDS.patient) {
  return { id, customer_id: IDS.customer, device_id: 'MON-1', patient_id: patient, bed_id: bed, valid_from: from, valid_to: to };
}

export function reading(measuredAt: string, over: Partial<Reading> = {}): Reading {
  return {
    readingId: newReadingId(),
    deviceId: 'MON-1',
    deviceSeq: 1,
    metric: 'heart_rate',
    value: 72,
    unit: '/min',
    measuredAt,
    receivedAt: measuredAt,
    gatewayId: 'gw-1',
    ...over,
  };
}
