/**
 * Maps every failure of a request to a status and a coded body (http/error-body.ts): our typed errors as they
 * are; schema validation to 400 with per-field details; fastify's body errors (bad JSON, too large, wrong media
 * type, bad gzip) to 400/413/415; anything else to 500 with the request id, logged with its stack and counted in
 * `vitals_http_unexpected_errors_total`. 503 and 429 carry `Retry-After`. A service may add its own mapping
 * (`mapError`) for its adapters' errors.
 *
 * This is the request-level safety net: whatever a route, hook, parser or serialiser throws or rejects with (an
 * Error or not) fails that request and nothing else. An error outside any request (an event emitter's 'error'
 * nobody heard) is not caught here: it stays fatal, see cli/fatal.ts.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, type Registry } from 'prom-client';
import { isVitalsError, type VitalsError } from '@vitals/shared';
import { CloudErrors } from '../errors.js';
import type { ErrorBody } from './error-body.js';

export interface ErrorHandlerOptions {
  /** Maps an adapter's error (e.g. a PostgreSQL constraint violation) to a typed error, or returns undefined. */
  readonly mapError?: (err: unknown) => VitalsError | undefined;
  /** Registry to count unexpected errors in (`vitals_http_unexpected_errors_total`); default: not counted. */
  readonly registry?: Registry;
}

type Detail = { path: string; message: string };

/** Extra fields a typed error may carry for the response. */
interface ErrorExtras {
  retryAfterSeconds?: number;
  details?: Detail[];
}

function validationError(err: FastifyError): VitalsError {
  const part = err.validationContext ?? 'request';
  const details: Detail[] = (err.validation ?? []).slice(0, 20).map((v) => ({
    path: `${part}${v.instancePath || ''}`,
    message: v.message ?? 'invalid',
  }));
  const first = details[0];
  const e = CloudErrors.CLOUD_ERR_VALIDATION(first ? `${first.path}: ${first.message}` : err.message);
  return Object.assign(e, { details });
}

/** Fastify's and Node's own request errors, by their codes. */
function frameworkError(err: FastifyError & { code?: string }, bodyLimit: number): VitalsError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return CloudErrors.CLOUD_ERR_PAYLOAD_TOO_LARGE(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return CloudErrors.CLOUD_ERR_UNSUPPORTED_MEDIA_TYPE(`content type; send application/json`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return CloudErrors.CLOUD_ERR_MALFORMED_BODY('the body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return CloudErrors.CLOUD_ERR_MALFORMED_BODY(err.message);
    default:
      break;
  }
  if (typeof err.code === 'string' && err.code.startsWith('Z_')) {
    return CloudErrors.CLOUD_ERR_MALFORMED_BODY(`gzip: ${err.message}`);
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/.test(err.name))) {
    return CloudErrors.CLOUD_ERR_MALFORMED_BODY(`invalid JSON: ${err.message}`);
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return err.statusCode === 413
      ? CloudErrors.CLOUD_ERR_PAYLOAD_TOO_LARGE(bodyLimit)
      : CloudErrors.CLOUD_ERR_VALIDATION(err.message);
  }
  return undefined;
}

export function toTypedError(err: unknown, req: FastifyRequest, o: ErrorHandlerOptions): VitalsError {
  const internal = () => CloudErrors.CLOUD_ERR_INTERNAL.withCause(err, String(req.id));
  if (isVitalsError(err)) return err;
  // `throw null`, a string, a number: nothing to map, and nothing to read fields from.
  if (err === null || typeof err !== 'object') return internal();
  const fe = err as FastifyError;
  try {
    if (fe.validation) return validationError(fe);
    return o.mapError?.(err) ?? frameworkError(fe, req.routeOptions.bodyLimit ?? 0) ?? internal();
  } catch {
    // A mapping that fails on a strange error must not take the answer with it.
    return internal();
  }
}

export function sendError(reply: FastifyReply, e: VitalsError): FastifyReply {
  const extras = e as VitalsError & ErrorExtras;
  const body: ErrorBody = {
    statusCode: e.statusCode,
    code: e.code,
    error: STATUS_CODES[e.statusCode] ?? 'Error',
    message: e.message,
    retriable: e.retriable,
    requestId: String(reply.request.id),
  };
  if (extras.details && extras.details.length > 0) body.details = extras.details;
  if (e.statusCode === 503 || e.statusCode === 429) reply.header('retry-after', String(extras.retryAfterSeconds ?? 1));
  return reply.code(e.statusCode).type('application/json; charset=utf-8').send(body);
}

async function plugin(app: FastifyInstance, o: ErrorHandlerOptions): Promise<void> {
  const unexpected = o.registry
    ? new Counter({
        name: 'vitals_http_unexpected_errors_total',
        help: 'Requests failed by an unexpected error (500 CLOUD_ERR_INTERNAL), by method and route template',
        labelNames: ['method', 'route'] as const,
        registers: [o.registry],
      })
    : undefined;
  app.setErrorHandler((err, req, reply) => {
    const e = toTypedError(err, req, o);
    if (e.code === 'CLOUD_ERR_INTERNAL') unexpected?.inc({ method: req.method, route: req.routeOptions.url ?? 'unmatched' });
    if (e.statusCode >= 500 && e.statusCode !== 503) req.log.error({ err }, 'request failed');
    else if (e.statusCode === 503) req.log.warn({ code: e.code, reason: e.message }, 'dependency unavailable');
    else req.log.debug({ code: e.code, reason: e.message }, 'request refused');
    return sendError(reply, e);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, CloudErrors.CLOUD_ERR_NOT_FOUND('route', `${req.method} ${req.url.split('?')[0]}`)),
  );
}

export const errorHandlerPlugin = fp(plugin, { name: 'vitals-error-handler', fastify: '5.x' });
