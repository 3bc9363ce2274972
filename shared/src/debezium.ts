/**
 * Debezium change events as our connector emits them (JsonConverter, schemas disabled): topic per table,
 * key = primary-key columns as a JSON object, value = envelope or null (tombstone). Decoding is pure.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const DebeziumOpSchema = Type.Union([
  Type.Literal('r'),
  Type.Literal('c'),
  Type.Literal('u'),
  Type.Literal('d'),
  Type.Literal('t'),
  Type.Literal('m'),
]);
export type DebeziumOp = Static<typeof DebeziumOpSchema>;

export const DebeziumSourceSchema = Type.Object(
  {
    version: Type.Optional(Type.String()),
    connector: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    /** Commit time of the transaction in PostgreSQL, epoch ms. */
    ts_ms: Type.Number(),
    snapshot: Type.Optional(Type.Union([Type.String(), Type.Boolean(), Type.Null()])),
    db: Type.Optional(Type.String()),
    schema: Type.Optional(Type.String()),
    table: Type.Optional(Type.String()),
    txId: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    lsn: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  },
  { additionalProperties: true },
);
export type DebeziumSource = Static<typeof DebeziumSourceSchema>;

/** The envelope for a table whose row shape is `Row`. */
export const DebeziumEnvelopeSchema = <Row extends TSchema>(row: Row) =>
  Type.Object(
    {
      before: Type.Union([row, Type.Null()]),
      after: Type.Union([row, Type.Null()]),
      source: DebeziumSourceSchema,
      op: DebeziumOpSchema,
      ts_ms: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    },
    { additionalProperties: true },
  );

export interface DebeziumEnvelope<Row = Record<string, unknown>> {
  before: Row | null;
  after: Row | null;
  source: DebeziumSource;
  op: DebeziumOp;
  ts_ms?: number | null;
}

/** One decoded CDC message: a row version, a delete, a tombstone, or something we could not read. */
export type ChangeEvent<Row = Record<string, unknown>> =
  | {
      kind: 'upsert';
      op: 'r' | 'c' | 'u';
      key: Record<string, unknown>;
      row: Row;
      before: Row | null;
      committedAtMs: number;
      source: DebeziumSource;
    }
  | { kind: 'delete'; key: Record<string, unknown>; before: Row | null; committedAtMs: number; source: DebeziumSource }
  | { kind: 'tombstone'; key: Record<string, unknown> }
  | { kind: 'ignored'; op: string; key: Record<string, unknown> | null }
  | { kind: 'malformed'; reason: string };

function parseJson(buf: Buffer | string): unknown {
  return JSON.parse(typeof buf === 'string' ? buf : buf.toString('utf8'));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decodes a Debezium key/value pair (schemas disabled). Never throws: garbage becomes `malformed`.
 * Also accepts the schemas-enabled form (`{ schema, payload }`) by unwrapping `payload`.
 */
export function decodeChangeEvent<Row = Record<string, unknown>>(
  key: Buffer | string | null,
  value: Buffer | string | null,
): ChangeEvent<Row> {
  let k: unknown = null;
  try {
    k = key === null || key.length === 0 ? null : parseJson(key);
  } catch {
    return { kind: 'malformed', reason: 'key is not JSON' };
  }
  if (isRecord(k) && 'payload' in k && 'schema' in k) k = k.payload;
  if (value === null || value.length === 0) {
    if (!isRecord(k)) return { kind: 'malformed', reason: 'tombstone without a key' };
    return { kind: 'tombstone', key: k };
  }
  let v: unknown;
  try {
    v = parseJson(value);
  } catch {
    return { kind: 'malformed', reason: 'value is not JSON' };
  }
  if (isRecord(v) && 'payload' in v && 'schema' in v) v = v.payload;
  if (!isRecord(v)) return { kind: 'malformed', reason: 'value is not an object' };
  const op = v.op;
  const source = v.source;
  if (typeof op !== 'string') return { kind: 'malformed', reason: 'op is missing' };
  if (!isRecord(source) || typeof source.ts_ms !== 'number') return { kind: 'malformed', reason: 'source.ts_ms is missing' };
  const keyObj = isRecord(k) ? k : null;
  const before = isRecord(v.before) ? (v.before as Row) : null;
  const src = source as DebeziumSource;
  if (op === 'r' || op === 'c' || op === 'u') {
    if (!isRecord(v.after)) return { kind: 'malformed', reason: `op ${op} without after` };
    return { kind: 'upsert', op, key: keyObj ?? {}, row: v.after as Row, before, committedAtMs: src.ts_ms, source: src };
  }
  if (op === 'd') return { kind: 'delete', key: keyObj ?? {}, before, committedAtMs: src.ts_ms, source: src };
  return { kind: 'ignored', op, key: keyObj };
}
