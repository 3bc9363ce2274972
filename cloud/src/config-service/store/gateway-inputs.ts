/**
 * Reads the inputs of one gateway's effective configuration at a given instant (the rows the pure builder in
 * domain/effective-config.ts merges), and which gateways a change can affect. Plain parameterised SQL, every
 * query restricted to the gateway's customer.
 */
import type { PatientNamePolicy } from '@vitals/shared';
import type { Queryable } from '../../db/transaction.js';
import type { ChangeScope } from '../domain/input-change.js';
import type { AssignmentRow, DeviceSettingsRow, GatewayInputs, ThresholdRow } from '../domain/effective-config.js';

export interface LoadedInputs {
  readonly customerId: string;
  readonly inputs: GatewayInputs;
  /** The next instant an assignment of the department starts or ends (the document changes then), if any. */
  readonly nextChangeAtMs: number | undefined;
}

/** Undefined when the gateway does not exist or is deleted. */
export async function loadGatewayInputs(db: Queryable, gatewayId: string, atIso: string): Promise<LoadedInputs | undefined> {
  const g = await db.query<{ customer_id: string; department_id: string; patient_name_policy: PatientNamePolicy }>(
    `SELECT g.customer_id::text, g.department_id::text, c.patient_name_policy
       FROM gateways g JOIN customers c ON c.id = g.customer_id
      WHERE g.id = $1 AND g.deleted_at IS NULL`,
    [gatewayId],
  );
  const gw = g.rows[0];
  if (!gw) return undefined;
  const c = gw.customer_id;
  const d = gw.department_id;
  const beds = await db.query<{ id: string; label: string }>(
    'SELECT id::text, label FROM beds WHERE customer_id = $1 AND department_id = $2',
    [c, d],
  );
  const assignments = await db.query<{
    bed_id: string;
    device_id: string;
    model: string;
    patient_id: string;
    given_name: string | null;
    family_name: string | null;
  }>(
    `SELECT a.bed_id::text, a.device_id, dv.model, a.patient_id::text, p.given_name, p.family_name
       FROM device_assignments a
       JOIN beds b ON b.id = a.bed_id AND b.customer_id = a.customer_id
       JOIN patients p ON p.id = a.patient_id AND p.customer_id = a.customer_id
       JOIN devices dv ON dv.id = a.device_id AND dv.customer_id = a.customer_id
      WHERE a.customer_id = $1 AND b.department_id = $2
        AND a.valid_from <= $3::timestamptz AND (a.valid_to IS NULL OR a.valid_to > $3::timestamptz)
        AND p.deleted_at IS NULL AND dv.deleted_at IS NULL`,
    [c, d, atIso],
  );
  const next = await db.query<{ at: Date | null }>(
    `SELECT min(t) AS at FROM (
       SELECT CASE WHEN a.valid_from > $3::timestamptz THEN a.valid_from ELSE a.valid_to END AS t
         FROM device_assignments a JOIN beds b ON b.id = a.bed_id AND b.customer_id = a.customer_id
        WHERE a.customer_id = $1 AND b.department_id = $2
          AND (a.valid_from > $3::timestamptz OR a.valid_to > $3::timestamptz)) x`,
    [c, d, atIso],
  );
  const patientIds = [...new Set(assignments.rows.map((r) => r.patient_id))];
  const thresholds = await db.query<{
    scope: ThresholdRow['scope'];
    department_id: string | null;
    patient_id: string | null;
    metric: string;
    low: number | null;
    high: number | null;
    priority: ThresholdRow['priority'];
    hysteresis: number;
    enabled: boolean;
  }>(
    `SELECT scope, department_id::text, patient_id::text, metric, low, high, priority, hysteresis, enabled
       FROM alert_thresholds
      WHERE customer_id = $1
        AND (scope = 'customer' OR (scope = 'department' AND department_id = $2)
             OR (scope = 'patient' AND patient_id = ANY($3::uuid[])))`,
    [c, d, patientIds],
  );
  const deviceIds = assignments.rows.map((r) => r.device_id);
  const models = [...new Set(assignments.rows.map((r) => r.model))];
  const settings = await db.query<{
    device_id: string | null;
    model: string | null;
    sampling_interval_ms: number;
    alarms_enabled: boolean;
    units: Record<string, string> | null;
  }>(
    `SELECT device_id, model, sampling_interval_ms, alarms_enabled, units FROM device_settings
      WHERE customer_id = $1 AND (device_id = ANY($2::text[]) OR model = ANY($3::text[]))`,
    [c, deviceIds, models],
  );
  const assignmentRows: AssignmentRow[] = assignments.rows.map((r) => ({
    bedId: r.bed_id,
    deviceId: r.device_id,
    deviceModel: r.model,
    patientId: r.patient_id,
    givenName: r.given_name,
    familyName: r.family_name,
  }));
  const settingRows: DeviceSettingsRow[] = settings.rows.map((r) => ({
    deviceId: r.device_id,
    model: r.model,
    samplingIntervalMs: r.sampling_interval_ms,
    alarmsEnabled: r.alarms_enabled,
    units: r.units ?? {},
  }));
  const nextAt = next.rows[0]?.at;
  return {
    customerId: c,
    nextChangeAtMs: nextAt ? nextAt.getTime() : undefined,
    inputs: {
      gatewayId,
      departmentId: d,
      patientNamePolicy: gw.patient_name_policy,
      beds: beds.rows,
      assignments: assignmentRows,
      thresholds: thresholds.rows.map((r) => ({
        scope: r.scope,
        departmentId: r.department_id,
        patientId: r.patient_id,
        metric: r.metric,
        low: r.low,
        high: r.high,
        priority: r.priority,
        hysteresis: r.hysteresis,
        enabled: r.enabled,
      })),
      deviceSettings: settingRows,
    },
  };
}

/**
 * The gateways (live or deleted: a deleted one must lose its retained document) a change can affect: all of the
 * customer's, or those named, in the departments named, of the beds named, or of the departments where the named
 * patients, devices or models are assigned now or later.
 */
export async function gatewaysInScope(db: Queryable, s: ChangeScope, atIso: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT g.id FROM gateways g
      WHERE g.customer_id = $1 AND (
            $2::boolean
         OR g.id = ANY($3::text[])
         OR g.department_id = ANY($4::uuid[])
         OR g.department_id IN (SELECT department_id FROM beds WHERE customer_id = $1 AND id = ANY($5::uuid[]))
         OR g.department_id IN (
              SELECT b.department_id
                FROM device_assignments a JOIN beds b ON b.id = a.bed_id AND b.customer_id = a.customer_id
               WHERE a.customer_id = $1 AND (a.valid_to IS NULL OR a.valid_to > $9::timestamptz)
                 AND (a.patient_id = ANY($6::uuid[]) OR a.device_id = ANY($7::text[])
                      OR a.device_id IN (SELECT id FROM devices WHERE customer_id = $1 AND model = ANY($8::text[])))))
        AND (g.deleted_at IS NULL OR g.id = ANY($3::text[]))
      ORDER BY g.id`,
    [s.customerId, s.all, s.gatewayIds, s.departmentIds, s.bedIds, s.patientIds, s.deviceIds, s.models, atIso],
  );
  return rows.map((r) => r.id);
}

/** Every live gateway, for a full reconcile. */
export async function liveGatewayIds(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM gateways WHERE deleted_at IS NULL ORDER BY id');
  return rows.map((r) => r.id);
}
