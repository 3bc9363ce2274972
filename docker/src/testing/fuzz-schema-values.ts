/** Values from a JSON schema (the OpenAPI document's request schemas), for the fuzz kit. */
import { randomJson } from './fuzz-mutators.js';
import type { Rng } from './fuzz.js';

type Schema = Record<string, unknown>;

/**
 * A value that mostly satisfies `schema` (types, enums, required properties, formats uuid/date-time, bounds),
 * so a mutation of it reaches past validation into the handler. A property whose name is in `hints` takes one
 * of the hinted values most of the time (ids of a tenant that exists).
 */
export function fromJsonSchema(
  rng: Rng,
  schema: Schema | undefined,
  hints: Record<string, readonly unknown[]> = {},
  depth = 0,
): unknown {
  if (!schema || depth > 8) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return rng.pick(schema.enum as unknown[]);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives?.length) return fromJsonSchema(rng, rng.pick(alternatives), hints, depth + 1);
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...(schema.allOf as Schema[]).map((s) => fromJsonSchema(rng, s, hints, depth + 1)));
  }
  let type = schema.type;
  if (Array.isArray(type)) type = rng.pick(type as string[]);
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(props)) {
        if (!required.has(k) && rng.bool(0.5)) continue;
        const hinted = hints[k];
        out[k] = hinted?.length && rng.bool(0.85) ? rng.pick(hinted) : fromJsonSchema(rng, s, hints, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = Number(schema.minItems ?? 0);
      const max = Math.min(Number(schema.maxItems ?? min + 4), min + 4);
      return Array.from({ length: rng.int(min, max) }, () => fromJsonSchema(rng, schema.items as Schema, hints, depth + 1));
    }
    case 'integer':
    case 'number': {
      const lo = Number(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 0));
      const hi = Number(
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? Number(schema.exclusiveMaximum) - 1 : lo + 1000),
      );
      const n = lo + rng.next() * (hi - lo);
      return type === 'integer' ? Math.round(n) : Math.round(n * 100) / 100;
    }
    case 'boolean':
      return rng.bool();
    case 'null':
      return null;
    case 'string':
      return stringFor(rng, schema);
    default:
      return randomJson(rng, 1);
  }
}

function uuidOf(rng: Rng): string {
  const h = rng.bytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function stringFor(rng: Rng, schema: Schema): string {
  switch (schema.format) {
    case 'uuid':
      return uuidOf(rng);
    case 'date-time':
      return new Date(Date.now() - rng.int(0, 3_600_000)).toISOString();
    case 'date':
      return new Date(Date.now() - rng.int(0, 86_400_000 * 30)).toISOString().slice(0, 10);
    case 'email':
      return `fuzz${rng.int(0, 9999)}@example.org`;
    default: {
      const min = Number(schema.minLength ?? 1);
      const max = Math.max(min, Math.min(Number(schema.maxLength ?? 12), 24));
      const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
      let s = '';
      for (let i = rng.int(Math.max(min, 2), Math.max(max, 2)); i > 0; i--) s += alphabet[rng.int(0, alphabet.length - 1)];
      return s.slice(0, Math.max(max, 1));
    }
  }
}
