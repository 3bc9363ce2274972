/** `GET /fhir/r4/Patient?identifier=` (search) and `GET /fhir/r4/Patient/:id` (read). */
import type { FastifyInstance } from 'fastify';
import { allow } from '../../../auth/access.js';
import { ROLE_SETS } from '../../../auth/roles.js';
import { pageUrl, searchsetBundle } from '../../fhir/bundle.js';
import { toPatient } from '../../fhir/mapping/reference.js';
import { encodeCursor } from '../../fhir/page-cursor.js';
import { readPatient, searchPatients } from '../../fhir/pg-fhir-store.js';
import { parsePatientSearch, type Query } from '../../fhir/search-params.js';
import type { StorageDeps } from '../../deps.js';
import { baseUrlOf, callerOf, notFound, readQuery, sendFhir } from './http.js';
import { FhirResource, IdParams, PatientQuery, ReadQuery, documentOnly, fhirResponses } from './schemas.js';

const ERRORS = [400, 401, 403, 404, 406, 429, 503];

export async function patientRoutes(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  const { deps } = o;
  const limits = { defaultCount: deps.config.fhirDefaultCount, maxCount: deps.config.fhirMaxCount };
  const mrnPrefix = deps.config.fhirMrnSystem;

  app.get(
    '/Patient',
    {
      config: { access: allow(ROLE_SETS.readers) },
      validatorCompiler: documentOnly,
      schema: {
        tags: ['fhir'],
        summary: 'Search Patients by MRN (identifier)',
        querystring: PatientQuery,
        response: fhirResponses(FhirResource('Bundle', 'Bundle of type searchset'), 'Bundle', ...ERRORS),
      },
    },
    async (req, reply) => {
      const { scope, grant } = callerOf(req, 'Patient', 'search');
      const search = parsePatientSearch(req.query as Query, limits);
      const page = await deps.pg.run(() => searchPatients(deps.pool, scope, grant, search, mrnPrefix));
      const base = baseUrlOf(req, deps.config.fhirBaseUrl);
      const query = new URLSearchParams(req.url.split('?')[1] ?? '');
      return sendFhir(
        reply,
        searchsetBundle({
          base,
          selfUrl: pageUrl(base, '/Patient', query, query.get('_cursor') ?? undefined),
          ...(page.next ? { nextUrl: pageUrl(base, '/Patient', query, encodeCursor(page.next)) } : {}),
          resources: page.items.map((p) => toPatient(p, mrnPrefix)),
        }),
      );
    },
  );

  app.get(
    '/Patient/:id',
    {
      config: { access: allow(ROLE_SETS.readers) },
      validatorCompiler: documentOnly,
      schema: {
        tags: ['fhir'],
        summary: 'Read a Patient',
        params: IdParams,
        querystring: ReadQuery,
        response: fhirResponses(FhirResource('Patient', 'Patient'), 'Patient', ...ERRORS),
      },
    },
    async (req, reply) => {
      readQuery(req, 'Patient');
      const { id } = req.params as { id: string };
      const { scope, grant } = callerOf(req, 'Patient', 'read');
      const found = await deps.pg.run(() => readPatient(deps.pool, scope, grant, id));
      if (!found) throw notFound('Patient', id);
      return sendFhir(reply, toPatient(found, mrnPrefix));
    },
  );
}
