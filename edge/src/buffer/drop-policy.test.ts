import { describe, expect, it } from 'vitest';
import { DROP_ORDER, dropInOrder, readingsToDrop } from './drop-policy.js';
import { isAlarmRelevant } from './alarm-relevance.js';

describe('drop policy', () => {
  it('drops nothing while the buffer is within its size', () => {
    expect(readingsToDrop({ usedBytes: 1000, maxBytes: 1000, readings: 10, headroom: 0.05 })).toBe(0);
  });

  it('drops enough readings to get below the size with the headroom', () => {
    // 100 bytes a reading; 1100 used of 1000 -> free down to 950 -> 150 bytes -> 2 readings
    expect(readingsToDrop({ usedBytes: 1100, maxBytes: 1000, readings: 11, headroom: 0.05 })).toBe(2);
    expect(readingsToDrop({ usedBytes: 5000, maxBytes: 1000, readings: 3, headroom: 0.05 })).toBe(3);
  });

  it('takes forwarded history first, then unsent, and alarm-relevant readings last within each', () => {
    expect(DROP_ORDER.map((c) => `${c.kind}${c.alarm ? '+alarm' : ''}`)).toEqual([
      'forwarded',
      'forwarded+alarm',
      'unsent',
      'unsent+alarm',
    ]);
    const held = { forwarded: 3, 'forwarded+alarm': 1, unsent: 5, 'unsent+alarm': 2 } as Record<string, number>;
    const taken = dropInOrder(7, (cls, max) => {
      const key = `${cls.kind}${cls.alarm ? '+alarm' : ''}`;
      const n = Math.min(max, held[key]!);
      held[key] = held[key]! - n;
      return n;
    });
    expect(taken.map((t) => [t.cls.kind, t.cls.alarm, t.count])).toEqual([
      ['forwarded', false, 3],
      ['forwarded', true, 1],
      ['unsent', false, 3],
    ]);
    expect(held['unsent+alarm']).toBe(2);
  });

  it('ranks a reading outside the catalog default thresholds as alarm-relevant', () => {
    expect(isAlarmRelevant('heart_rate', 72)).toBe(false);
    expect(isAlarmRelevant('heart_rate', 135)).toBe(true);
    expect(isAlarmRelevant('spo2', 85)).toBe(true);
    expect(isAlarmRelevant('temperature', 36.8)).toBe(false);
  });
});
