/**
 * Desired and reported state in PostgreSQL: `config_versions` (every issued document), `gateway_config_state`
 * (one row per gateway, locked while its document is recomputed or an acknowledgement is recorded, so versions
 * and reported state change one writer at a time) and `gateway_config_acks` (every acknowledgement).
 */
import type { GatewayConfigDocument } from '@vitals/shared';
import { scopeCondition, type CustomerScope } from '../../auth/scope.js';
import type { Queryable } from '../../db/transaction.js';
import type { Page } from '../../http/pagination.js';
import type { ReportedState } from '../domain/reported-state.js';
import type { LatestVersion } from '../domain/versioning.js';

export interface StateRow extends ReportedState {
  readonly gatewayId: string;
  readonly customerId: string;
  readonly buildError: string | null;
}

interface RawState {
  gateway_id: string;
  customer_id: string;
  desired_version: string;
  reported_version: string;
  reported_status: 'applied' | 'rejected' | null;
  reported_reason: string | null;
  reported_at: Date | null;
  applied_version: string;
  build_error: string | null;
}

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

function toState(r: RawState): StateRow {
  return {
    gatewayId: r.gateway_id,
    customerId: r.customer_id,
    desiredVersion: Number(r.desired_version),
    reportedVersion: Number(r.reported_version),
    reportedStatus: r.reported_status,
    reportedReason: r.reported_reason,
    reportedAt: isoOrNull(r.reported_at),
    appliedVersion: Number(r.applied_version),
    buildError: r.build_error,
  };
}

/**
 * Creates the gateway's state row if missing and locks it for the transaction. Undefined when the gateway does
 * not exist at all.
 */
export async function lockState(db: Queryable, gatewayId: string): Promise<StateRow | undefined> {
  await db.query(
    `INSERT INTO gateway_config_state (gateway_id, customer_id)
     SELECT id, customer_id FROM gateways WHERE id = $1
     ON CONFLICT (gateway_id) DO NOTHING`,
    [gatewayId],
  );
  const { rows } = await db.query<RawState>(
    `SELECT gateway_id, customer_id::text, desired_version, reported_version, reported_status, reported_reason,
            reported_at, applied_version, build_error
       FROM gateway_config_state WHERE gateway_id = $1 FOR UPDATE`,
    [gatewayId],
  );
  return rows[0] ? toState(rows[0]) : undefined;
}

export async function latestVersion(db: Queryable, gatewayId: string): Promise<LatestVersion | undefined> {
  const { rows } = await db.query<{ version: string; content_hash: string | null }>(
    'SELECT version, content_hash FROM config_versions WHERE gateway_id = $1 ORDER BY version DESC LIMIT 1',
    [gatewayId],
  );
  const r = rows[0];
  return r ? { version: Number(r.version), contentHash: r.content_hash ?? '' } : undefined;
}

export interface NewVersion {
  readonly gatewayId: string;
  readonly customerId: string;
  readonly document: GatewayConfigDocument;
  readonly contentHash: string;
  readonly cause: string;
  readonly createdBy: string;
}

/** Stores the version and makes it the desired one (the caller holds the state row's lock). */
export async function insertVersion(db: Queryable, v: NewVersion): Promise<void> {
  await db.query(
    `INSERT INTO config_versions (gateway_id, version, customer_id, document, created_at, created_by, content_hash, cause)
     VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz, $6, $7, $8)`,
    [
      v.gatewayId,
      v.document.version,
      v.customerId,
      JSON.stringify(v.document),
      v.document.issuedAt,
      v.createdBy,
      v.contentHash,
      v.cause,
    ],
  );
  await db.query(
    `UPDATE gateway_config_state
        SET desired_version = $2, desired_at = $3::timestamptz, build_error = NULL, build_error_at = NULL
      WHERE gateway_id = $1`,
    [v.gatewayId, v.document.version, v.document.issuedAt],
  );
}

export async function setBuildError(db: Queryable, gatewayId: string, error: string | null): Promise<void> {
  await db.query(
    `UPDATE gateway_config_state
        SET build_error = $2, build_error_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END
      WHERE gateway_id = $1 AND build_error IS DISTINCT FROM $2::text`,
    [gatewayId, error],
  );
}

/** The newest stored document of a gateway. */
export async function latestDocument(db: Queryable, gatewayId: string): Promise<GatewayConfigDocument | undefined> {
  const { rows } = await db.query<{ document: GatewayConfigDocument }>(
    'SELECT document FROM config_versions WHERE gateway_id = $1 ORDER BY version DESC LIMIT 1',
    [gatewayId],
  );
  return rows[0]?.document;
}

export async function markPublished(db: Queryable, gatewayId: string, version: number): Promise<void> {
  await db.query(
    `UPDATE gateway_config_state SET published_version = $2, published_at = now()
      WHERE gateway_id = $1 AND published_version <= $2`,
    [gatewayId, version],
  );
}

export async function touchLastSeen(db: Queryable, gatewayId: string): Promise<void> {
  await db.query(
    `INSERT INTO gateway_config_state (gateway_id, customer_id, last_seen_at)
     SELECT id, customer_id, now() FROM gateways WHERE id = $1
     ON CONFLICT (gateway_id) DO UPDATE SET last_seen_at = now()`,
    [gatewayId],
  );
}

export interface AckRecord {
  readonly gatewayId: string;
  readonly version: number;
  readonly status: 'applied' | 'rejected';
  readonly reason: string | null;
  readonly appliedVersion: number | null;
  readonly superseded: boolean;
}

/** Writes the new reported state (the caller holds the lock) and the acknowledgement itself. */
export async function saveAck(db: Queryable, state: ReportedState | undefined, ack: AckRecord): Promise<void> {
  if (state) {
    await db.query(
      `UPDATE gateway_config_state
          SET reported_version = $2, reported_status = $3, reported_reason = $4, reported_at = $5::timestamptz,
              applied_version = $6, last_seen_at = now()
        WHERE gateway_id = $1`,
      [ack.gatewayId, state.reportedVersion, state.reportedStatus, state.reportedReason, state.reportedAt, state.appliedVersion],
    );
  } else {
    await db.query('UPDATE gateway_config_state SET last_seen_at = now() WHERE gateway_id = $1', [ack.gatewayId]);
  }
  await db.query(
    `INSERT INTO gateway_config_acks (gateway_id, version, status, reason, applied_version, superseded)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [ack.gatewayId, ack.version, ack.status, ack.reason, ack.appliedVersion, ack.superseded],
  );
}

// ---- reads for the API -------------------------------------------------------------------------------------

export interface StatusRow {
  readonly gatewayId: string;
  readonly customerId: string;
  readonly departmentId: string;
  readonly desiredVersion: number;
  readonly desiredAt: string | null;
  readonly reportedVersion: number;
  readonly reportedStatus: 'applied' | 'rejected' | null;
  readonly reportedReason: string | null;
  readonly reportedAt: string | null;
  readonly appliedVersion: number;
  readonly publishedVersion: number;
  readonly publishedAt: string | null;
  readonly lastSeenAt: string | null;
  readonly buildError: string | null;
  readonly buildErrorAt: string | null;
}

const STATUS_SELECT = `
SELECT g.id AS gateway_id, g.customer_id::text, g.department_id::text,
       coalesce(s.desired_version, 0) AS desired_version, s.desired_at,
       coalesce(s.reported_version, 0) AS reported_version, s.reported_status, s.reported_reason, s.reported_at,
       coalesce(s.applied_version, 0) AS applied_version,
       coalesce(s.published_version, 0) AS published_version, s.published_at,
       s.last_seen_at, s.build_error, s.build_error_at
  FROM gateways g LEFT JOIN gateway_config_state s ON s.gateway_id = g.id`;

/** Out of sync: nothing desired yet, the desired version not acknowledged as applied, or a build error. */
const OUT_OF_SYNC = `(coalesce(s.desired_version, 0) = 0 OR s.reported_version <> s.desired_version
  OR s.reported_status IS DISTINCT FROM 'applied' OR s.build_error IS NOT NULL)`;

type RawStatus = Record<string, unknown>;

function toStatus(r: RawStatus): StatusRow {
  const d = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
  return {
    gatewayId: String(r.gateway_id),
    customerId: String(r.customer_id),
    departmentId: String(r.department_id),
    desiredVersion: Number(r.desired_version),
    desiredAt: d(r.desired_at),
    reportedVersion: Number(r.reported_version),
    reportedStatus: (r.reported_status as StatusRow['reportedStatus']) ?? null,
    reportedReason: (r.reported_reason as string | null) ?? null,
    reportedAt: d(r.reported_at),
    appliedVersion: Number(r.applied_version),
    publishedVersion: Number(r.published_version),
    publishedAt: d(r.published_at),
    lastSeenAt: d(r.last_seen_at),
    buildError: (r.build_error as string | null) ?? null,
    buildErrorAt: d(r.build_error_at),
  };
}

export async function getStatus(db: Queryable, scope: CustomerScope, gatewayId: string): Promise<StatusRow | undefined> {
  const params: unknown[] = [gatewayId];
  const { rows } = await db.query<RawStatus>(
    `${STATUS_SELECT} WHERE g.id = $1 AND g.deleted_at IS NULL AND ${scopeCondition(scope, 'g.customer_id', params)}`,
    params,
  );
  return rows[0] ? toStatus(rows[0]) : undefined;
}

export async function listStatus(
  db: Queryable,
  scope: CustomerScope,
  q: { outOfSync?: boolean; departmentId?: string; page: Page },
): Promise<{ rows: StatusRow[]; total: number }> {
  const params: unknown[] = [];
  const where = ['g.deleted_at IS NULL', scopeCondition(scope, 'g.customer_id', params)];
  if (q.outOfSync === true) where.push(OUT_OF_SYNC);
  if (q.outOfSync === false) where.push(`NOT ${OUT_OF_SYNC}`);
  if (q.departmentId !== undefined) {
    params.push(q.departmentId);
    where.push(`g.department_id = $${params.length}::uuid`);
  }
  const countParams = [...params];
  params.push(q.page.limit, q.page.offset);
  const [list, count] = await Promise.all([
    db.query<RawStatus>(
      `${STATUS_SELECT} WHERE ${where.join(' AND ')} ORDER BY g.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gateways g LEFT JOIN gateway_config_state s ON s.gateway_id = g.id WHERE ${where.join(' AND ')}`,
      countParams,
    ),
  ]);
  return { rows: list.rows.map(toStatus), total: count.rows[0]?.n ?? 0 };
}

export interface VersionRow {
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly cause: string | null;
  readonly contentHash: string | null;
}

export async function listVersions(db: Queryable, gatewayId: string, page: Page): Promise<{ rows: VersionRow[]; total: number }> {
  const { rows } = await db.query<{
    version: string;
    created_at: Date;
    created_by: string | null;
    cause: string | null;
    content_hash: string | null;
    total: number;
  }>(
    `SELECT version, created_at, created_by, cause, content_hash, count(*) OVER ()::int AS total
       FROM config_versions WHERE gateway_id = $1 ORDER BY version DESC LIMIT $2 OFFSET $3`,
    [gatewayId, page.limit, page.offset],
  );
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((r) => ({
      version: Number(r.version),
      createdAt: r.created_at.toISOString(),
      createdBy: r.created_by,
      cause: r.cause,
      contentHash: r.content_hash,
    })),
  };
}

export async function getVersion(db: Queryable, gatewayId: string, version: number): Promise<GatewayConfigDocument | undefined> {
  const { rows } = await db.query<{ document: GatewayConfigDocument }>(
    'SELECT document FROM config_versions WHERE gateway_id = $1 AND version = $2',
    [gatewayId, version],
  );
  return rows[0]?.document;
}

export interface AckHistoryRow {
  readonly version: number;
  readonly status: 'applied' | 'rejected';
  readonly reason: string | null;
  readonly appliedVersion: number | null;
  readonly superseded: boolean;
  readonly receivedAt: string;
}

export async function listAcks(db: Queryable, gatewayId: string, page: Page): Promise<{ rows: AckHistoryRow[]; total: number }> {
  const { rows } = await db.query<{
    version: string;
    status: 'applied' | 'rejected';
    reason: string | null;
    applied_version: string | null;
    superseded: boolean;
    received_at: Date;
    total: number;
  }>(
    `SELECT version, status, reason, applied_version, superseded, received_at, count(*) OVER ()::int AS total
       FROM gateway_config_acks WHERE gateway_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
    [gatewayId, page.limit, page.offset],
  );
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((r) => ({
      version: Number(r.version),
      status: r.status,
      reason: r.reason,
      appliedVersion: r.applied_version === null ? null : Number(r.applied_version),
      superseded: r.superseded,
      receivedAt: r.received_at.toISOString(),
    })),
  };
}
