import { describe, expect, it } from 'vitest';
import { toBedLocation, toDevice, toPatient, toWardLocation } from './reference.js';

const C = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const v = { version: 3, updatedAt: '2025-03-01T10:00:00Z' };

describe('reference data as FHIR resources', () => {
  it('a patient: MRN identifier in the customer namespace, name, birth date, active unless deleted', () => {
    const p = {
      id: 'p1',
      customerId: C,
      mrn: 'MRN-1',
      givenName: 'Ada',
      familyName: 'Lovelace',
      birthDate: '1815-12-10',
      deletedAt: null,
      ...v,
    };
    expect(toPatient(p, 'urn:vitals:mrn')).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      meta: { versionId: '3', lastUpdated: '2025-03-01T10:00:00.000Z' },
      identifier: [
        {
          use: 'usual',
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }],
            text: 'Medical record number',
          },
          system: `urn:vitals:mrn:${C}`,
          value: 'MRN-1',
        },
      ],
      active: true,
      name: [{ use: 'official', family: 'Lovelace', given: ['Ada'] }],
      birthDate: '1815-12-10',
    });
    const anonymous = toPatient(
      { ...p, givenName: null, familyName: null, birthDate: null, deletedAt: '2025-03-02T00:00:00Z' },
      'urn:x',
    );
    expect(anonymous.name).toBeUndefined();
    expect(anonymous.birthDate).toBeUndefined();
    expect(anonymous.active).toBe(false);
  });

  it('a device, by its wire id (hashed when that is no FHIR id)', () => {
    expect(toDevice({ id: 'MON-1', model: 'X3', serialNumber: 'S1', deletedAt: null, ...v })).toMatchObject({
      resourceType: 'Device',
      id: 'MON-1',
      identifier: [{ system: 'urn:vitals:device', value: 'MON-1' }],
      status: 'active',
      serialNumber: 'S1',
      modelNumber: 'X3',
    });
    expect(toDevice({ id: 'MON_1', model: 'X3', serialNumber: null, deletedAt: 'x', ...v })).toMatchObject({
      id: expect.stringMatching(/^-h[0-9a-f]{40}$/),
      status: 'inactive',
    });
  });

  it('a ward and a bed that is part of it', () => {
    expect(toWardLocation({ id: 'w1', customerId: C, code: 'ICU', name: 'Intensive care', ...v })).toMatchObject({
      resourceType: 'Location',
      name: 'Intensive care',
      physicalType: { coding: [{ code: 'wa' }] },
      identifier: [{ value: 'ICU' }],
    });
    expect(toBedLocation({ id: 'b1', departmentId: 'w1', label: 'A', departmentName: 'Intensive care', ...v })).toMatchObject({
      name: 'Intensive care, bed A',
      alias: ['A'],
      physicalType: { coding: [{ code: 'bd' }] },
      partOf: { reference: 'Location/w1' },
    });
  });
});
