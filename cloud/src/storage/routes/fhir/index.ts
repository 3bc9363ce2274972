/**
 * `/fhir/r4`: a read-only FHIR R4 API over the stored readings and the reference data (docs/fhir.md). Same
 * authentication, roles and tenancy as `/v1` (another customer's resource is 404, a search never returns one),
 * plus SMART-style scopes for JWT callers. Every answer is `application/fhir+json`; every error an
 * OperationOutcome, including 401/403 from the auth hooks, 429 and unknown routes under the prefix.
 */
import type { FastifyInstance } from 'fastify';
import { mapPgError } from '../../reference/pg-error-map.js';
import type { StorageDeps } from '../../deps.js';
import { CloudErrors } from '../../../errors.js';
import { FHIR_PREFIX, negotiate, sendOperationOutcome } from './http.js';
import { metadataRoute } from './metadata.js';
import { observationRoutes } from './observation.js';
import { patientRoutes } from './patient.js';
import { deviceLocationRoutes } from './device-location.js';

export const FHIR_TAG = { name: 'fhir', description: 'FHIR R4 (read-only): Observation, Patient, Device, Location' };

async function fhirApi(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const options = { mapError: (err: unknown) => mapPgError(err, o.deps.pg.retryAfterSeconds()) };
  app.setErrorHandler((err, req, reply) => sendOperationOutcome(err, req, reply, options));
  app.setNotFoundHandler((req, reply) => sendOperationOutcome(notFoundRoute(req.method, req.url), req, reply, options));
  app.addHook('onRequest', async (req) => negotiate(req));
  for (const routes of [metadataRoute, observationRoutes, patientRoutes, deviceLocationRoutes]) {
    await app.register(routes, { deps: o.deps });
  }
}

function notFoundRoute(method: string, url: string) {
  return CloudErrors.CLOUD_ERR_NOT_FOUND('route', `${method} ${url.split('?')[0]}`);
}

export async function fhirRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  await app.register(fhirApi, { prefix: FHIR_PREFIX, deps: o.deps });
}
