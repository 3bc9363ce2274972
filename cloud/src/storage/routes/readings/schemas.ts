/**
 * Ingest bodies. The documented schemas are the shared contract (ReadingsBatchRequest/Response); validation of
 * the body is deliberately only the envelope (an object with a non-empty `readings` array), because each reading
 * is judged on its own and a bad one is rejected in the response without failing its neighbours.
 */
import { Type } from '@sinclair/typebox';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { ReadingsBatchRequestSchema, ReadingsBatchResponseSchema } from '@vitals/shared';
import { withoutIds } from '../../../http/schema-utils.js';
import { DirectReadingSchema } from '../../ingest/incoming.js';

export const BatchRequest = withoutIds(ReadingsBatchRequestSchema);
export const BatchResponse = withoutIds(ReadingsBatchResponseSchema);
export const DirectRequest = Type.Union([DirectReadingSchema, Type.Array(DirectReadingSchema, { minItems: 1 })], {
  description: 'One reading or a small array',
});

const fail = (instancePath: string, message: string) => ({
  error: [{ instancePath, message, keyword: 'envelope', schemaPath: '#', params: {} }] as FastifySchemaValidationError[],
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ "readings": [ ...at least one... ] }` and nothing else; the readings themselves are checked one by one. */
export const batchEnvelope: FastifySchemaCompiler<unknown> = () => (body: unknown) => {
  if (!isObject(body)) return fail('', 'must be an object with a readings array');
  const extra = Object.keys(body).filter((k) => k !== 'readings');
  if (extra.length > 0) return fail(`/${extra[0]}`, 'unknown property');
  if (!Array.isArray(body.readings)) return fail('/readings', 'must be an array');
  if (body.readings.length === 0) return fail('/readings', 'must not be empty');
  return { value: body };
};

/** One reading object or a non-empty array of them; each is checked one by one. */
export const directEnvelope: FastifySchemaCompiler<unknown> = () => (body: unknown) => {
  if (Array.isArray(body)) return body.length > 0 ? { value: body } : fail('', 'must not be empty');
  return isObject(body) ? { value: body } : fail('', 'must be a reading object or an array of readings');
};
