/**
 * What every FHIR route shares: the base URL links are built on, FHIR JSON responses, content negotiation (406
 * for anything but FHIR JSON), the caller's grant (SMART scopes), and errors as OperationOutcome.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Resource } from '@medplum/fhirtypes';
import type { VitalsError } from '@vitals/shared';
import { principalOf, scopeOfRequest } from '../../../auth/plugin.js';
import type { CustomerScope } from '../../../auth/scope.js';
import { CloudErrors } from '../../../errors.js';
import { toTypedError, type ErrorHandlerOptions } from '../../../http/error-handler.js';
import { FHIR_MEDIA_TYPE } from '../../fhir/capability.js';
import { toOperationOutcome } from '../../fhir/operation-outcome.js';
import { requireGrant, type FhirResourceType, type Grant, type Interaction } from '../../fhir/scopes.js';
import { refuseUnknown, type Query } from '../../fhir/search-params.js';

export const FHIR_PREFIX = '/fhir/r4';
const CONTENT_TYPE = `${FHIR_MEDIA_TYPE}; charset=utf-8`;
const ACCEPTABLE = new Set(['*/*', 'application/*', FHIR_MEDIA_TYPE, 'application/json', 'application/json+fhir']);
const FORMATS = new Set(['json', FHIR_MEDIA_TYPE, 'application/json', 'application/json+fhir']);

/** The API's base URL: FHIR_BASE_URL, or the request's protocol and Host. */
export function baseUrlOf(req: FastifyRequest, configured: string): string {
  return configured !== '' ? configured : `${req.protocol}://${req.host}${FHIR_PREFIX}`;
}

/** 406 unless the client accepts FHIR JSON (Accept header and `_format`). */
export function negotiate(req: FastifyRequest): void {
  const accept = req.headers.accept;
  if (accept !== undefined && accept.trim() !== '') {
    const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
    if (!types.some((t) => ACCEPTABLE.has(t))) throw CloudErrors.CLOUD_ERR_FHIR_NOT_ACCEPTABLE(accept);
  }
  const format = (req.query as Query | undefined)?._format;
  for (const f of format === undefined ? [] : [format].flat()) {
    if (!FORMATS.has(f.split(';')[0]!.trim().toLowerCase())) throw CloudErrors.CLOUD_ERR_FHIR_NOT_ACCEPTABLE(`_format=${f}`);
  }
}

export function sendFhir(reply: FastifyReply, resource: Resource, status = 200): FastifyReply {
  return reply.code(status).type(CONTENT_TYPE).send(JSON.stringify(resource));
}

export interface Caller {
  readonly scope: CustomerScope;
  readonly grant: Grant;
}

export function callerOf(req: FastifyRequest, type: FhirResourceType, interaction: Interaction): Caller {
  return { scope: scopeOfRequest(req), grant: requireGrant(principalOf(req), type, interaction) };
}

/** A read's query may carry only `_format`. */
export function readQuery(req: FastifyRequest, type: string): void {
  refuseUnknown(req.query as Query, ['_format'], type);
}

export function notFound(type: FhirResourceType, id: string): VitalsError {
  return CloudErrors.CLOUD_ERR_NOT_FOUND(type, id);
}

type Detail = { path: string; message: string };

/** Any failure of a FHIR request as an OperationOutcome with the status of its typed error. */
export function sendOperationOutcome(
  err: unknown,
  req: FastifyRequest,
  reply: FastifyReply,
  o: ErrorHandlerOptions,
): FastifyReply {
  const e = toTypedError(err as FastifyError, req, o) as VitalsError & { details?: Detail[]; retryAfterSeconds?: number };
  if (e.statusCode >= 500 && e.statusCode !== 503) req.log.error({ err }, 'FHIR request failed');
  else req.log.debug({ code: e.code, reason: e.message }, 'FHIR request refused');
  if (e.statusCode === 503 || e.statusCode === 429) reply.header('retry-after', String(e.retryAfterSeconds ?? 1));
  return sendFhir(reply, toOperationOutcome(e, e.details ?? []), e.statusCode);
}
