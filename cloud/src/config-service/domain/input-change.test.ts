import { describe, expect, it } from 'vitest';
import { decodeChangeNotice, emptyScope, mergeScopes, scopeOfChange } from './input-change.js';

const C = '00000000-0000-4000-8000-0000000000c1';

describe('input change notifications', () => {
  it('decodes what the V6 trigger sends', () => {
    const payload = JSON.stringify({
      op: 'UPDATE',
      table: 'device_assignments',
      customer: C,
      ids: { bed_id: ['b1', 'b2'], device_id: ['MON-1'], patient_id: ['p1'] },
    });
    expect(decodeChangeNotice(payload)).toEqual({
      ...emptyScope(C),
      bedIds: ['b1', 'b2'],
      deviceIds: ['MON-1'],
      patientIds: ['p1'],
    });
  });

  it('customer-wide changes affect every gateway of the customer', () => {
    expect(scopeOfChange('customers', C, { id: [C] })?.all).toBe(true);
    expect(scopeOfChange('alert_thresholds', C, { scope: ['customer'], department_id: [], patient_id: [] })?.all).toBe(true);
    expect(scopeOfChange('alert_thresholds', C, { scope: ['department'], department_id: ['d1'] })).toMatchObject({
      all: false,
      departmentIds: ['d1'],
    });
  });

  it('ignores tables that feed no document and malformed payloads', () => {
    expect(scopeOfChange('departments', C, {})).toBeUndefined();
    expect(decodeChangeNotice('not json')).toBeUndefined();
    expect(decodeChangeNotice(JSON.stringify({ table: 'beds', customer: 'nope', ids: {} }))).toBeUndefined();
    expect(decodeChangeNotice(JSON.stringify({ table: 'beds', customer: C, ids: { id: 'x' } }))).toBeUndefined();
  });

  it('scopes of a customer merge without duplicates', () => {
    const a = { ...emptyScope(C), bedIds: ['b1'], models: ['m'] };
    const b = { ...emptyScope(C), bedIds: ['b1', 'b2'] };
    expect(mergeScopes(a, b)).toMatchObject({ all: false, bedIds: ['b1', 'b2'], models: ['m'] });
    expect(() => mergeScopes(a, emptyScope('00000000-0000-4000-8000-0000000000c2'))).toThrow();
  });
});
