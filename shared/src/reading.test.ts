import { describe, expect, it } from 'vitest';
import { checkReading, parseInstant, ReadingSchema } from './reading.js';
import { createValidator } from './validation.js';
import { newReadingId } from './ids.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');

describe('checkReading', () => {
  it('accepts a plausible reading and normalises its unit', () => {
    expect(checkReading({ metric: 'temperature', value: 98.6, unit: '[degF]', measuredAt: NOW - 1000 }, NOW)).toMatchObject({
      ok: true,
      metric: 'temperature',
      unit: 'Cel',
      measuredAtMs: NOW - 1000,
    });
  });

  it.each([
    [{ metric: 'blood_sugar', value: 5, measuredAt: NOW }, 'UNKNOWN_METRIC'],
    [{ metric: 'heart_rate', value: '72', measuredAt: NOW }, 'MALFORMED'],
    [{ metric: 'heart_rate', value: Number.NaN, measuredAt: NOW }, 'MALFORMED'],
    [{ metric: 'heart_rate', value: 72, unit: 'Hz', measuredAt: NOW }, 'UNIT_MISMATCH'],
    [{ metric: 'heart_rate', value: 900, measuredAt: NOW }, 'IMPLAUSIBLE_VALUE'],
    [{ metric: 'spo2', value: 101, measuredAt: NOW }, 'IMPLAUSIBLE_VALUE'],
    [{ metric: 'heart_rate', value: 72, measuredAt: undefined }, 'MISSING_TIMESTAMP'],
    [{ metric: 'heart_rate', value: 72, measuredAt: 'soon' }, 'MALFORMED'],
    [{ metric: 'heart_rate', value: 72, measuredAt: NOW + 3_600_000 }, 'FUTURE_TIMESTAMP'],
    [{ metric: 'heart_rate', value: 72, measuredAt: NOW - 400 * 86_400_000 }, 'STALE_TIMESTAMP'],
  ] as const)('refuses %j with %s', (input, reason) => {
    const r = checkReading(input as Parameters<typeof checkReading>[0], NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.detail.length).toBeGreaterThan(0);
    }
  });

  it('parses ISO-8601 and epoch milliseconds, nothing else', () => {
    expect(parseInstant('2026-11-25T10:00:00Z')).toBe(NOW);
    expect(parseInstant(NOW)).toBe(NOW);
    expect(parseInstant(1.5)).toBeNaN();
    expect(parseInstant({})).toBeNaN();
  });
});

describe('Reading schema', () => {
  const v = createValidator(ReadingSchema);
  const good = {
    readingId: newReadingId(),
    deviceId: 'MON-0001',
    deviceSeq: 3,
    metric: 'heart_rate',
    value: 72,
    unit: '/min',
    measuredAt: '2026-11-25T10:00:00.000Z',
    receivedAt: '2026-11-25T10:00:00.120Z',
    gatewayId: 'gw-icu-1',
  };
  it('accepts a well-formed reading', () => {
    expect(v.problems(good)).toEqual([]);
  });
  it('names the field that is wrong', () => {
    expect(v.check({ ...good, readingId: 'nope' })).toBe(false);
    expect(v.problems({ ...good, deviceId: 'bad id with spaces' }).join()).toMatch(/deviceId/);
    expect(() => v.parse({ ...good, extra: 1 })).toThrow(/Reading/);
  });
});
