/**
 * Every error of the FHIR API as an OperationOutcome: the issue code from the HTTP status (and our error code),
 * `diagnostics` the message, `details` our stable error code (docs/errors.md). Pure.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { VitalsError } from '@vitals/shared';

export const ERROR_CODE_SYSTEM = 'urn:vitals:error-code';

type IssueCode = OperationOutcomeIssue['code'];

export function issueCodeOf(e: Pick<VitalsError, 'code' | 'statusCode'>): IssueCode {
  if (e.code === 'CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER' || e.code === 'CLOUD_ERR_FHIR_NOT_ACCEPTABLE') return 'not-supported';
  switch (e.statusCode) {
    case 400:
      return 'invalid';
    case 401:
      return 'login';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 413:
      return 'too-long';
    case 415:
      return 'not-supported';
    case 429:
      return 'throttled';
    case 503:
      return 'transient';
    default:
      return 'exception';
  }
}

export function toOperationOutcome(
  e: Pick<VitalsError, 'code' | 'statusCode' | 'message'>,
  details: ReadonlyArray<{ path: string; message: string }> = [],
): OperationOutcome {
  const issue: OperationOutcomeIssue = {
    severity: e.statusCode >= 500 ? 'fatal' : 'error',
    code: issueCodeOf(e),
    details: { coding: [{ system: ERROR_CODE_SYSTEM, code: e.code }], text: e.code },
    diagnostics: e.message,
  };
  return {
    resourceType: 'OperationOutcome',
    issue: [
      issue,
      ...details.map((d) => ({ severity: 'error' as const, code: 'invalid' as const, diagnostics: `${d.path}: ${d.message}` })),
    ],
  };
}
