import { describe, expect, it } from 'vitest';
import { batchFreshness, measuredAtOf } from './cdc-watermark.js';

const T = Date.parse('2026-11-25T10:00:00Z');

describe('batch freshness against the CDC watermark', () => {
  it('lets a batch through when the watermark has reached every measured-at time', () => {
    const records = [
      { measuredAtMs: T - 500, arrivedAtMs: T },
      { measuredAtMs: T, arrivedAtMs: T },
    ];
    expect(batchFreshness(records, T, T + 10, 3_000)).toEqual({ ready: true, unconfirmed: 0, confirmedThrough: T });
  });

  it('holds a batch with a reading newer than the watermark until the watermark needed or the latest deadline', () => {
    const records = [
      { measuredAtMs: T - 500, arrivedAtMs: T },
      { measuredAtMs: T + 200, arrivedAtMs: T + 250 },
      { measuredAtMs: T + 100, arrivedAtMs: T + 300 },
    ];
    expect(batchFreshness(records, T, T + 400, 3_000)).toEqual({ ready: false, needs: T + 200, until: T + 3_300 });
    expect(batchFreshness(records, T + 200, T + 400, 3_000)).toEqual({ ready: true, unconfirmed: 0, confirmedThrough: T + 200 });
  });

  it('releases readings after the longest hold and counts them as unconfirmed (CDC down, device clock ahead)', () => {
    const records = [
      { measuredAtMs: T + 60_000, arrivedAtMs: T },
      { measuredAtMs: T - 6_000, arrivedAtMs: T },
    ];
    expect(batchFreshness(records, T - 5_000, T + 2_999, 3_000).ready).toBe(false);
    expect(batchFreshness(records, T - 5_000, T + 3_000, 3_000)).toEqual({
      ready: true,
      unconfirmed: 1,
      confirmedThrough: T - 6_000,
    });
  });

  it('never holds a record without a measured-at time (the processor dead-letters it), nor when holding is off', () => {
    expect(batchFreshness([{ measuredAtMs: undefined, arrivedAtMs: T }], Number.NEGATIVE_INFINITY, T, 3_000)).toEqual({
      ready: true,
      unconfirmed: 0,
      confirmedThrough: Number.NEGATIVE_INFINITY,
    });
    expect(batchFreshness([{ measuredAtMs: T + 1, arrivedAtMs: T }], T, T, 0)).toEqual({
      ready: true,
      unconfirmed: 0,
      confirmedThrough: Number.NEGATIVE_INFINITY,
    });
  });
});

describe('measured-at of a raw-readings value', () => {
  it('reads it from the JSON without parsing the rest', () => {
    const value = JSON.stringify({ readingId: 'r1', deviceId: 'MON-1', measuredAt: '2026-11-25T10:00:00.123Z', value: 72 });
    expect(measuredAtOf(value)).toBe(T + 123);
  });

  it('is undefined for garbage, a missing field, an unparsable time or no value', () => {
    expect(measuredAtOf('not json')).toBeUndefined();
    expect(measuredAtOf(JSON.stringify({ readingId: 'r1' }))).toBeUndefined();
    expect(measuredAtOf(JSON.stringify({ measuredAt: 'yesterday at noon' }))).toBeUndefined();
    expect(measuredAtOf(null)).toBeUndefined();
  });
});
