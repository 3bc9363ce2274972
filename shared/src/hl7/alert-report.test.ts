import { describe, expect, it } from 'vitest';
import { acmPriority, decodeAlertReport, encodeAlertReport, type AlertReportInput } from './alert-report.js';
import { parseHl7 } from './message.js';

const T = Date.UTC(2026, 11, 3, 10, 0, 0, 0);

function input(over: Partial<AlertReportInput> = {}): AlertReportInput {
  return {
    controlId: 'c0ffee',
    messageTimeMs: T + 5,
    alertId: 'r-123',
    phase: 'start',
    priority: 'high',
    category: 'physiological',
    condition: 'high',
    eventTimeMs: T,
    patient: { id: '5f0c0000-0000-4000-8000-000000000001', mrn: 'MRN-7', familyName: 'L.', givenName: 'A.' },
    location: { pointOfCare: 'ICU', bed: 'Bed 3', facility: 'St Elsewhere' },
    deviceId: 'MON-0001',
    observation: { metric: 'heart_rate', value: 152, observedAtMs: T },
    ...over,
  };
}

describe('ORU^R40 alert report', () => {
  it('maps IEC 60601-1-8 priorities to PCD-04 PH/PM/PL', () => {
    expect([acmPriority('high'), acmPriority('medium'), acmPriority('low')]).toEqual(['PH', 'PM', 'PL']);
  });

  it('renders MSH, PID, PV1, OBR and the ACM OBX rows in PCD-04 order', () => {
    const text = encodeAlertReport(input());
    const msg = parseHl7(text);
    expect(msg.segments.map((s) => s.id)).toEqual(['MSH', 'PID', 'PV1', 'OBR', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX']);
    const lines = text.split('\r');
    expect(lines[0]).toContain(
      '|ORU^R40^ORU_R40|c0ffee|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4^ISO',
    );
    expect(lines[1]).toBe('PID|||MRN-7^^^HOSP^MR~5f0c0000-0000-4000-8000-000000000001^^^VITALS^PI||L.^A.');
    expect(lines[2]).toBe('PV1||I|ICU^^Bed 3^St Elsewhere');
    expect(lines[3]).toBe('OBR|1|r-123^VITALS||196616^MDC_EVT_ALARM^MDC|||20261203100000.000+0000');
    expect(lines[4]).toBe(
      'OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|1.1.147842.1|196648^MDC_EVT_HI^MDC^^^^^^high||H~PH~SP|||F|||20261203100000.000+0000||||MON-0001',
    );
    expect(lines[5]).toBe(
      'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.147842.2|152|264864^MDC_DIM_BEAT_PER_MIN^MDC||H|||F|||20261203100000.000+0000||||MON-0001',
    );
    expect(lines[6]).toBe('OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.1.147842.3|start||||||F');
    expect(lines[7]).toBe('OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.1.147842.4|active||||||F');
    expect(lines[8]).toBe('OBX|5|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|1.1.147842.6|PH||||||F');
    expect(lines[9]).toBe('OBX|6|ST|68485^MDC_ATTR_ALERT_TYPE^MDC|1.1.147842.7|SP||||||F');
  });

  it('round-trips through the decoder a receiver uses', () => {
    const d = decodeAlertReport(encodeAlertReport(input({ phase: 'end', priority: 'medium', condition: 'low' })));
    expect(d).toMatchObject({
      controlId: 'c0ffee',
      messageType: 'ORU^R40',
      alertId: 'r-123',
      phase: 'end',
      alarmState: 'inactive',
      priority: 'PM',
      alertType: 'SP',
      event: 'MDC_EVT_LO',
      condition: 'low',
      eventTimeMs: T,
      patientIds: ['MRN-7', '5f0c0000-0000-4000-8000-000000000001'],
      metric: 'heart_rate',
      value: 152,
    });
  });

  it('renders a technical alarm without an observation and escapes delimiters in ids', () => {
    const text = encodeAlertReport(
      input({
        category: 'technical',
        condition: 'device-offline',
        priority: 'medium',
        alertId: 'MON-1|offline|17',
        observation: undefined,
      }),
    );
    const d = decodeAlertReport(text);
    expect(d).toMatchObject({
      alertId: 'MON-1|offline|17',
      alertType: 'ST',
      event: 'MDC_EVT_ALARM',
      metric: undefined,
      value: undefined,
    });
    expect(d.text).toBe('device offline');
    expect(text).toContain('MON-1\\F\\offline\\F\\17^VITALS');
  });

  it('refuses a message that is not an ORU^R40', () => {
    expect(() => decodeAlertReport('MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.6\r')).toThrow(/ORU\^R40/);
  });
});
