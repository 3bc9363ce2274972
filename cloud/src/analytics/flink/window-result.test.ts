import { describe, expect, it } from 'vitest';
import { coalesceResults, decodeWindowResult, type WindowResult } from './window-result.js';

const row = (o: Partial<WindowResult> = {}): WindowResult => ({
  query_id: 'patient-1m',
  customer_id: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  group_kind: 'patient',
  group_id: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  metric: 'heart_rate',
  window_start_ms: 1_796_312_280_000,
  window_end_ms: 1_796_312_340_000,
  count: 2,
  sum_milli: 153_000,
  min: 76,
  max: 77,
  last: 77,
  last_measured_at_ms: 1_796_312_310_000,
  last_news2: 0,
  department_id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  bed_id: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a',
  is_final: false,
  ...o,
});

describe('decodeWindowResult', () => {
  it('reads a row the job wrote, a tombstone, and tells what is wrong with anything else', () => {
    expect(decodeWindowResult(JSON.stringify(row()))).toEqual({ kind: 'row', row: row() });
    expect(decodeWindowResult(null)).toEqual({ kind: 'tombstone' });
    expect(decodeWindowResult('{')).toMatchObject({ kind: 'malformed', detail: expect.stringContaining('not JSON') });
    const bad = decodeWindowResult(JSON.stringify({ ...row(), count: 0 }));
    expect(bad).toMatchObject({ kind: 'malformed', detail: expect.stringContaining('/count') });
  });
});

describe('coalesceResults', () => {
  it('keeps one row per window: the final one, else the running row with the most readings', () => {
    const other = row({ group_id: '0b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' });
    const out = coalesceResults([
      row({ count: 3 }),
      row({ count: 2 }),
      other,
      row({ count: 4, is_final: true }),
      row({ count: 5 }),
    ]);
    expect(out).toEqual([other, row({ count: 4, is_final: true })]);
    expect(coalesceResults([row({ count: 1 }), row({ count: 3 }), row({ count: 2 })])).toEqual([row({ count: 3 })]);
  });
});
