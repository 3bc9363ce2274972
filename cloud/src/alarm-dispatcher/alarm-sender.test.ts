import { describe, expect, it } from 'vitest';
import { decodeAlertReport, type AlertEvent } from '@vitals/shared';
import { renderAlarm } from './alarm-sender.js';

const event: AlertEvent = {
  alertId: 'MON-9|offline|1796300000000',
  kind: 'raise',
  category: 'technical',
  customerId: '00000000-0000-4000-8000-000000000001',
  patientId: '00000000-0000-4000-8000-000000000003',
  departmentId: '00000000-0000-4000-8000-000000000002',
  bedId: '00000000-0000-4000-8000-00000000000a',
  deviceId: 'MON-9',
  condition: 'device-offline',
  priority: 'medium',
  at: '2026-12-03T10:00:00.000Z',
};

describe('rendering an AlertEvent for one receiver', () => {
  it('names the receiver in MSH-5/6 and carries patient, bed and the technical condition', () => {
    const text = renderAlarm(
      { event, phase: 'start', controlId: 'abc' },
      { mrn: 'MRN-1', bedLabel: 'A', departmentCode: 'ICU', facility: 'St Elsewhere' },
      { receivingApplication: 'NURSECALL', receivingFacility: 'ICU' },
      'HOSP',
      Date.parse('2026-12-03T10:00:01Z'),
    );
    expect(text.split('\r')[0]).toMatch(
      /^MSH\|\^~\\&\|VITALS\^MON-9\|HOSP\|NURSECALL\|ICU\|20261203100001\.000\+0000\|\|ORU\^R40/,
    );
    expect(decodeAlertReport(text)).toMatchObject({
      controlId: 'abc',
      alertId: event.alertId,
      phase: 'start',
      priority: 'PM',
      alertType: 'ST',
      event: 'MDC_EVT_ALARM',
      condition: 'device-offline',
      patientIds: ['MRN-1', event.patientId],
      location: 'ICU^^A^St Elsewhere',
      metric: undefined,
      eventTimeMs: Date.parse(event.at),
    });
  });

  it('renders the triggering observation of a physiological alarm with the catalog code and unit', () => {
    const text = renderAlarm(
      {
        event: { ...event, category: 'physiological', condition: 'low', metric: 'spo2', value: 84, priority: 'high' },
        phase: 'update',
        controlId: 'x',
      },
      {},
      { receivingApplication: '', receivingFacility: '' },
      'HOSP',
      0,
    );
    expect(text).toContain('OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.150456.2|84|262688^MDC_DIM_PERCENT^MDC||L|');
    expect(decodeAlertReport(text)).toMatchObject({
      priority: 'PH',
      event: 'MDC_EVT_LO',
      metric: 'spo2',
      value: 84,
      patientIds: [event.patientId],
    });
  });
});
