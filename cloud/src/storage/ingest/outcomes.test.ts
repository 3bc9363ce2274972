import { describe, expect, it } from 'vitest';
import { DEFAULT_READING_LIMITS } from '@vitals/shared';
import { InconsistentStoreError, buildResponse, settle, type StoredReading } from './outcomes.js';
import { applyDevices, planBatch } from './plan.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const CUSTOMER = '11111111-1111-4111-8111-111111111111';
const id = (n: number) => `0195525a-0000-7000-8000-00000000000${n}`;
const reading = (n: number, over: Record<string, unknown> = {}) => ({
  readingId: id(n),
  deviceId: 'MON-1',
  deviceSeq: n,
  metric: 'spo2',
  value: 97,
  unit: '%',
  measuredAt: '2025-03-01T11:59:00.000Z',
  receivedAt: '2025-03-01T11:59:01.000Z',
  ...over,
});

function plan(raws: unknown[]) {
  return applyDevices(
    planBatch(raws, { nowMs: NOW, limits: DEFAULT_READING_LIMITS, gatewayId: 'gw-a' }),
    new Map([['MON-1', 'active']]),
  );
}

function stored(n: number, over: Partial<StoredReading> = {}): StoredReading {
  return {
    readingId: id(n),
    customerId: CUSTOMER,
    deviceId: 'MON-1',
    metric: 'spo2',
    value: 97,
    measuredAt: '2025-03-01T11:59:00.000Z',
    ...over,
  };
}

describe('settle', () => {
  it('gives every reading an outcome in request order and publishes accepted and duplicate readings', () => {
    const entries = plan([reading(1), reading(2), { bad: true }, reading(1)]);
    const { outcomes, publish } = settle(entries, new Set([id(1)]), new Map([[id(2), stored(2)]]), CUSTOMER);
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'duplicate', 'rejected', 'duplicate']);
    expect(outcomes[2]!.reason).toBe('MALFORMED');
    expect(publish.map((r) => r.readingId)).toEqual([id(1), id(2)]);
    expect(buildResponse(outcomes)).toMatchObject({ accepted: 1, duplicate: 2, rejected: 1 });
  });

  it('refuses a stored reading with the same id but other content, or another customer, and does not publish it', () => {
    const entries = plan([reading(1), reading(2)]);
    const { outcomes, publish } = settle(
      entries,
      new Set(),
      new Map([
        [id(1), stored(1, { value: 88 })],
        [id(2), stored(2, { customerId: '22222222-2222-4222-8222-222222222222' })],
      ]),
      CUSTOMER,
    );
    expect(outcomes.map((o) => o.reason)).toEqual(['CONFLICTING_DUPLICATE', 'CONFLICTING_DUPLICATE']);
    expect(publish).toEqual([]);
  });

  it('a repeat inside the batch shares the fate of its first occurrence', () => {
    const entries = applyDevices(
      planBatch([reading(1, { deviceId: 'MON-9' }), reading(1, { deviceId: 'MON-9' })], {
        nowMs: NOW,
        limits: DEFAULT_READING_LIMITS,
        gatewayId: null,
      }),
      new Map(),
    );
    const { outcomes } = settle(entries, new Set(), new Map(), CUSTOMER);
    expect(outcomes.map((o) => o.reason)).toEqual(['UNKNOWN_DEVICE', 'UNKNOWN_DEVICE']);
  });

  it('throws (retriable) when a reading was neither inserted nor found', () => {
    expect(() => settle(plan([reading(1)]), new Set(), new Map(), CUSTOMER)).toThrow(InconsistentStoreError);
  });
});
