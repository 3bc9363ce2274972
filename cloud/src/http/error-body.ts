/** The body of every error response of the cloud services, and its schema (for route docs and serialisation). */
import { Type, type Static } from '@sinclair/typebox';

export const ErrorBodySchema = Type.Object(
  {
    statusCode: Type.Integer({ description: 'HTTP status' }),
    code: Type.String({ description: 'Stable error code (CLOUD_ERR_*), see docs/errors.md' }),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String({ description: 'What went wrong, for people' }),
    retriable: Type.Boolean({ description: 'Whether the same request may succeed later' }),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }, { additionalProperties: false }), {
        description: 'Per-field problems of a 400',
      }),
    ),
  },
  { additionalProperties: false, description: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBodySchema>;

/** Error responses a route may give, for its `response` schema. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBodySchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBodySchema]));
}
