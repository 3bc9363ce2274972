/**
 * The FHIR API's reads from PostgreSQL: readings with the patient in effect at their measured-at time (device
 * assignments), reference rows for Patient, Device and Location. Every query is restricted to the caller's
 * customer scope and, for `patient/` grants, to one patient. Observation searches page by keyset
 * (measured_at, reading_id) over the partitioned readings table: a patient's search runs, per device assignment,
 * one ordered index range scan of `readings_device_time` that stops after the page (LATERAL ... LIMIT).
 *
 * Blood pressure: at one (device, measured-at), the first systolic reading (lowest id) heads a BP panel when a
 * diastolic exists there; the first diastolic and first mean then are its components ("members") and are not
 * Observations of their own. Any other reading, extra NIBP duplicates included, is an Observation by itself, so
 * every reading is served exactly once.
 */
import { BLOOD_PRESSURE_PANEL, isUuid } from '@vitals/shared';
import { scopeCondition, type CustomerScope } from '../../auth/scope.js';
import type pg from 'pg';
import { withTransaction, type Queryable } from '../../db/transaction.js';
import { iso, type Row } from '../reference/resource.js';
import { isFhirId, isHashedDeviceId } from './ids.js';
import type { ObservationSource, ReadingSource } from './mapping/observation.js';
import type { BedSource, DeviceSource, PatientSource, WardSource } from './mapping/reference.js';
import type { Cursor } from './page-cursor.js';
import type { Grant } from './scopes.js';
import type { ObservationSearch, PatientSearch } from './search-params.js';

const { systolic: SYS, diastolic: DIA, mean: MEAN } = BLOOD_PRESSURE_PANEL;
const AT = `to_char(r.measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
/**
 * single | panel (a systolic heading a BP panel) | member (a component of one). One correlated scalar subquery per
 * NIBP reading (an index probe of its device and instant; other metrics never run it). Not EXISTS: the planner may
 * turn a correlated EXISTS into a hashed subplan that reads every NIBP reading of the table.
 */
const KIND = `CASE WHEN r.metric NOT IN ('${SYS}', '${DIA}', '${MEAN}') THEN 'single' ELSE (
  SELECT CASE
    WHEN bool_or(o.metric = r.metric AND o.reading_id < r.reading_id) THEN 'single'
    WHEN r.metric = '${SYS}' AND bool_or(o.metric = '${DIA}') THEN 'panel'
    WHEN r.metric = '${DIA}' AND bool_or(o.metric = '${SYS}') THEN 'member'
    WHEN r.metric = '${MEAN}' AND bool_or(o.metric = '${SYS}') AND bool_or(o.metric = '${DIA}') THEN 'member'
    ELSE 'single' END
    FROM readings o
   WHERE o.customer_id = r.customer_id AND o.device_id = r.device_id AND o.measured_at = r.measured_at) END`;
const READING_COLUMNS = `r.reading_id::text AS reading_id, r.customer_id::text AS customer_id, r.device_id, r.metric,
  r.value, r.unit, ${AT} AS at`;
/** The assignment in effect at a reading's measured-at time (at most one: the database refuses overlaps). */
const ASSIGNMENT_AT = `SELECT a.patient_id FROM device_assignments a
  WHERE a.customer_id = r.customer_id AND a.device_id = r.device_id
    AND a.valid_from <= r.measured_at AND (a.valid_to IS NULL OR r.measured_at < a.valid_to) LIMIT 1`;

/**
 * Runs reading queries in a read-only transaction without JIT: the planner prices the correlated BP subquery per
 * row of the whole range, so a 10 ms page looked expensive enough to be JIT-compiled first (3 s, measured).
 */
export function readingsSnapshot<T>(pool: pg.Pool, work: (db: Queryable) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION READ ONLY');
    await client.query('SET LOCAL jit = off');
    return work(client);
  });
}

interface ReadingRow {
  reading_id: string;
  customer_id: string;
  device_id: string;
  metric: string;
  value: number;
  unit: string;
  at: string;
  patient_id: string;
  kind: 'single' | 'panel' | 'member';
}

export interface ObservationPage {
  readonly items: readonly ObservationSource[];
  /** The key of the last item when there are more. */
  readonly next?: Cursor;
}

function p(params: unknown[], value: unknown, cast: string): string {
  params.push(value);
  return `$${params.length}::${cast}`;
}

function reading(r: Omit<ReadingRow, 'kind' | 'patient_id'>, patientId: string): ReadingSource {
  return {
    readingId: r.reading_id,
    deviceId: r.device_id,
    metric: r.metric,
    value: Number(r.value),
    unit: r.unit,
    measuredAt: r.at,
    patientId,
  };
}

/** Conditions on `r` (and `k.kind`) every observation query shares: code, date range, cursor. */
function readingConditions(s: Omit<ObservationSearch, 'count'>, params: unknown[]): string[] {
  const where: string[] = [];
  if (s.code) {
    const parts: string[] = [];
    if (s.code.panel) parts.push(`k.kind = 'panel'`);
    if (s.code.metrics.length > 0) parts.push(`(k.kind = 'single' AND r.metric = ANY(${p(params, s.code.metrics, 'text[]')}))`);
    where.push(parts.length > 0 ? `(${parts.join(' OR ')})` : 'FALSE');
  } else {
    where.push(`k.kind <> 'member'`);
  }
  if (s.from !== undefined) where.push(`r.measured_at >= ${p(params, s.from, 'timestamptz')}`);
  if (s.to !== undefined) where.push(`r.measured_at < ${p(params, s.to, 'timestamptz')}`);
  if (s.cursor) {
    const at = p(params, s.cursor.at, 'timestamptz');
    const id = p(params, s.cursor.id, 'uuid');
    const op = s.sort === 'desc' ? '<' : '>';
    // The plain bound lets the index range scan start at the cursor; the row comparison breaks ties.
    where.push(`r.measured_at ${op}= ${at}`, `(r.measured_at, r.reading_id) ${op} (${at}, ${id})`);
  }
  return where;
}

async function attachPanels(db: Queryable, rows: readonly ReadingRow[]): Promise<ObservationSource[]> {
  const heads = rows.filter((r) => r.kind === 'panel');
  const members = new Map<string, ReadingSource[]>();
  if (heads.length > 0) {
    const { rows: found } = await db.query<Omit<ReadingRow, 'kind' | 'patient_id'>>(
      `SELECT DISTINCT ON (r.device_id, r.measured_at, r.metric) ${READING_COLUMNS}
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS h(customer_id, device_id, measured_at)
         JOIN readings r ON r.customer_id = h.customer_id AND r.device_id = h.device_id AND r.measured_at = h.measured_at
        WHERE r.metric IN ('${DIA}', '${MEAN}')
        ORDER BY r.device_id, r.measured_at, r.metric, r.reading_id`,
      [heads.map((h) => h.customer_id), heads.map((h) => h.device_id), heads.map((h) => h.at)],
    );
    for (const m of found) {
      const key = `${m.device_id}|${m.at}`;
      members.set(key, [...(members.get(key) ?? []), reading(m, '')]);
    }
  }
  return rows.map((r) => {
    const base = reading(r, r.patient_id);
    if (r.kind !== 'panel') return base;
    const parts = members.get(`${r.device_id}|${r.at}`) ?? [];
    const diastolic = parts.find((m) => m.metric === DIA);
    const mean = parts.find((m) => m.metric === MEAN);
    if (!diastolic) return base; // deleted in between (retention): serve the systolic alone
    return {
      ...base,
      panel: {
        diastolic: { ...diastolic, patientId: r.patient_id },
        ...(mean ? { mean: { ...mean, patientId: r.patient_id } } : {}),
      },
    };
  });
}

function pageOf(rows: ReadingRow[], count: number): { rows: ReadingRow[]; next?: Cursor } {
  if (rows.length <= count) return { rows };
  const page = rows.slice(0, count);
  const last = page[page.length - 1]!;
  return { rows: page, next: { at: last.at, id: last.reading_id } };
}

export async function searchObservations(
  db: Queryable,
  scope: CustomerScope,
  grant: Grant,
  s: ObservationSearch,
): Promise<ObservationPage> {
  let patientId = s.patientId;
  if (grant.kind === 'patient') {
    if (patientId !== undefined && patientId !== grant.patientId) return { items: [] };
    patientId = grant.patientId;
  }
  if (patientId !== undefined && !isUuid(patientId)) return { items: [] };
  const params: unknown[] = [];
  const order = s.sort === 'desc' ? 'DESC' : 'ASC';
  const orderBy = `ORDER BY r.measured_at ${order}, r.reading_id ${order}`;
  const limit = s.count + 1;
  let sql: string;
  if (patientId !== undefined) {
    const where = readingConditions(s, params);
    const aScope = scopeCondition(scope, 'a.customer_id', params);
    const patient = p(params, patientId, 'uuid');
    sql = `SELECT r.*, a.patient_id::text AS patient_id
      FROM device_assignments a
      CROSS JOIN LATERAL (
        SELECT ${READING_COLUMNS}, r.measured_at, r.reading_id AS rid, k.kind
          FROM readings r CROSS JOIN LATERAL (SELECT ${KIND} AS kind) k
         WHERE r.customer_id = a.customer_id AND r.device_id = a.device_id
           AND r.measured_at >= a.valid_from AND (a.valid_to IS NULL OR r.measured_at < a.valid_to)
           AND ${where.join(' AND ')}
         ${orderBy} LIMIT ${limit}) r
     WHERE ${aScope} AND a.patient_id = ${patient}
     ORDER BY r.measured_at ${order}, r.rid ${order} LIMIT ${limit}`;
  } else {
    const where = [scopeCondition(scope, 'r.customer_id', params), ...readingConditions(s, params)];
    sql = `SELECT ${READING_COLUMNS}, a.patient_id::text AS patient_id, k.kind
      FROM readings r
      CROSS JOIN LATERAL (${ASSIGNMENT_AT}) a
      CROSS JOIN LATERAL (SELECT ${KIND} AS kind) k
     WHERE ${where.join(' AND ')}
     ${orderBy} LIMIT ${limit}`;
  }
  const { rows } = await db.query<ReadingRow>(sql, params);
  const page = pageOf(rows, s.count);
  return { items: await attachPanels(db, page.rows), ...(page.next ? { next: page.next } : {}) };
}

export async function readObservation(
  db: Queryable,
  scope: CustomerScope,
  grant: Grant,
  id: string,
): Promise<ObservationSource | undefined> {
  if (!isUuid(id)) return undefined;
  const params: unknown[] = [id];
  const where = [`r.reading_id = $1::uuid`, scopeCondition(scope, 'r.customer_id', params), `k.kind <> 'member'`];
  if (grant.kind === 'patient') where.push(`a.patient_id = ${p(params, grant.patientId, 'uuid')}`);
  const { rows } = await db.query<ReadingRow>(
    `SELECT ${READING_COLUMNS}, a.patient_id::text AS patient_id, k.kind
       FROM readings r
       CROSS JOIN LATERAL (${ASSIGNMENT_AT}) a
       CROSS JOIN LATERAL (SELECT ${KIND} AS kind) k
      WHERE ${where.join(' AND ')}
      LIMIT 1`,
    params,
  );
  if (rows.length === 0) return undefined;
  return (await attachPanels(db, rows))[0];
}

function patientSource(r: Row): PatientSource {
  return {
    id: String(r.id),
    customerId: String(r.customer_id),
    mrn: String(r.mrn),
    givenName: r.given_name === null ? null : String(r.given_name),
    familyName: r.family_name === null ? null : String(r.family_name),
    birthDate: r.birth_date === null ? null : String(r.birth_date),
    deletedAt: iso(r.deleted_at),
    version: Number(r.row_version),
    updatedAt: iso(r.updated_at) ?? '',
  };
}

function patientGrantCondition(grant: Grant, params: unknown[]): string {
  return grant.kind === 'patient' ? `id = ${p(params, grant.patientId, 'uuid')}` : 'TRUE';
}

export async function readPatient(
  db: Queryable,
  scope: CustomerScope,
  grant: Grant,
  id: string,
): Promise<PatientSource | undefined> {
  if (!isUuid(id)) return undefined;
  const params: unknown[] = [id];
  const { rows } = await db.query<Row>(
    `SELECT * FROM patients WHERE id = $1::uuid AND ${scopeCondition(scope, 'customer_id', params)} AND ${patientGrantCondition(grant, params)}`,
    params,
  );
  return rows[0] ? patientSource(rows[0]) : undefined;
}

export async function searchPatients(
  db: Queryable,
  scope: CustomerScope,
  grant: Grant,
  s: PatientSearch,
  mrnSystemPrefix: string,
): Promise<{ items: PatientSource[]; next?: Cursor }> {
  const params: unknown[] = [];
  const where = [scopeCondition(scope, 'customer_id', params), patientGrantCondition(grant, params)];
  if (s.identifier) {
    where.push(`mrn = ${p(params, s.identifier.value, 'text')}`);
    if (s.identifier.system !== undefined) {
      where.push(`${p(params, s.identifier.system, 'text')} = ${p(params, mrnSystemPrefix, 'text')} || ':' || customer_id::text`);
    }
  }
  if (s.afterId !== undefined) where.push(`id > ${p(params, s.afterId, 'uuid')}`);
  const { rows } = await db.query<Row>(
    `SELECT * FROM patients WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${s.count + 1}`,
    params,
  );
  const items = rows.slice(0, s.count).map(patientSource);
  const last = items[items.length - 1];
  return { items, ...(rows.length > s.count && last ? { next: { at: '', id: last.id } } : {}) };
}

export async function readDevice(db: Queryable, scope: CustomerScope, fhirId: string): Promise<DeviceSource | undefined> {
  const params: unknown[] = [fhirId];
  let match: string;
  if (isHashedDeviceId(fhirId)) {
    match = `id !~ '^[A-Za-z0-9.-]{1,64}$' AND '-h' || left(encode(sha256(convert_to(id, 'UTF8')), 'hex'), 40) = $1`;
  } else if (isFhirId(fhirId)) {
    match = 'id = $1';
  } else {
    return undefined;
  }
  const { rows } = await db.query<Row>(
    `SELECT * FROM devices WHERE ${match} AND ${scopeCondition(scope, 'customer_id', params)} LIMIT 1`,
    params,
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: String(r.id),
    model: String(r.model),
    serialNumber: r.serial_number === null ? null : String(r.serial_number),
    deletedAt: iso(r.deleted_at),
    version: Number(r.row_version),
    updatedAt: iso(r.updated_at) ?? '',
  };
}

export type LocationSource = ({ kind: 'ward' } & WardSource) | ({ kind: 'bed' } & BedSource);

export async function readLocation(db: Queryable, scope: CustomerScope, id: string): Promise<LocationSource | undefined> {
  if (!isUuid(id)) return undefined;
  const params: unknown[] = [id];
  const dScope = scopeCondition(scope, 'd.customer_id', params);
  const bScope = scopeCondition(scope, 'b.customer_id', params);
  const { rows } = await db.query<Row>(
    `SELECT 'ward' AS kind, d.id::text, d.customer_id::text, d.code, d.name, NULL AS label, NULL AS department_id,
            d.updated_at, d.row_version
       FROM departments d WHERE d.id = $1::uuid AND ${dScope}
     UNION ALL
     SELECT 'bed', b.id::text, b.customer_id::text, NULL, d.name, b.label, b.department_id::text, b.updated_at, b.row_version
       FROM beds b JOIN departments d ON d.id = b.department_id WHERE b.id = $1::uuid AND ${bScope}`,
    params,
  );
  const r = rows[0];
  if (!r) return undefined;
  const versioned = { version: Number(r.row_version), updatedAt: iso(r.updated_at) ?? '' };
  if (r.kind === 'ward') {
    return {
      kind: 'ward',
      id: String(r.id),
      customerId: String(r.customer_id),
      code: String(r.code),
      name: String(r.name),
      ...versioned,
    };
  }
  return {
    kind: 'bed',
    id: String(r.id),
    departmentId: String(r.department_id),
    label: String(r.label),
    departmentName: String(r.name),
    ...versioned,
  };
}
