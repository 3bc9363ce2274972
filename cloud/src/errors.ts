/**
 * Error registry of the cloud services. Every code is listed in docs/errors.md (a test checks). The HTTP error
 * handler (`http/error-handler.ts`) turns a `VitalsError` into a response with its status and code; 503 and 429
 * carry `Retry-After`.
 */
import { defineErrors } from '@vitals/shared';

export const CloudErrors = defineErrors({
  CLOUD_ERR_UNAUTHENTICATED: { message: 'authentication required: %s', status: 401, retriable: false },
  CLOUD_ERR_FORBIDDEN: { message: 'role %s may not %s', status: 403, retriable: false },
  CLOUD_ERR_NOT_FOUND: { message: '%s %s not found', status: 404, retriable: false },
  CLOUD_ERR_VALIDATION: { message: 'invalid request: %s', status: 400, retriable: false },
  CLOUD_ERR_MALFORMED_BODY: { message: 'malformed request body: %s', status: 400, retriable: false },
  CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE: { message: 'unsupported %s', status: 415, retriable: false },
  CLOUD_ERR_PAYLOAD_TOO_LARGE: { message: 'request body larger than %s bytes', status: 413, retriable: false },
  CLOUD_ERR_BATCH_TOO_LARGE: { message: 'batch of %s readings exceeds the limit of %s', status: 413, retriable: false },
  CLOUD_ERR_CONFLICT: { message: '%s', status: 409, retriable: false },
  CLOUD_ERR_ASSIGNMENT_OVERLAP: { message: '%s', status: 409, retriable: false },
  CLOUD_ERR_PRECONDITION_FAILED: {
    message: '%s %s has changed (If-Match %s, current %s); fetch it again',
    status: 412,
    retriable: false,
  },
  CLOUD_ERR_RATE_LIMITED: { message: 'rate limit of %s requests per %s exceeded; retry in %s', status: 429, retriable: true },
  CLOUD_ERR_DEPENDENCY_UNAVAILABLE: { message: '%s is unavailable: %s', status: 503, retriable: true },
  CLOUD_ERR_CONSUMER_FAILED: {
    message: 'the %s consumer crashed %s times within %s; the service stops (see the logged causes)',
    retriable: true,
  },
  CLOUD_ERR_FHIR_UNSUPPORTED_PARAMETER: {
    message: 'search parameter %s is not supported on %s (GET /fhir/r4/metadata lists what is)',
    status: 400,
    retriable: false,
  },
  CLOUD_ERR_FHIR_INVALID_PARAMETER: { message: 'invalid %s: %s', status: 400, retriable: false },
  CLOUD_ERR_FHIR_INSUFFICIENT_SCOPE: {
    message: 'the token scopes do not allow %s (need one of: %s)',
    status: 403,
    retriable: false,
  },
  CLOUD_ERR_FHIR_NOT_ACCEPTABLE: {
    message: 'only application/fhir+json is served, not %s',
    status: 406,
    retriable: false,
  },
  CLOUD_ERR_INTERNAL: { message: 'internal error (request %s)', status: 500, retriable: true },
});

export type CloudErrorCode = keyof typeof CloudErrors;
