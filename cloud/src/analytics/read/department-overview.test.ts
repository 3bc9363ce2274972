import { describe, expect, it } from 'vitest';
import type { WindowRow } from '../windows/window-row.js';
import { departmentOverview } from './department-overview.js';

const row = (o: Partial<WindowRow>): WindowRow => ({
  queryId: 'patient-1m',
  customerId: 'c',
  groupKind: 'patient',
  groupId: 'pa',
  departmentId: 'd1',
  bedId: 'b1',
  metric: 'heart_rate',
  windowStart: 0,
  windowEnd: 60_000,
  count: 2,
  sum: 200,
  min: 90,
  max: 110,
  last: 110,
  lastMeasuredAt: 50_000,
  lastNews2: 1,
  revision: 2,
  final: false,
  ...o,
});

describe('department overview', () => {
  it('latest value per metric and the NEWS2 total of the latest sub-scores, highest first', () => {
    const out = departmentOverview('d1', [
      row({}),
      row({ metric: 'spo2', last: 91, lastNews2: 3, lastMeasuredAt: 55_000 }),
      row({ metric: 'nibp_dia', last: 70, lastNews2: null }),
      row({ groupId: 'pb', lastNews2: 0, last: 70 }),
    ]);
    expect(out.map((p) => [p.patientId, p.news2.total, p.news2.risk])).toEqual([
      ['pa', 4, 'low-medium'],
      ['pb', 0, 'low'],
    ]);
    expect(out[0]!.news2.scored).toEqual(['heart_rate', 'spo2']);
    expect(out[0]!.metrics.heart_rate).toMatchObject({ value: 110, avg: 100, news2: 1 });
    expect(out[0]!.lastMeasuredAt).toBe(new Date(55_000).toISOString());
  });

  it('leaves out a patient whose newest reading was in another department', () => {
    const out = departmentOverview('d1', [row({}), row({ metric: 'spo2', departmentId: 'd2', lastMeasuredAt: 59_000 })]);
    expect(out).toEqual([]);
  });
});
