import { describe, expect, it } from 'vitest';
import { DEFAULT_READING_LIMITS } from '@vitals/shared';
import { applyDevices, candidatesOf, deviceIdsOf, planBatch, planReading } from './plan.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const ctx = { nowMs: NOW, limits: DEFAULT_READING_LIMITS, gatewayId: 'gw-a' };

function reading(over: Record<string, unknown> = {}) {
  return {
    readingId: '0195525a-0000-7000-8000-000000000001',
    deviceId: 'MON-1',
    deviceSeq: 7,
    metric: 'heart_rate',
    value: 72,
    unit: '/min',
    measuredAt: '2025-03-01T11:59:00Z',
    receivedAt: '2025-03-01T11:59:01Z',
    ...over,
  };
}

describe('planReading', () => {
  it('normalises a valid reading: canonical unit and value, UTC times, the authenticated gateway', () => {
    const e = planReading(reading({ metric: 'temperature', value: 98.6, unit: '[degF]', gatewayId: 'someone-else' }), ctx);
    expect(e.rejection).toBeUndefined();
    expect(e.reading).toMatchObject({
      metric: 'temperature',
      unit: 'Cel',
      gatewayId: 'gw-a',
      measuredAt: '2025-03-01T11:59:00.000Z',
    });
    expect(e.reading!.value).toBeCloseTo(37, 5);
  });

  it('rejects wrong types as MALFORMED with the field named, keeping the id for the response', () => {
    const e = planReading(reading({ value: 'seventy-two' }), ctx);
    expect(e.rejection?.reason).toBe('MALFORMED');
    expect(e.rejection?.detail).toMatch(/value/);
    expect(e.readingId).toBe('0195525a-0000-7000-8000-000000000001');
  });

  it('answers an unknown metric as UNKNOWN_METRIC, not MALFORMED', () => {
    expect(planReading(reading({ metric: 'blood_sugar' }), ctx).rejection?.reason).toBe('UNKNOWN_METRIC');
  });

  it('rejects implausible values and future timestamps with their reasons', () => {
    expect(planReading(reading({ value: 900 }), ctx).rejection?.reason).toBe('IMPLAUSIBLE_VALUE');
    expect(planReading(reading({ measuredAt: '2025-03-01T13:00:00Z' }), ctx).rejection?.reason).toBe('FUTURE_TIMESTAMP');
  });

  it('rejects unknown properties (the contract is exact) and non-objects', () => {
    expect(planReading(reading({ colour: 'red' }), ctx).rejection?.reason).toBe('MALFORMED');
    expect(planReading(42, ctx)).toEqual({ readingId: '', rejection: expect.objectContaining({ reason: 'MALFORMED' }) });
  });
});

describe('planBatch', () => {
  it('marks a repeat of the same reading as a repeat, and a different reading under the same id as a conflict', () => {
    const entries = planBatch([reading(), reading(), reading({ value: 80 })], ctx);
    expect(entries[0]!.repeatOf).toBeUndefined();
    expect(entries[1]!.repeatOf).toBe(0);
    expect(entries[2]!.rejection?.reason).toBe('CONFLICTING_DUPLICATE');
    expect(candidatesOf(entries)).toHaveLength(1);
  });
});

describe('applyDevices', () => {
  it('rejects devices of other customers as UNKNOWN_DEVICE and decommissioned ones as DEVICE_NOT_AUTHORISED', () => {
    const entries = planBatch(
      [
        reading(),
        reading({ readingId: '0195525a-0000-7000-8000-000000000002', deviceId: 'MON-2' }),
        reading({ readingId: '0195525a-0000-7000-8000-000000000003', deviceId: 'MON-3' }),
      ],
      ctx,
    );
    expect(deviceIdsOf(entries)).toEqual(['MON-1', 'MON-2', 'MON-3']);
    const out = applyDevices(
      entries,
      new Map([
        ['MON-1', 'active'],
        ['MON-3', 'deleted'],
      ]),
    );
    expect(out[0]!.rejection).toBeUndefined();
    expect(out[1]!.rejection?.reason).toBe('UNKNOWN_DEVICE');
    expect(out[2]!.rejection?.reason).toBe('DEVICE_NOT_AUTHORISED');
  });
});
