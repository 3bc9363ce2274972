import { describe, expect, it } from 'vitest';
import type { AlarmView, MetricInfo } from '../../src/http/ward-view/schemas.js';
import { alarmMessage, loudest, priorityLabel, priorityMarker, sortAlarms, summariseAlarms } from './alarm-text.js';

const metrics: MetricInfo[] = [
  { code: 'heart_rate', name: 'Heart rate', unit: '/min', label: 'bpm', decimals: 0 },
  { code: 'temperature', name: 'Body temperature', unit: 'Cel', label: '°C', decimals: 1 },
];

const alarm = (over: Partial<AlarmView>): AlarmView => ({
  id: 'a1',
  deviceId: 'MON-1',
  bedId: null,
  bedLabel: null,
  patientName: null,
  metric: 'heart_rate',
  side: 'high',
  limit: 140,
  value: 152,
  priority: 'high',
  since: 1000,
  acknowledged: false,
  acknowledgedBy: null,
  ...over,
});

describe('alarm wording', () => {
  it('names the priority in words and with the IEC marker, never by colour alone', () => {
    expect([priorityLabel('high'), priorityMarker('high')]).toEqual(['High priority', '!!!']);
    expect([priorityLabel('medium'), priorityMarker('medium')]).toEqual(['Medium priority', '!!']);
    expect([priorityLabel('low'), priorityMarker('low')]).toEqual(['Low priority', '!']);
  });
  it('says which vital, which side, the value with its unit and the limit', () => {
    expect(alarmMessage(alarm({}), metrics)).toBe('Heart rate high: 152 bpm (limit 140)');
    expect(alarmMessage(alarm({ metric: 'temperature', side: 'low', value: 34.04, limit: 35 }), metrics)).toBe(
      'Body temperature low: 34.0 °C (limit 35.0)',
    );
    expect(alarmMessage(alarm({ metric: 'spo2', value: 85, limit: null }), metrics)).toBe('spo2 high: 85');
  });
  it('orders by priority then age, and finds the loudest unacknowledged one', () => {
    const list = [
      alarm({ id: 'm', priority: 'medium', since: 1 }),
      alarm({ id: 'h2', since: 5 }),
      alarm({ id: 'h1', since: 2, acknowledged: true }),
    ];
    expect(sortAlarms(list).map((a) => a.id)).toEqual(['h1', 'h2', 'm']);
    expect(loudest(list)).toBe('high');
    expect(loudest([alarm({ acknowledged: true })])).toBeUndefined();
    expect(summariseAlarms(list)).toBe('3 active alarms (2 high, 1 medium), 1 acknowledged');
    expect(summariseAlarms([])).toBe('No active alarms');
  });
});
