/**
 * The two tables the configuration API writes, described for the storage service's generic scoped SQL
 * (`storage/reference/repository.ts`) and audited writes: alarm rules and device settings. API fields are
 * camelCase, columns snake_case; `toApi` is also what the audit log records before and after a change.
 */
import { iso, meta, type ResourceSpec, type Row } from '../../storage/reference/resource.js';

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

export const thresholdSpec: ResourceSpec = {
  entity: 'alert threshold',
  table: 'alert_thresholds',
  customerColumn: 'customer_id',
  idCast: 'uuid',
  columns: {
    customerId: { column: 'customer_id', cast: 'uuid' },
    scope: { column: 'scope' },
    departmentId: { column: 'department_id', cast: 'uuid' },
    patientId: { column: 'patient_id', cast: 'uuid' },
    metric: { column: 'metric' },
    low: { column: 'low', cast: 'double precision' },
    high: { column: 'high', cast: 'double precision' },
    priority: { column: 'priority' },
    hysteresis: { column: 'hysteresis', cast: 'double precision' },
    enabled: { column: 'enabled', cast: 'boolean' },
  },
  filters: {
    scope: { column: 'scope' },
    departmentId: { column: 'department_id', cast: 'uuid' },
    patientId: { column: 'patient_id', cast: 'uuid' },
    metric: { column: 'metric' },
    enabled: { column: 'enabled', cast: 'boolean' },
  },
  orderBy: 'metric, scope, priority, id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    scope: String(r.scope),
    departmentId: str(r.department_id),
    patientId: str(r.patient_id),
    metric: String(r.metric),
    low: num(r.low),
    high: num(r.high),
    priority: String(r.priority),
    hysteresis: Number(r.hysteresis),
    enabled: Boolean(r.enabled),
    ...meta(r),
  }),
};

export const deviceSettingsSpec: ResourceSpec = {
  entity: 'device settings',
  table: 'device_settings',
  customerColumn: 'customer_id',
  idCast: 'uuid',
  columns: {
    customerId: { column: 'customer_id', cast: 'uuid' },
    deviceId: { column: 'device_id' },
    model: { column: 'model' },
    samplingIntervalMs: { column: 'sampling_interval_ms', cast: 'integer' },
    alarmsEnabled: { column: 'alarms_enabled', cast: 'boolean' },
    units: { column: 'units', cast: 'jsonb' },
  },
  filters: { deviceId: { column: 'device_id' }, model: { column: 'model' } },
  orderBy: 'coalesce(device_id, model), id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    deviceId: str(r.device_id),
    model: str(r.model),
    samplingIntervalMs: Number(r.sampling_interval_ms),
    alarmsEnabled: Boolean(r.alarms_enabled),
    units: (r.units as Record<string, string> | null) ?? {},
    ...meta(r),
  }),
};

export { iso };

/** Receivers of alarms as ORU^R40 over MLLP (V9), read by the alarm dispatcher. */
export const alarmReceiverSpec: ResourceSpec = {
  entity: 'alarm receiver',
  table: 'alarm_receivers',
  customerColumn: 'customer_id',
  idCast: 'uuid',
  columns: {
    customerId: { column: 'customer_id', cast: 'uuid' },
    departmentId: { column: 'department_id', cast: 'uuid' },
    name: { column: 'name' },
    host: { column: 'host' },
    port: { column: 'port', cast: 'integer' },
    receivingApplication: { column: 'receiving_application' },
    receivingFacility: { column: 'receiving_facility' },
    enabled: { column: 'enabled', cast: 'boolean' },
  },
  filters: {
    departmentId: { column: 'department_id', cast: 'uuid' },
    enabled: { column: 'enabled', cast: 'boolean' },
  },
  orderBy: 'name, id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    departmentId: str(r.department_id),
    name: String(r.name),
    host: String(r.host),
    port: Number(r.port),
    receivingApplication: String(r.receiving_application),
    receivingFacility: String(r.receiving_facility),
    enabled: Boolean(r.enabled),
    ...meta(r),
  }),
};
