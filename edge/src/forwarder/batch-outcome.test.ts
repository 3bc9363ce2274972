import { describe, expect, it } from 'vitest';
import type { StoredReading } from '../buffer/reading-store.js';
import { classifyOutcomes } from './batch-outcome.js';

const reading = (seq: number): StoredReading => ({
  seq,
  readingId: `00000000-0000-7000-8000-00000000000${seq}`,
  deviceId: 'MON-1',
  deviceSeq: seq,
  metric: 'heart_rate',
  value: 70,
  measuredAtMs: 0,
  receivedAtMs: 0,
});

describe('batch outcomes', () => {
  it('forwards accepted and duplicate readings, dead-letters rejected ones, and keeps unmentioned ones unsent', () => {
    const batch = [1, 2, 3, 4].map(reading);
    const out = classifyOutcomes(batch, {
      accepted: 1,
      duplicate: 1,
      rejected: 1,
      results: [
        { readingId: batch[0]!.readingId, status: 'accepted' },
        { readingId: batch[1]!.readingId, status: 'duplicate' },
        { readingId: batch[2]!.readingId, status: 'rejected', reason: 'NO_ASSIGNMENT_AT_MEASURED_TIME', detail: 'no bed' },
      ],
    });
    expect(out.forwarded).toEqual([1, 2]);
    expect([out.accepted, out.duplicate]).toEqual([1, 1]);
    expect(out.dead).toEqual([{ reading: batch[2], reason: 'NO_ASSIGNMENT_AT_MEASURED_TIME', detail: 'no bed' }]);
    expect(out.missing).toEqual([batch[3]]);
  });
});
