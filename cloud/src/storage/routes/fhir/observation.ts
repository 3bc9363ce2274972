/** `GET /fhir/r4/Observation` (search, keyset-paged) and `GET /fhir/r4/Observation/:id` (read). */
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { searchsetBundle, pageUrl } from '../../fhir/bundle.js';
import { toObservation } from '../../fhir/mapping/observation.js';
import { encodeCursor } from '../../fhir/page-cursor.js';
import { readObservation, readingsSnapshot, searchObservations } from '../../fhir/pg-fhir-store.js';
import { parseObservationSearch, type Query } from '../../fhir/search-params.js';
import type { StorageDeps } from '../../deps.js';
import { baseUrlOf, callerOf, notFound, readQuery, sendFhir } from './http.js';
import { FhirResource, IdParams, ObservationQuery, ReadQuery, documentOnly, fhirResponses } from './schemas.js';

const ERRORS = [400, 401, 403, 404, 406, 429, 503];

export async function observationRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const { deps } = o;
  const limits = { defaultCount: deps.config.fhirDefaultCount, maxCount: deps.config.fhirMaxCount };

  app.get(
    '/Observation',
    {
      config: { access: allow(ROLE_SETS.readers) },
      validatorCompiler: documentOnly,
      schema: {
        tags: ['fhir'],
        summary: 'Search vital-sign Observations (Bundle searchset, next links)',
        description:
          'One Observation per stored reading, subject = the patient assigned to the device at measured-at; systolic and ' +
          'diastolic measured together are one blood-pressure panel (85354-9). Newest first by default.',
        querystring: ObservationQuery,
        response: fhirResponses(FhirResource('Bundle', 'Bundle of type searchset'), 'Bundle', ...ERRORS),
      },
    },
    async (req, reply) => {
      const { scope, grant } = callerOf(req, 'Observation', 'search');
      const search = parseObservationSearch(req.query as Query, limits);
      const page = await deps.pg.run(() => readingsSnapshot(deps.pool, (db) => searchObservations(db, scope, grant, search)));
      const base = baseUrlOf(req, deps.config.fhirBaseUrl);
      const query = new URLSearchParams(req.url.split('?')[1] ?? '');
      return sendFhir(
        reply,
        searchsetBundle({
          base,
          selfUrl: pageUrl(base, '/Observation', query, search.cursor ? encodeCursor(search.cursor) : undefined),
          ...(page.next ? { nextUrl: pageUrl(base, '/Observation', query, encodeCursor(page.next)) } : {}),
          resources: page.items.map(toObservation),
        }),
      );
    },
  );

  app.get(
    '/Observation/:id',
    {
      config: { access: allow(ROLE_SETS.readers) },
      validatorCompiler: documentOnly,
      schema: {
        tags: ['fhir'],
        summary: 'Read an Observation (a reading, or the blood-pressure panel headed by its systolic reading)',
        params: IdParams,
        querystring: ReadQuery,
        response: fhirResponses(FhirResource('Observation', 'Observation'), 'Observation', ...ERRORS),
      },
    },
    async (req, reply) => {
      readQuery(req, 'Observation');
      const { id } = req.params as { id: string };
      const { scope, grant } = callerOf(req, 'Observation', 'read');
      const found = await deps.pg.run(() => readingsSnapshot(deps.pool, (db) => readObservation(db, scope, grant, id)));
      if (!found) throw notFound('Observation', id);
      return sendFhir(reply, toObservation(found));
    },
  );
}
