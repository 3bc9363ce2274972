import { describe, expect, it } from 'vitest';
import { applyRow, mergeRest, overviewFromRest, scoreOf, sortRows, type OverviewResponse } from './overview-state.js';

const P = '00000000-0000-4000-8000-0000000000a1';
const rest: OverviewResponse = {
  patients: [
    {
      patientId: P,
      bedId: 'b1',
      lastMeasuredAt: '2026-01-01T10:00:00.000Z',
      metrics: {
        heart_rate: { value: 80, measuredAt: '2026-01-01T10:00:00.000Z' },
        resp_rate: { value: 22, measuredAt: '2026-01-01T10:00:00.000Z' },
      },
    },
  ],
};

describe('department overview state', () => {
  it('scores NEWS2 from the latest values of the scored parameters', () => {
    expect(
      scoreOf({
        heart_rate: { value: 131, measuredAt: '' },
        spo2: { value: 95, measuredAt: '' },
        nibp_dia: { value: 20, measuredAt: '' },
      }),
    ).toEqual({
      total: 4,
      risk: 'low-medium',
      scored: ['heart_rate', 'spo2'],
    });
  });

  it('applies a live row when it is newer, and rescores', () => {
    const o = overviewFromRest(rest);
    expect(o[P]?.news2.total).toBe(2);
    const row = { groupId: P, metric: 'heart_rate', last: 135, lastMeasuredAt: '2026-01-01T10:01:00.000Z', windowStart: 'x' };
    const next = applyRow(o, row);
    expect(next[P]?.metrics.heart_rate?.value).toBe(135);
    expect(next[P]?.news2.total).toBe(5);
    expect(next[P]?.live).toBe(true);
    expect(next[P]?.lastMeasuredAt).toBe('2026-01-01T10:01:00.000Z');
    expect(applyRow(next, { ...row, last: 60, lastMeasuredAt: '2026-01-01T09:00:00.000Z' })).toBe(next);
    expect(applyRow(next, { groupId: P, metric: 'heart_rate', last: null })).toBe(next);
  });

  it('adds a patient first seen live, and keeps live values newer than a REST answer that arrives late', () => {
    const Q = '00000000-0000-4000-8000-0000000000a2';
    const live = applyRow({}, { groupId: P, metric: 'heart_rate', last: 99, lastMeasuredAt: '2026-01-01T10:05:00.000Z' });
    const merged = mergeRest(
      applyRow(live, { groupId: Q, metric: 'spo2', last: 90, lastMeasuredAt: '2026-01-01T10:05:00.000Z' }),
      rest,
    );
    expect(merged[P]?.metrics.heart_rate?.value).toBe(99);
    expect(merged[P]?.metrics.resp_rate?.value).toBe(22);
    expect(merged[P]?.bedId).toBe('b1');
    expect(merged[Q]?.news2.total).toBe(3);
  });

  it('sorts by NEWS2, highest first, patients without values last, then by bed', () => {
    const rows = [
      { id: 'x', news2: null, bedLabel: 'A-1' },
      { id: 'y', news2: { total: 3 }, bedLabel: 'A-10' },
      { id: 'z', news2: { total: 3 }, bedLabel: 'A-2' },
      { id: 'w', news2: { total: 5 }, bedLabel: 'A-3' },
    ];
    expect(sortRows(rows).map((r) => r.id)).toEqual(['w', 'z', 'y', 'x']);
  });
});
