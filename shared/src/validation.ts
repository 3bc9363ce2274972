/**
 * Runtime validation from the same TypeBox schemas that give us the types. Fastify validates the same
 * schemas with its own Ajv; everything else uses these compiled checkers.
 */
import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/;

if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID.test(v));
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));

export interface Validator<T> {
  /** True when the value matches the schema. */
  check(value: unknown): value is T;
  /** Human-readable problems, at most `max`, each `path: message`. */
  problems(value: unknown, max?: number): string[];
  /** Returns the value typed, or throws a `SchemaViolation` listing the problems. */
  parse(value: unknown): T;
}

export class SchemaViolation extends Error {
  readonly code = 'SCHEMA_VIOLATION';
  constructor(
    readonly schemaId: string,
    readonly problems: string[],
  ) {
    super(`${schemaId}: ${problems.join('; ')}`);
    this.name = 'SchemaViolation';
  }
}

export function createValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  const id = (schema.$id as string | undefined) ?? 'value';
  const problems = (value: unknown, max = 10): string[] => {
    const out: string[] = [];
    for (const e of compiled.Errors(value)) {
      out.push(`${e.path || '/'}: ${e.message}`);
      if (out.length >= max) break;
    }
    return out;
  };
  return {
    check: (value): value is Static<S> => compiled.Check(value),
    problems,
    parse(value) {
      if (compiled.Check(value)) return value;
      throw new SchemaViolation(id, problems(value));
    },
  };
}
