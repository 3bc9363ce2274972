import { describe, expect, it } from 'vitest';
import { toSeries, upsertWindow, windowOf, type WindowPoint } from './chart-data.js';

const w = (start: string, avg: number, revision = 1): WindowPoint => ({
  windowStart: start,
  windowEnd: start,
  avg,
  min: avg - 1,
  max: avg + 1,
  count: 2,
  revision,
});

describe('chart data', () => {
  it('reads a window from a REST object or a stream row', () => {
    expect(
      windowOf({
        windowStart: '2026-01-01T10:00:00.000Z',
        windowEnd: '2026-01-01T10:01:00.000Z',
        avg: 71.5,
        min: 70,
        max: 73,
        count: 2,
        revision: 3,
      }),
    ).toEqual({
      windowStart: '2026-01-01T10:00:00.000Z',
      windowEnd: '2026-01-01T10:01:00.000Z',
      avg: 71.5,
      min: 70,
      max: 73,
      count: 2,
      revision: 3,
    });
    expect(windowOf({ metric: 'heart_rate' })).toBeUndefined();
  });
  it('replaces a window by its start unless the stored revision is newer, keeps order, drops what left the range', () => {
    const list = [w('2026-01-01T10:00:00.000Z', 70), w('2026-01-01T10:02:00.000Z', 72, 5)];
    expect(upsertWindow(list, w('2026-01-01T10:01:00.000Z', 71)).map((x) => x.avg)).toEqual([70, 71, 72]);
    expect(upsertWindow(list, w('2026-01-01T10:02:00.000Z', 99, 4)).map((x) => x.avg)).toEqual([70, 72]);
    expect(upsertWindow(list, w('2026-01-01T10:02:00.000Z', 99, 6)).map((x) => x.avg)).toEqual([70, 99]);
    expect(
      upsertWindow(list, w('2026-01-01T10:03:00.000Z', 73), Date.parse('2026-01-01T10:01:00.000Z')).map((x) => x.avg),
    ).toEqual([72, 73]);
  });
  it('makes aligned series: seconds, average, minimum, maximum', () => {
    expect(toSeries([w('2026-01-01T10:00:00.000Z', 70)])).toEqual([
      [Date.parse('2026-01-01T10:00:00.000Z') / 1000],
      [70],
      [69],
      [71],
    ]);
  });
});
