import { describe, expect, it } from 'vitest';
import { readingIdsOf, toObservation, type ReadingSource } from './observation.js';

const P = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const reading = (metric: string, value: number, unit: string, id: string): ReadingSource => ({
  readingId: id,
  deviceId: 'MON-1',
  metric,
  value,
  unit,
  measuredAt: '2025-03-01T10:00:00.123456Z',
  patientId: P,
});

describe('readings as vital-signs Observations', () => {
  it('one reading: profile, category, LOINC, UCUM, subject, device, effective time, final', () => {
    expect(toObservation(reading('heart_rate', 72, '/min', 'r1'))).toEqual({
      resourceType: 'Observation',
      id: 'r1',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/heartrate'] },
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' },
          ],
          text: 'Vital Signs',
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
      subject: { reference: `Patient/${P}` },
      effectiveDateTime: '2025-03-01T10:00:00.123Z',
      device: { reference: 'Device/MON-1' },
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
  });

  it('SpO2 carries both LOINC codes the profile expects; temperature the body temperature profile', () => {
    expect(toObservation(reading('spo2', 97, '%', 'r2'))).toMatchObject({
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/oxygensat'] },
      code: { coding: [{ code: '59408-5' }, { code: '2708-6' }] },
    });
    expect(toObservation(reading('temperature', 36.8, 'Cel', 'r3')).meta).toEqual({
      profile: ['http://hl7.org/fhir/StructureDefinition/bodytemp'],
    });
  });

  it('a BP measurement is one panel with systolic, diastolic and (when measured) mean components', () => {
    const source = {
      ...reading('nibp_sys', 120, 'mm[Hg]', 's'),
      panel: { diastolic: reading('nibp_dia', 80, 'mm[Hg]', 'd'), mean: reading('nibp_mean', 93, 'mm[Hg]', 'm') },
    };
    const o = toObservation(source);
    expect(o).toMatchObject({
      id: 's',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/bp'] },
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    });
    expect(o.valueQuantity).toBeUndefined();
    expect(o.component!.map((c) => [c.code.coding![0]!.code, c.valueQuantity!.value, c.valueQuantity!.code])).toEqual([
      ['8480-6', 120, 'mm[Hg]'],
      ['8462-4', 80, 'mm[Hg]'],
      ['8478-0', 93, 'mm[Hg]'],
    ]);
    expect(readingIdsOf(source)).toEqual(['s', 'd', 'm']);
    const { mean: _m, ...withoutMean } = source.panel;
    expect(toObservation({ ...source, panel: withoutMean }).component).toHaveLength(2);
  });

  it('a systolic without its diastolic stands alone in the generic vital-signs profile', () => {
    expect(toObservation(reading('nibp_sys', 131, 'mm[Hg]', 's'))).toMatchObject({
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'] },
      code: { coding: [{ code: '8480-6' }] },
      valueQuantity: { value: 131 },
    });
  });

  it('a device wire id that is no FHIR id is referenced by its hashed id', () => {
    expect(toObservation({ ...reading('heart_rate', 72, '/min', 'r'), deviceId: 'MON_1:a' }).device!.reference).toMatch(
      /^Device\/-h[0-9a-f]{40}$/,
    );
  });
});
