import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import { encodeCursor } from './page-cursor.js';
import { dateRange, parseDates, parseObservationSearch, parsePatientReference, parsePatientSearch } from './search-params.js';

const limits = { defaultCount: 50, maxCount: 1000 };
const P = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isVitalsError(err) ? err.code : 'not a typed error';
  }
  return undefined;
}

describe('FHIR date values', () => {
  it('stand for the interval their precision implies', () => {
    const iso = (r: { start: number; end: number }) => [new Date(r.start).toISOString(), new Date(r.end).toISOString()];
    expect(iso(dateRange('2025'))).toEqual(['2025-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(iso(dateRange('2025-02'))).toEqual(['2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
    expect(iso(dateRange('2025-12-31'))).toEqual(['2025-12-31T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(iso(dateRange('2025-03-01T10:15+01:00'))).toEqual(['2025-03-01T09:15:00.000Z', '2025-03-01T09:16:00.000Z']);
    expect(iso(dateRange('2025-03-01T10:15:30Z'))).toEqual(['2025-03-01T10:15:30.000Z', '2025-03-01T10:15:31.000Z']);
    expect(iso(dateRange('2025-03-01T10:15:30.250Z'))).toEqual(['2025-03-01T10:15:30.250Z', '2025-03-01T10:15:30.251Z']);
  });

  it('refuse times without a zone, impossible dates and other text', () => {
    for (const bad of ['2025-03-01T10:15', '2025-02-30', '2025-13', 'yesterday', '25-03-01']) {
      expect(
        codeOf(() => dateRange(bad)),
        bad,
      ).toBe('CLOUD_ERR_FHIR_INVALID_PARAMETER');
    }
  });

  it('prefixes bound the interval; several dates are ANDed', () => {
    expect(parseDates(['ge2025-03-01', 'le2025-03-02'])).toEqual({
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-03T00:00:00.000Z',
    });
    expect(parseDates(['gt2025-03-01', 'lt2025-03-05'])).toEqual({
      from: '2025-03-02T00:00:00.000Z',
      to: '2025-03-05T00:00:00.000Z',
    });
    expect(parseDates(['2025-03-01'])).toEqual({ from: '2025-03-01T00:00:00.000Z', to: '2025-03-02T00:00:00.000Z' });
    expect(parseDates([])).toEqual({});
    expect(codeOf(() => parseDates(['sa2025-03-01']))).toBe('CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER');
  });
});

describe('Observation search parameters', () => {
  it('parse patient, code, date, count, sort and cursor', () => {
    const cursor = { at: '2025-03-01T10:00:00.123456Z', id: P };
    expect(
      parseObservationSearch(
        {
          patient: `Patient/${P}`,
          code: ['http://loinc.org|8867-4,85354-9', '8867-4'],
          date: ['ge2025-03-01', 'le2025-03-01'],
          _count: '10',
          _sort: 'date',
          _cursor: encodeCursor(cursor),
        },
        limits,
      ),
    ).toEqual({
      patientId: P,
      code: { metrics: ['heart_rate'], panel: false },
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-02T00:00:00.000Z',
      count: 10,
      sort: 'asc',
      cursor,
    });
    expect(parseObservationSearch({}, limits)).toEqual({ count: 50, sort: 'desc' });
  });

  it('map codes to metrics: SpO2 by either LOINC code, the BP panel, other systems match nothing', () => {
    expect(parseObservationSearch({ code: '2708-6' }, limits).code).toEqual({ metrics: ['spo2'], panel: false });
    expect(parseObservationSearch({ code: '85354-9' }, limits).code).toEqual({ metrics: [], panel: true });
    expect(parseObservationSearch({ code: 'http://snomed.info/sct|8867-4' }, limits).code).toEqual({ metrics: [], panel: false });
  });

  it('refuse what the CapabilityStatement does not list, and malformed values', () => {
    expect(codeOf(() => parseObservationSearch({ subject: 'x' }, limits))).toBe('CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER');
    expect(codeOf(() => parseObservationSearch({ 'code:text': 'x' }, limits))).toBe('CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER');
    expect(codeOf(() => parseObservationSearch({ _sort: 'code' }, limits))).toBe('CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER');
    for (const q of [
      { _count: '0' },
      { _count: '1001' },
      { _count: 'ten' },
      { _cursor: 'abc' },
      { patient: ['a', 'b'] },
      { code: '' },
    ]) {
      expect(
        codeOf(() => parseObservationSearch(q, limits)),
        JSON.stringify(q),
      ).toBe('CLOUD_ERR_FHIR_INVALID_PARAMETER');
    }
  });

  it('patient references: bare id, Patient/id, absolute URL', () => {
    expect(parsePatientReference(P)).toBe(P);
    expect(parsePatientReference(`Patient/${P}`)).toBe(P);
    expect(parsePatientReference(`https://h/fhir/r4/Patient/${P}`)).toBe(P);
    expect(codeOf(() => parsePatientReference('Device/x/y'))).toBe('CLOUD_ERR_FHIR_INVALID_PARAMETER');
  });
});

describe('Patient search parameters', () => {
  it('identifier with or without a system', () => {
    expect(parsePatientSearch({ identifier: 'urn:x|MRN-1' }, limits)).toEqual({
      identifier: { system: 'urn:x', value: 'MRN-1' },
      count: 50,
    });
    expect(parsePatientSearch({ identifier: 'MRN-1', _count: '5' }, limits)).toEqual({
      identifier: { value: 'MRN-1' },
      count: 5,
    });
    expect(parsePatientSearch({ identifier: '|MRN-1' }, limits)).toEqual({ identifier: { value: 'MRN-1' }, count: 50 });
    expect(codeOf(() => parsePatientSearch({ name: 'Ada' }, limits))).toBe('CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER');
  });
});
