import { describe, expect, it } from 'vitest';
import { alertControlId, CONTROL_ID_LENGTH, dueResend, planFor, resendSequence } from './dispatch-plan.js';
import { backoffMs } from './backoff.js';

describe('dispatch plan', () => {
  it('maps raise/escalate/de-escalate/clear to start/update/update/end and arms re-sends only for high', () => {
    expect(planFor({ kind: 'raise', priority: 'high' }, '7')).toEqual({ phase: 'start', sequence: '0', escalation: 'arm' });
    expect(planFor({ kind: 'raise', priority: 'medium' }, '7')).toEqual({ phase: 'start', sequence: '0', escalation: 'keep' });
    expect(planFor({ kind: 'escalate', priority: 'high' }, '8')).toEqual({ phase: 'update', sequence: '8', escalation: 'arm' });
    expect(planFor({ kind: 'de-escalate', priority: 'medium' }, '9')).toEqual({
      phase: 'update',
      sequence: '9',
      escalation: 'disarm',
    });
    expect(planFor({ kind: 'clear', priority: 'high' }, '10')).toEqual({ phase: 'end', sequence: '0', escalation: 'disarm' });
  });

  it('derives the same control id for the same alert, phase and sequence, and a different one otherwise', () => {
    const a = alertControlId('r-1', 'start', '0');
    expect(a).toMatch(new RegExp(`^[0-9a-f]{${CONTROL_ID_LENGTH}}$`));
    expect(alertControlId('r-1', 'start', '0')).toBe(a);
    const others = [
      alertControlId('r-2', 'start', '0'),
      alertControlId('r-1', 'end', '0'),
      alertControlId('r-1', 'update', '0'),
      alertControlId('r-1', 'update', resendSequence('0', 1)),
    ];
    expect(new Set([a, ...others]).size).toBe(5);
  });

  it('a separator inside an alert id cannot make two alarms collide', () => {
    expect(alertControlId('a', 'update', '1')).not.toBe(alertControlId('a\u0000update', 'update', '1'));
  });

  it('re-sends an unanswered high alarm every delay, at most maxResends times, never with a zero delay', () => {
    const base = { highSinceMs: 1_000, delayMs: 60_000, maxResends: 2 };
    expect(dueResend({ ...base, sent: 0, nowMs: 60_999 })).toBeUndefined();
    expect(dueResend({ ...base, sent: 0, nowMs: 61_000 })).toBe(1);
    expect(dueResend({ ...base, sent: 1, nowMs: 61_000 })).toBeUndefined();
    expect(dueResend({ ...base, sent: 1, nowMs: 121_000 })).toBe(2);
    expect(dueResend({ ...base, sent: 2, nowMs: 10_000_000 })).toBeUndefined();
    expect(dueResend({ ...base, delayMs: 0, sent: 0, nowMs: 10_000_000 })).toBeUndefined();
  });
});

describe('delivery backoff', () => {
  const s = { initialMs: 500, maxMs: 30_000 };
  it('doubles from the initial wait up to the maximum', () => {
    const fixed = () => 1;
    expect([1, 2, 3, 4, 7, 8, 50].map((n) => backoffMs(n, s, fixed))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });
  it('keeps at least half of the wait whatever the jitter', () => {
    expect(backoffMs(3, s, () => 0)).toBe(1000);
    expect(backoffMs(3, s, () => 0.5)).toBe(1500);
    expect(backoffMs(0, s, () => 0)).toBe(250);
  });
});
