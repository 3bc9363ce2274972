/**
 * The CapabilityStatement of `GET /fhir/r4/metadata`: exactly the interactions and search parameters the routes
 * implement (built from the same parameter lists the parser accepts), the vital-signs profiles Observations
 * claim, JSON only, and SMART-style scopes for JWT callers. Pure.
 */
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { BP_PROFILE, METRIC_PROFILE } from './mapping/observation.js';

export const FHIR_VERSION = '4.0.1';
export const FHIR_MEDIA_TYPE = 'application/fhir+json';
/** When this statement last changed (bump with the API). */
const PUBLISHED = '2026-12-03';

const SEARCH = 'http://hl7.org/fhir/SearchParameter';

function resource(r: CapabilityStatementRestResource): CapabilityStatementRestResource {
  return r;
}

export function capabilityStatement(o: { base: string; version: string }): CapabilityStatement {
  const profiles = [...new Set([...Object.values(METRIC_PROFILE), BP_PROFILE])].sort();
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: PUBLISHED,
    publisher: 'Vitals platform',
    kind: 'instance',
    software: { name: 'Vitals cloud storage', version: o.version },
    implementation: { description: 'Vital signs of bedside monitors, read-only', url: o.base },
    fhirVersion: FHIR_VERSION,
    format: [FHIR_MEDIA_TYPE, 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Read-only. Searches page with `next` links (keyset paging; `_cursor` is opaque). Parameters not listed here are refused with 400.',
        security: {
          cors: false,
          service: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
            },
          ],
          description:
            "Bearer API key, or a JWT whose `scope` claim grants the type (`user/*.read`, `user/Observation.read`, `patient/Observation.read` with a `patient` claim, ...). Another customer's resources do not exist for the caller (404).",
        },
        resource: [
          resource({
            type: 'Observation',
            profile: 'http://hl7.org/fhir/StructureDefinition/vitalsigns',
            supportedProfile: profiles,
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            versioning: 'no-version',
            readHistory: false,
            searchParam: [
              {
                name: 'patient',
                definition: `${SEARCH}/clinical-patient`,
                type: 'reference',
                documentation: 'Patient/[id] or [id]',
              },
              {
                name: 'code',
                definition: `${SEARCH}/clinical-code`,
                type: 'token',
                documentation: 'LOINC, `[http://loinc.org|]code`, comma = or; 85354-9 is the blood-pressure panel',
              },
              {
                name: 'date',
                definition: `${SEARCH}/clinical-date`,
                type: 'date',
                documentation: 'effectiveDateTime; prefixes eq (default), ge, gt, le, lt; may repeat (and)',
              },
              { name: '_count', type: 'number', documentation: 'Page size' },
              { name: '_sort', type: 'string', documentation: '`-date` (default, newest first) or `date`' },
            ],
          }),
          resource({
            type: 'Patient',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            versioning: 'no-version',
            readHistory: false,
            searchParam: [
              {
                name: 'identifier',
                definition: `${SEARCH}/Patient-identifier`,
                type: 'token',
                documentation: 'MRN, `[system|]value`',
              },
              { name: '_count', type: 'number', documentation: 'Page size' },
            ],
          }),
          resource({ type: 'Device', interaction: [{ code: 'read' }], versioning: 'no-version', readHistory: false }),
          resource({
            type: 'Location',
            documentation: 'Wards (departments, physicalType wa) and beds (physicalType bd, partOf their ward)',
            interaction: [{ code: 'read' }],
            versioning: 'no-version',
            readHistory: false,
          }),
        ],
      },
    ],
  };
}
