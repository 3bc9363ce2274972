import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '@vitals/shared';
import { ActiveAlerts } from './alert-state.js';

const C1 = '00000000-0000-4000-8000-0000000000c1';
const C2 = '00000000-0000-4000-8000-0000000000c2';
const D1 = '00000000-0000-4000-8000-0000000000d1';

const event = (over: Partial<AlertEvent>): AlertEvent => ({
  alertId: 'a1',
  kind: 'raise',
  category: 'physiological',
  customerId: C1,
  patientId: '00000000-0000-4000-8000-0000000000a1',
  departmentId: D1,
  bedId: '00000000-0000-4000-8000-0000000000b1',
  deviceId: 'MON-1',
  metric: 'heart_rate',
  condition: 'high',
  priority: 'medium',
  value: 125,
  at: '2026-01-01T10:00:00.000Z',
  ...over,
});

describe('active alerts', () => {
  it('keeps an episode from raise through escalation until it clears, with its first time', () => {
    const a = new ActiveAlerts();
    a.apply(event({}));
    a.apply(event({ kind: 'escalate', priority: 'high', value: 145, at: '2026-01-01T10:01:00.000Z' }));
    expect(a.list({ customerId: C1 })).toEqual([
      expect.objectContaining({
        alertId: 'a1',
        priority: 'high',
        value: 145,
        since: '2026-01-01T10:00:00.000Z',
        lastKind: 'escalate',
      }),
    ]);
    a.apply(event({ kind: 'clear', at: '2026-01-01T10:02:00.000Z' }));
    expect(a.size).toBe(0);
  });

  it('never lists another customer’s alerts, and filters by department and patient', () => {
    const a = new ActiveAlerts();
    a.apply(event({ alertId: 'mine', priority: 'low' }));
    a.apply(event({ alertId: 'mine-high', priority: 'high', at: '2026-01-01T10:05:00.000Z' }));
    a.apply(event({ alertId: 'theirs', customerId: C2 }));
    expect(a.list({ customerId: C1 }).map((x) => x.alertId)).toEqual(['mine-high', 'mine']);
    expect(a.list({ customerId: null }).map((x) => x.alertId)).toEqual(['mine-high', 'theirs', 'mine']);
    expect(a.list({ customerId: C1, departmentId: '00000000-0000-4000-8000-0000000000d9' })).toEqual([]);
  });
});
