/** `GET /fhir/r4/metadata`: the CapabilityStatement, public (clients read it before they have a token). */
import type { FastifyInstance } from 'fastify';
import { PUBLIC } from '../../../auth/access.js';
import { STORAGE_API_VERSION } from '../../api-version.js';
import { capabilityStatement } from '../../fhir/capability.js';
import type { StorageDeps } from '../../deps.js';
import { baseUrlOf, readQuery, sendFhir } from './http.js';
import { FhirResource, ReadQuery, documentOnly, fhirResponses } from './schemas.js';

export async function metadataRoute(app: FastifyInstance, o: { deps: StorageDeps }): Promise<void> {
  app.get(
    '/metadata',
    {
      config: { access: PUBLIC },
      validatorCompiler: documentOnly,
      schema: {
        tags: ['fhir'],
        summary: 'CapabilityStatement: exactly the interactions and search parameters supported',
        security: [],
        querystring: ReadQuery,
        response: fhirResponses(FhirResource('CapabilityStatement', 'CapabilityStatement'), 'CapabilityStatement', 400, 406),
      },
    },
    async (req, reply) => {
      readQuery(req, 'CapabilityStatement');
      return sendFhir(
        reply,
        capabilityStatement({ base: baseUrlOf(req, o.deps.config.fhirBaseUrl), version: STORAGE_API_VERSION }),
      );
    },
  );
}
