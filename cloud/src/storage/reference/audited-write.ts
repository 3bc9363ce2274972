/**
 * A write through the API: one transaction holding the change and its audit record, under the database's
 * dependency guard (503 when PostgreSQL is unavailable). Helpers for the common single-row writes (create,
 * update with If-Match, delete) build on it; special operations (transfer, token rotation) use `auditedWrite`
 * directly.
 */
import type pg from 'pg';
import { CloudErrors } from '../../errors.js';
import { checkIfMatch } from '../../http/etag.js';
import type { CustomerScope } from '../../auth/scope.js';
import type { DependencyGuard } from '../../resilience/dependency-guard.js';
import { withTransaction } from '../../db/transaction.js';
import { recordAudit, type Actor, type AuditEntry } from './audit.js';
import { deleteRow, getRow, insertRow, updateRow } from './repository.js';
import type { ColumnSpec, ResourceSpec, Row } from './resource.js';

export interface WriteDeps {
  readonly pool: pg.Pool;
  readonly pg: DependencyGuard;
}

export interface WriteTx {
  readonly client: pg.PoolClient;
  audit(entry: AuditEntry): Promise<void>;
}

export async function auditedWrite<T>(d: WriteDeps, actor: Actor, work: (tx: WriteTx) => Promise<T>): Promise<T> {
  return d.pg.run(() =>
    withTransaction(d.pool, (client) => work({ client, audit: (entry) => recordAudit(client, actor, entry) })),
  );
}

function customerOf(spec: ResourceSpec, row: Row): string | null {
  const v = row[spec.customerColumn];
  return typeof v === 'string' ? v : null;
}

/** Locks a live row in scope, or answers 404 (also for soft-deleted rows: they are history, not writable). */
export async function lockLiveRow(tx: WriteTx, spec: ResourceSpec, scope: CustomerScope, id: string): Promise<Row> {
  const row = await getRow(tx.client, spec, scope, id, true);
  if (!row || (spec.softDelete && row[spec.softDelete] !== null)) throw CloudErrors.CLOUD_ERR_NOT_FOUND(spec.entity, id);
  return row;
}

/** Inserts a row and its audit record inside a write already under way (to add more work to the transaction). */
export async function insertAuditedIn(
  tx: WriteTx,
  spec: ResourceSpec,
  values: ReadonlyMap<ColumnSpec, unknown>,
  action = 'create',
): Promise<Row> {
  const row = await insertRow(tx.client, spec, values);
  await tx.audit({
    action,
    entity: spec.entity,
    entityId: String(row.id),
    customerId: customerOf(spec, row),
    before: null,
    after: spec.toApi(row),
  });
  return row;
}

export async function createAudited(
  d: WriteDeps,
  actor: Actor,
  spec: ResourceSpec,
  values: ReadonlyMap<ColumnSpec, unknown>,
  action = 'create',
): Promise<Row> {
  return auditedWrite(d, actor, (tx) => insertAuditedIn(tx, spec, values, action));
}

export interface UpdateRequest {
  readonly scope: CustomerScope;
  readonly id: string;
  readonly ifMatch: string | undefined;
  readonly values: ReadonlyMap<ColumnSpec, unknown>;
  readonly raw?: Readonly<Record<string, string>>;
  readonly action?: string;
  /** Checks on the locked row before the change (e.g. state rules); throw to refuse. */
  readonly precheck?: (row: Row, tx: WriteTx) => Promise<void> | void;
}

/** Locks the live row, checks If-Match and `precheck`: the row as it was. */
async function lockForChange(tx: WriteTx, spec: ResourceSpec, u: Omit<UpdateRequest, 'values' | 'raw' | 'action'>): Promise<Row> {
  const before = await lockLiveRow(tx, spec, u.scope, u.id);
  checkIfMatch(u.ifMatch, Number(before.row_version), spec.entity, u.id);
  await u.precheck?.(before, tx);
  return before;
}

/** Updates a row (If-Match, precheck) with its audit record inside a write already under way. */
export async function updateAuditedIn(tx: WriteTx, spec: ResourceSpec, u: UpdateRequest): Promise<{ before: Row; after: Row }> {
  const before = await lockForChange(tx, spec, u);
  const after = await updateRow(tx.client, spec, u.id, u.values, u.raw);
  await tx.audit({
    action: u.action ?? 'update',
    entity: spec.entity,
    entityId: u.id,
    customerId: customerOf(spec, after),
    before: spec.toApi(before),
    after: spec.toApi(after),
  });
  return { before, after };
}

export async function updateAudited(d: WriteDeps, actor: Actor, spec: ResourceSpec, u: UpdateRequest): Promise<Row> {
  return auditedWrite(d, actor, async (tx) => (await updateAuditedIn(tx, spec, u)).after);
}

/** Deletes a row for good (If-Match, precheck) with its audit record inside a write already under way: the row as it was. */
export async function deleteAuditedIn(
  tx: WriteTx,
  spec: ResourceSpec,
  u: Omit<UpdateRequest, 'values' | 'raw' | 'action'>,
): Promise<Row> {
  const before = await lockForChange(tx, spec, u);
  await deleteRow(tx.client, spec, u.id);
  await tx.audit({
    action: 'delete',
    entity: spec.entity,
    entityId: u.id,
    customerId: customerOf(spec, before),
    before: spec.toApi(before),
    after: null,
  });
  return before;
}

/** Soft delete when the resource keeps history, hard delete otherwise. */
export async function removeAudited(
  d: WriteDeps,
  actor: Actor,
  spec: ResourceSpec,
  u: Omit<UpdateRequest, 'values' | 'raw' | 'action'>,
): Promise<void> {
  if (spec.softDelete) {
    await updateAudited(d, actor, spec, { ...u, values: new Map(), raw: { [spec.softDelete]: 'now()' }, action: 'delete' });
    return;
  }
  await auditedWrite(d, actor, (tx) => deleteAuditedIn(tx, spec, u));
}
