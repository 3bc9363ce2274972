/**
 * OpenAPI descriptions of the FHIR routes. Bodies are FHIR R4 JSON (`application/fhir+json`, types from
 * @medplum/fhirtypes); the schemas here only name the resource type, for the document. Query strings are parsed by
 * the FHIR search parser (fhir/search-params.ts), not by the route schema, so repeated parameters (`date`) and
 * FHIR's own errors (OperationOutcome) work as FHIR clients expect.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { FHIR_MEDIA_TYPE } from '../../fhir/capability.js';

export const FhirResource = (resourceType: string, description: string) =>
  Type.Object({ resourceType: Type.Literal(resourceType) }, { additionalProperties: true, description });

const OperationOutcome = FhirResource('OperationOutcome', 'The error: issue code, diagnostics, our error code in details');

const fhirBody = (schema: TSchema, description: string) => ({ description, content: { [FHIR_MEDIA_TYPE]: { schema } } });

export function fhirResponses(ok: TSchema, okDescription: string, ...errors: number[]) {
  return {
    200: fhirBody(ok, okDescription),
    ...Object.fromEntries(errors.map((s) => [s, fhirBody(OperationOutcome, 'OperationOutcome')])),
  };
}

/** FHIR query strings are checked by the search parser; the route schema only documents them. */
export const documentOnly: FastifySchemaCompiler<unknown> = () => (value: unknown) => ({ value });

const Str = (description: string) => Type.Optional(Type.String({ description }));

export const ObservationQuery = Type.Object({
  patient: Str('Patient/<id> or <id>'),
  code: Str('LOINC `[http://loinc.org|]code[,code...]`; 85354-9 = blood-pressure panel'),
  date: Str('effectiveDateTime with prefix eq|ge|gt|le|lt; repeat for a range (date=ge..&date=le..)'),
  _count: Str('Page size'),
  _sort: Str('-date (default) or date'),
  _cursor: Str('Opaque, from a next link'),
  _format: Str('json (the only format)'),
});
export const PatientQuery = Type.Object({
  identifier: Str('MRN: [system|]value'),
  _count: Str('Page size'),
  _cursor: Str('Opaque, from a next link'),
  _format: Str('json (the only format)'),
});
export const ReadQuery = Type.Object({ _format: Str('json (the only format)') });
export const IdParams = Type.Object({ id: Type.String({ description: 'FHIR id' }) });
