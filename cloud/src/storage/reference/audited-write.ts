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

export async function createAudited(
  d: WriteDeps,
  actor: Actor,
  spec: ResourceSpec,
  values: ReadonlyMap<ColumnSpec, unknown>,
  action = 'create',
): Promise<Row> {
  return auditedWrite(d, actor, async (tx) => {
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
  });
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

export async function updateAudited(d: WriteDeps, actor: Actor, spec: ResourceSpec, u: UpdateRequest): Promise<Row> {
  return auditedWrite(d, actor, async (tx) => {
    const before = await lockLiveRow(tx, spec, u.scope, u.id);
    checkIfMatch(u.ifMatch, Number(before.row_version), spec.entity, u.id);
    await u.precheck?.(before, tx);
    const after = await updateRow(tx.client, spec, u.id, u.values, u.raw);
    await tx.audit({
      action: u.action ?? 'update',
      entity: spec.entity,
      entityId: u.id,
      customerId: customerOf(spec, after),
      before: spec.toApi(before),
      after: spec.toApi(after),
    });
    return after;
  });
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
  await auditedWrite(d, actor, async (tx) => {
    const before = await lockLiveRow(tx, spec, u.scope, u.id);
    checkIfMatch(u.ifMatch, Number(before.row_version), spec.entity, u.id);
    await u.precheck?.(before, tx);
    await deleteRow(tx.client, spec, u.id);
    await tx.audit({
      action: 'delete',
      entity: spec.entity,
      entityId: u.id,
      customerId: customerOf(spec, before),
      before: spec.toApi(before),
      after: null,
    });
  });
}
