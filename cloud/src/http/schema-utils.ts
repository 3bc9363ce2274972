/**
 * Shared TypeBox schemas carry `$id`s (Reading, ReadingOutcome, ...). Fastify would register each `$id` once per
 * compiler and refuse a second route using the same one, so routes use copies without ids.
 */
import type { TSchema } from '@sinclair/typebox';

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string | symbol, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '$id') continue;
    out[key] = strip((value as Record<string, unknown>)[key]);
  }
  // Keep TypeBox's symbol-keyed metadata (Kind, Optional) so type checks still see the schema kinds.
  for (const sym of Object.getOwnPropertySymbols(value)) out[sym] = (value as Record<symbol, unknown>)[sym];
  return out;
}

export function withoutIds<T extends TSchema>(schema: T): T {
  return strip(schema) as T;
}
