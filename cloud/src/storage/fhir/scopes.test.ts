import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import type { Principal } from '../../auth/roles.js';
import { grantOf, requireGrant } from './scopes.js';

const P = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

describe('SMART scopes', () => {
  it('user/ and system/ scopes grant the whole customer; wildcards and v2 permissions count', () => {
    expect(grantOf(['user/*.read'], undefined, 'Observation', 'search')).toEqual({ kind: 'all' });
    expect(grantOf(['user/Observation.read'], undefined, 'Observation', 'read')).toEqual({ kind: 'all' });
    expect(grantOf(['system/Patient.rs'], undefined, 'Patient', 'search')).toEqual({ kind: 'all' });
    expect(grantOf(['user/Patient.r'], undefined, 'Patient', 'search')).toBeUndefined();
    expect(grantOf(['user/*.write', 'openid', 'launch'], undefined, 'Patient', 'read')).toBeUndefined();
    expect(grantOf(['user/Patient.read'], undefined, 'Observation', 'read')).toBeUndefined();
  });

  it('patient/ scopes grant the patient in context only, and nothing without one', () => {
    expect(grantOf(['patient/Observation.read'], P, 'Observation', 'search')).toEqual({ kind: 'patient', patientId: P });
    expect(grantOf(['patient/Observation.read'], undefined, 'Observation', 'search')).toBeUndefined();
    expect(grantOf(['patient/*.read', 'user/Patient.read'], P, 'Patient', 'read')).toEqual({ kind: 'all' });
    expect(grantOf(['patient/*.read'], undefined, 'Device', 'read')).toEqual({ kind: 'all' });
  });

  it('only JWTs are checked; a JWT without a fitting scope is 403', () => {
    const key: Principal = { kind: 'api-key', id: 'k', role: 'clinician', customerId: P, gatewayId: null };
    expect(requireGrant(key, 'Observation', 'search')).toEqual({ kind: 'all' });
    try {
      requireGrant({ ...key, kind: 'jwt' }, 'Observation', 'search');
      expect.unreachable();
    } catch (err) {
      expect(isVitalsError(err) && err.code).toBe('CLOUD_ERR_FHIR_INSUFFICIENT_SCOPE');
      expect(isVitalsError(err) && err.statusCode).toBe(403);
    }
  });
});
