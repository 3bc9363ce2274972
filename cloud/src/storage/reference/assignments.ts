/**
 * Device assignments over time: which patient and bed a device measures during [validFrom, validTo). The
 * database refuses overlaps (exclusion constraints: one device, one assignment at a time; one patient, one bed
 * at a time), answered 409. Transfer ends the current assignment and starts the next one at the same instant in
 * one transaction, so there is neither a gap nor an overlap.
 */
import { CloudErrors } from '../../errors.js';
import { checkIfMatch } from '../../http/etag.js';
import { customerForWrite, type CustomerScope } from '../../auth/scope.js';
import type { Queryable } from '../../db/transaction.js';
import type { WriteTx } from './audited-write.js';
import { lockLiveRow } from './audited-write.js';
import { insertRow, updateRow } from './repository.js';
import type { Row } from './resource.js';
import { assignmentSpec, deviceSpec, patientSpec } from './specs.js';

export async function hasActiveAssignment(db: Queryable, column: 'device_id' | 'patient_id', id: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM device_assignments WHERE ${column} = $1 AND (valid_to IS NULL OR valid_to > now()) LIMIT 1`,
    [id],
  );
  return rows.length > 0;
}

/** Refuses to soft-delete a device or patient that is assigned now or later. */
export function refuseIfAssigned(column: 'device_id' | 'patient_id', what: string) {
  return async (row: Row, tx: WriteTx): Promise<void> => {
    if (await hasActiveAssignment(tx.client, column, String(row.id))) {
      throw CloudErrors.CLOUD_ERR_CONFLICT(`the ${what} has a current or future assignment; end it first`);
    }
  };
}

export interface AssignInput {
  readonly customerId?: string;
  readonly deviceId: string;
  readonly patientId: string;
  readonly bedId: string;
  readonly validFrom?: string;
  readonly validTo?: string | null;
}

const ms = (iso: string) => Date.parse(iso);

/** Devices and patients must be live (not soft-deleted) to be assigned; 404 otherwise. */
async function requireLive(tx: WriteTx, scope: CustomerScope, deviceId: string, patientId: string): Promise<void> {
  await lockLiveRow(tx, deviceSpec, scope, deviceId);
  await lockLiveRow(tx, patientSpec, scope, patientId);
}

export async function assign(tx: WriteTx, scope: CustomerScope, a: AssignInput, nowIso: string): Promise<Row> {
  const customerId = customerForWrite(scope, a.customerId);
  const validFrom = a.validFrom ?? nowIso;
  if (a.validTo && ms(a.validTo) <= ms(validFrom)) throw CloudErrors.CLOUD_ERR_VALIDATION('validTo must be after validFrom');
  await requireLive(tx, { all: false, customerId }, a.deviceId, a.patientId);
  const c = assignmentSpec.columns;
  const row = await insertRow(
    tx.client,
    assignmentSpec,
    new Map<(typeof c)[string], unknown>([
      [c.customerId!, customerId],
      [c.deviceId!, a.deviceId],
      [c.patientId!, a.patientId],
      [c.bedId!, a.bedId],
      [c.validFrom!, validFrom],
      [c.validTo!, a.validTo ?? null],
    ]),
  );
  await tx.audit({
    action: 'assign',
    entity: assignmentSpec.entity,
    entityId: String(row.id),
    customerId,
    before: null,
    after: assignmentSpec.toApi(row),
  });
  return row;
}

function activeAt(row: Row, atIso: string): boolean {
  const at = ms(atIso);
  const from = (row.valid_from as Date).getTime();
  const to = row.valid_to === null ? Number.POSITIVE_INFINITY : (row.valid_to as Date).getTime();
  return from < at && at < to;
}

export async function endAssignment(
  tx: WriteTx,
  scope: CustomerScope,
  id: string,
  atIso: string,
  ifMatch: string | undefined,
): Promise<Row> {
  const before = await lockLiveRow(tx, assignmentSpec, scope, id);
  checkIfMatch(ifMatch, Number(before.row_version), assignmentSpec.entity, id);
  if (!activeAt(before, atIso)) {
    throw CloudErrors.CLOUD_ERR_CONFLICT(`the assignment is not active at ${atIso}; it can only be ended within its period`);
  }
  const after = await updateRow(tx.client, assignmentSpec, id, new Map([[assignmentSpec.columns.validTo!, atIso]]));
  await tx.audit({
    action: 'end',
    entity: assignmentSpec.entity,
    entityId: id,
    customerId: String(after.customer_id),
    before: assignmentSpec.toApi(before),
    after: assignmentSpec.toApi(after),
  });
  return after;
}

export interface TransferInput {
  readonly bedId?: string;
  readonly patientId?: string;
  readonly deviceId?: string;
  readonly at?: string;
}

export async function transferAssignment(
  tx: WriteTx,
  scope: CustomerScope,
  id: string,
  t: TransferInput,
  nowIso: string,
  ifMatch: string | undefined,
): Promise<{ ended: Row; started: Row }> {
  const at = t.at ?? nowIso;
  const current = await lockLiveRow(tx, assignmentSpec, scope, id);
  checkIfMatch(ifMatch, Number(current.row_version), assignmentSpec.entity, id);
  if (!activeAt(current, at)) throw CloudErrors.CLOUD_ERR_CONFLICT(`the assignment is not active at ${at}; nothing to transfer`);
  const next = {
    deviceId: t.deviceId ?? String(current.device_id),
    patientId: t.patientId ?? String(current.patient_id),
    bedId: t.bedId ?? String(current.bed_id),
  };
  if (next.deviceId === current.device_id && next.patientId === current.patient_id && next.bedId === current.bed_id) {
    throw CloudErrors.CLOUD_ERR_VALIDATION('a transfer must change the bed, the patient or the device');
  }
  const c = assignmentSpec.columns;
  const ended = await updateRow(tx.client, assignmentSpec, id, new Map([[c.validTo!, at]]));
  const customerId = String(current.customer_id);
  await requireLive(tx, { all: false, customerId }, next.deviceId, next.patientId);
  const started = await insertRow(
    tx.client,
    assignmentSpec,
    new Map<(typeof c)[string], unknown>([
      [c.customerId!, customerId],
      [c.deviceId!, next.deviceId],
      [c.patientId!, next.patientId],
      [c.bedId!, next.bedId],
      [c.validFrom!, at],
      [c.validTo!, current.valid_to],
    ]),
  );
  await tx.audit({
    action: 'transfer',
    entity: assignmentSpec.entity,
    entityId: id,
    customerId,
    before: assignmentSpec.toApi(current),
    after: assignmentSpec.toApi(ended),
  });
  await tx.audit({
    action: 'transfer',
    entity: assignmentSpec.entity,
    entityId: String(started.id),
    customerId,
    before: null,
    after: assignmentSpec.toApi(started),
  });
  return { ended, started };
}
