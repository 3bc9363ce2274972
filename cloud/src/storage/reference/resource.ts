/**
 * How a reference-data resource maps to its table: the API field of every writable column, the filters a list
 * accepts, soft deletion, and the row -> API conversion. The repository (repository.ts) builds parameterised SQL
 * from this description; column names only ever come from these specs, never from requests.
 */

export type Row = Record<string, unknown>;

export interface ColumnSpec {
  readonly column: string;
  /** SQL type the parameter is cast to, e.g. `uuid`, `date`, `timestamptz`. */
  readonly cast?: string;
}

export interface FilterSpec {
  readonly column: string;
  readonly cast?: string;
}

export interface ResourceSpec<Api = unknown> {
  /** Singular name for messages and the audit log: `patient`. */
  readonly entity: string;
  readonly table: string;
  /** The column holding the owning customer: `customer_id`, or `id` for the customers table itself. */
  readonly customerColumn: string;
  readonly idCast: 'uuid' | 'text';
  /** API field -> column, for inserts and patches. */
  readonly columns: Readonly<Record<string, ColumnSpec>>;
  /** Query parameter -> column, equality filters of the list endpoint. */
  readonly filters: Readonly<Record<string, FilterSpec>>;
  /** A soft-deleted row keeps its history: the timestamp column that marks it. */
  readonly softDelete?: 'deleted_at' | 'revoked_at';
  /** ORDER BY of lists (stable: ends with the id). */
  readonly orderBy: string;
  readonly toApi: (row: Row) => Api;
}

/** ISO-8601 of a timestamptz column (or null). */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

/** Common fields of every resource representation. */
export function meta(row: Row): { createdAt: string; updatedAt: string; version: number } {
  return { createdAt: iso(row.created_at) ?? '', updatedAt: iso(row.updated_at) ?? '', version: Number(row.row_version) };
}

/** Columns and values of the API fields present in `body` (absent fields are left alone; null clears). */
export function columnsOf(spec: ResourceSpec, body: Readonly<Record<string, unknown>>): Map<ColumnSpec, unknown> {
  const out = new Map<ColumnSpec, unknown>();
  for (const [field, col] of Object.entries(spec.columns)) {
    if (body[field] !== undefined) out.set(col, body[field]);
  }
  return out;
}
