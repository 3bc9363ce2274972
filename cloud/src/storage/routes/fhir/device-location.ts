/** `GET /fhir/r4/Device/:id` and `GET /fhir/r4/Location/:id` (wards and beds): reads of reference data. */
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { toBedLocation, toDevice, toWardLocation } from '../../fhir/mapping/reference.js';
import { readDevice, readLocation } from '../../fhir/pg-fhir-store.js';
import type { StorageDeps } from '../../deps.js';
import { callerOf, notFound, readQuery, sendFhir } from './http.js';
import { FhirResource, IdParams, ReadQuery, documentOnly, fhirResponses } from './schemas.js';

const ERRORS = [400, 401, 403, 404, 406, 429, 503];

export async function deviceLocationRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const { deps } = o;
  const route = (summary: string, type: string) => ({
    config: { access: allow(ROLE_SETS.readers) },
    validatorCompiler: documentOnly,
    schema: {
      tags: ['fhir'],
      summary,
      params: IdParams,
      querystring: ReadQuery,
      response: fhirResponses(FhirResource(type, type), type, ...ERRORS),
    },
  });

  app.get('/Device/:id', route('Read a Device (bedside monitor)', 'Device'), async (req, reply) => {
    readQuery(req, 'Device');
    const { id } = req.params as { id: string };
    const { scope } = callerOf(req, 'Device', 'read');
    const found = await deps.pg.run(() => readDevice(deps.pool, scope, id));
    if (!found) throw notFound('Device', id);
    return sendFhir(reply, toDevice(found));
  });

  app.get('/Location/:id', route('Read a Location (a ward, or a bed partOf its ward)', 'Location'), async (req, reply) => {
    readQuery(req, 'Location');
    const { id } = req.params as { id: string };
    const { scope } = callerOf(req, 'Location', 'read');
    const found = await deps.pg.run(() => readLocation(deps.pool, scope, id));
    if (!found) throw notFound('Location', id);
    return sendFhir(reply, found.kind === 'ward' ? toWardLocation(found) : toBedLocation(found));
  });
}
