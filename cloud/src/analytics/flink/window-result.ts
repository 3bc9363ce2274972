/**
 * The records of the Flink analytics job's `window-results` topic: a window's row as the job computed it
 * (absolute values, not deltas), final or running. Decoding and coalescing a batch of them; pure.
 */
import { Type, type Static } from '@sinclair/typebox';
import { createValidator } from '@vitals/shared';

const Id = Type.String({ minLength: 1, maxLength: 200 });
const Ms = Type.Integer();

export const WindowResultSchema = Type.Object(
  {
    query_id: Id,
    customer_id: Type.String({ format: 'uuid' }),
    group_kind: Type.Union([Type.Literal('patient'), Type.Literal('department')]),
    group_id: Type.String({ format: 'uuid' }),
    metric: Id,
    window_start_ms: Ms,
    window_end_ms: Ms,
    count: Type.Integer({ minimum: 1 }),
    sum_milli: Type.Integer(),
    min: Type.Number(),
    max: Type.Number(),
    last: Type.Number(),
    last_measured_at_ms: Ms,
    last_news2: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 3 }), Type.Null()])),
    department_id: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
    bed_id: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
    is_final: Type.Boolean(),
  },
  { $id: 'WindowResult' },
);
export type WindowResult = Static<typeof WindowResultSchema>;

const validator = createValidator(WindowResultSchema);

export type DecodedResult =
  | { readonly kind: 'row'; readonly row: WindowResult }
  | { readonly kind: 'tombstone' }
  | { readonly kind: 'malformed'; readonly detail: string };

/** A record's value: a row, a tombstone (the job's retraction of a running row: nothing to apply), or malformed. */
export function decodeWindowResult(value: string | null): DecodedResult {
  if (value === null) return { kind: 'tombstone' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    return { kind: 'malformed', detail: `not JSON: ${(err as Error).message}` };
  }
  if (!validator.check(parsed))
    return { kind: 'malformed', detail: `not a window row: ${validator.problems(parsed, 3).join('; ')}` };
  return { kind: 'row', row: parsed };
}

/** `query \0 group \0 metric \0 start`: the row's identity in window_aggregates. */
export function resultKey(r: WindowResult): string {
  return `${r.query_id}\u0000${r.group_id}\u0000${r.metric}\u0000${r.window_start_ms}`;
}

/**
 * The rows of a batch that change anything, one per window (PostgreSQL cannot update a row twice in one
 * statement): the final row when there is one, else the running row counting the most readings (running rows
 * of a window only grow; they may reach the topic out of order with each other and with the final row).
 * Sorted by key, so concurrent appliers lock rows in the same order.
 */
export function coalesceResults(rows: readonly WindowResult[]): WindowResult[] {
  const byKey = new Map<string, WindowResult>();
  for (const r of rows) {
    const k = resultKey(r);
    const had = byKey.get(k);
    if (!had || (!had.is_final && (r.is_final || r.count >= had.count))) byKey.set(k, r);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
