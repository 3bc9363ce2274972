/**
 * Generic, parameterised SQL over a `ResourceSpec`: list with filters and a page, get, insert, update, soft or
 * hard delete, each restricted to a customer scope. Writes run inside the caller's transaction (see
 * audited-write.ts) and lock the row they change (`FOR UPDATE`) so the before-image in the audit log and the
 * If-Match check see exactly the version being replaced.
 */
import { scopeCondition, type CustomerScope } from '../../auth/scope.js';
import type { Queryable } from '../../db/transaction.js';
import type { Page } from '../../http/pagination.js';
import type { ColumnSpec, ResourceSpec, Row } from './resource.js';

export interface ListQuery {
  readonly page: Page;
  /** Filter field -> value (already validated by the route schema). */
  readonly filters: Readonly<Record<string, unknown>>;
  /** Include soft-deleted rows. */
  readonly includeDeleted?: boolean;
  /** Extra condition from the resource's own module, with its parameters appended by `extra`. */
  readonly extra?: (params: unknown[]) => string;
}

function param(params: unknown[], value: unknown, cast?: string): string {
  params.push(value);
  return cast ? `$${params.length}::${cast}` : `$${params.length}`;
}

export async function listRows(
  db: Queryable,
  spec: ResourceSpec,
  scope: CustomerScope,
  q: ListQuery,
): Promise<{ rows: Row[]; total: number }> {
  const params: unknown[] = [];
  const where = [scopeCondition(scope, spec.customerColumn, params)];
  for (const [field, f] of Object.entries(spec.filters)) {
    const value = q.filters[field];
    if (value !== undefined) where.push(`${f.column} = ${param(params, value, f.cast)}`);
  }
  if (spec.softDelete && !q.includeDeleted) where.push(`${spec.softDelete} IS NULL`);
  if (q.extra) where.push(q.extra(params));
  const limit = param(params, q.page.limit);
  const offset = param(params, q.page.offset);
  const { rows } = await db.query<Row & { total_count: number }>(
    `SELECT *, count(*) OVER ()::int AS total_count FROM ${spec.table}
      WHERE ${where.join(' AND ')} ORDER BY ${spec.orderBy} LIMIT ${limit} OFFSET ${offset}`,
    params,
  );
  let total = rows[0]?.total_count ?? 0;
  if (rows.length === 0 && q.page.offset > 0) {
    // Past the last page: count separately so the client still learns the total.
    const c = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${spec.table} WHERE ${where.join(' AND ')}`,
      params.slice(0, -2),
    );
    total = c.rows[0]?.n ?? 0;
  }
  return { rows: rows.map(({ total_count: _t, ...row }) => row), total };
}

export async function getRow(
  db: Queryable,
  spec: ResourceSpec,
  scope: CustomerScope,
  id: string,
  lock = false,
): Promise<Row | undefined> {
  const params: unknown[] = [id];
  const { rows } = await db.query<Row>(
    `SELECT * FROM ${spec.table} WHERE id = $1::${spec.idCast} AND ${scopeCondition(scope, spec.customerColumn, params)}${lock ? ' FOR UPDATE' : ''}`,
    params,
  );
  return rows[0];
}

export async function insertRow(db: Queryable, spec: ResourceSpec, values: ReadonlyMap<ColumnSpec, unknown>): Promise<Row> {
  const params: unknown[] = [];
  const cols: string[] = [];
  const exprs: string[] = [];
  for (const [col, value] of values) {
    cols.push(col.column);
    exprs.push(param(params, value, col.cast));
  }
  const { rows } = await db.query<Row>(
    `INSERT INTO ${spec.table} (${cols.join(', ')}) VALUES (${exprs.join(', ')}) RETURNING *`,
    params,
  );
  return rows[0] as Row;
}

/** Updates the row (which the caller locked); `set` may also carry raw SQL expressions such as `now()`. */
export async function updateRow(
  db: Queryable,
  spec: ResourceSpec,
  id: string,
  values: ReadonlyMap<ColumnSpec, unknown>,
  raw: Readonly<Record<string, string>> = {},
): Promise<Row> {
  const params: unknown[] = [id];
  const sets = [...values].map(([col, value]) => `${col.column} = ${param(params, value, col.cast)}`);
  for (const [column, expr] of Object.entries(raw)) sets.push(`${column} = ${expr}`);
  if (sets.length === 0) sets.push('updated_at = updated_at'); // still bumps row_version through the trigger
  const { rows } = await db.query<Row>(
    `UPDATE ${spec.table} SET ${sets.join(', ')} WHERE id = $1::${spec.idCast} RETURNING *`,
    params,
  );
  return rows[0] as Row;
}

export async function deleteRow(db: Queryable, spec: ResourceSpec, id: string): Promise<void> {
  await db.query(`DELETE FROM ${spec.table} WHERE id = $1::${spec.idCast}`, [id]);
}
