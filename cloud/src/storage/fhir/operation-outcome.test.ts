import { describe, expect, it } from 'vitest';
import { CloudErrors } from '../../errors.js';
import { toOperationOutcome } from './operation-outcome.js';

describe('errors as OperationOutcome', () => {
  it('carry the issue code of the status, the message and our code', () => {
    expect(toOperationOutcome(CloudErrors.CLOUD_ERR_NOT_FOUND('Patient', 'x'))).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-found',
          details: { coding: [{ system: 'urn:vitals:error-code', code: 'CLOUD_ERR_NOT_FOUND' }], text: 'CLOUD_ERR_NOT_FOUND' },
          diagnostics: 'Patient x not found',
        },
      ],
    });
    const codes = [
      CloudErrors.CLOUD_ERR_UNAUTHENTICATED('x'),
      CloudErrors.CLOUD_ERR_FORBIDDEN('gateway', 'GET'),
      CloudErrors.CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER('x', 'Patient'),
      CloudErrors.CLOUD_ERR_FHIR_INVALID_PARAMETER('date', 'x'),
      CloudErrors.CLOUD_ERR_FHIR_NOT_ACCEPTABLE('text/xml'),
      CloudErrors.CLOUD_ERR_RATE_LIMITED(1, '1 m', '1 s'),
      CloudErrors.CLOUD_ERR_DEPENDENCY_UNAVAILABLE('postgres', 'down'),
      CloudErrors.CLOUD_ERR_INTERNAL('r1'),
    ].map((e) => [toOperationOutcome(e).issue![0]!.code, toOperationOutcome(e).issue![0]!.severity]);
    expect(codes).toEqual([
      ['login', 'error'],
      ['forbidden', 'error'],
      ['not-supported', 'error'],
      ['invalid', 'error'],
      ['not-supported', 'error'],
      ['throttled', 'error'],
      ['transient', 'fatal'],
      ['exception', 'fatal'],
    ]);
  });

  it('list per-field details as further issues', () => {
    const oo = toOperationOutcome(CloudErrors.CLOUD_ERR_VALIDATION('x'), [{ path: 'querystring/_count', message: 'too big' }]);
    expect(oo.issue![1]).toEqual({ severity: 'error', code: 'invalid', diagnostics: 'querystring/_count: too big' });
  });
});
