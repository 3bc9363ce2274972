/** The reference-data resources and their tables. API field names are camelCase; columns snake_case. */
import { iso, meta, type ResourceSpec, type Row } from './resource.js';

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

export const customerSpec: ResourceSpec = {
  entity: 'customer',
  table: 'customers',
  customerColumn: 'id',
  idCast: 'uuid',
  columns: {
    name: { column: 'name' },
    slug: { column: 'slug' },
    patientNamePolicy: { column: 'patient_name_policy' },
  },
  filters: { slug: { column: 'slug' } },
  orderBy: 'created_at, id',
  toApi: (r: Row) => ({
    id: String(r.id),
    name: String(r.name),
    slug: String(r.slug),
    patientNamePolicy: String(r.patient_name_policy),
    ...meta(r),
  }),
};

export const departmentSpec: ResourceSpec = {
  entity: 'department',
  table: 'departments',
  customerColumn: 'customer_id',
  idCast: 'uuid',
  columns: {
    customerId: { column: 'customer_id', cast: 'uuid' },
    code: { column: 'code' },
    name: { column: 'name' },
  },
  filters: { code: { column: 'code' } },
  orderBy: 'code, id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    code: String(r.code),
    name: String(r.name),
    ...meta(r),
  }),
};

export const bedSpec: ResourceSpec = {
  entity: 'bed',
  table: 'beds',
  customerColumn: 'customer_id',
  idCast: 'uuid',
  columns: {
    customerId: { column: 'customer_id', cast: 'uuid' },
    departmentId: { column: 'department_id', cast: 'uuid' },
    label: { column: 'label' },
  },
  filters: { departmentId: { column: 'department_id', cast: 'uuid' }, label: { column: 'label' } },
  orderBy: 'department_id, label, id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    departmentId: String(r.department_id),
    label: String(r.label),
    ...meta(r),
  }),
};

export const patientSpec: ResourceSpec = {
  entity: 'patient',
  table: 'patients',
  customerColumn: 'customer_id',
  idCast: 'uuid',
  columns: {
    customerId: { column: 'customer_id', cast: 'uuid' },
    mrn: { column: 'mrn' },
    givenName: { column: 'given_name' },
    familyName: { column: 'family_name' },
    birthDate: { column: 'birth_date', cast: 'date' },
  },
  filters: { mrn: { column: 'mrn' } },
  softDelete: 'deleted_at',
  orderBy: 'created_at, id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    mrn: String(r.mrn),
    givenName: str(r.given_name),
    familyName: str(r.family_name),
    birthDate: str(r.birth_date),
    deletedAt: iso(r.deleted_at),
    ...meta(r),
  }),
};

export const deviceSpec: ResourceSpec = {
  entity: 'device',
  table: 'devices',
  customerColumn: 'customer_id',
  idCast: 'text',
  columns: {
    id: { column: 'id' },
    customerId: { column: 'customer_id', cast: 'uuid' },
    model: { column: 'model' },
    serialNumber: { column: 'serial_number' },
  },
  filters: { model: { column: 'model' } },
  softDelete: 'deleted_at',
  orderBy: 'id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    model: String(r.model),
    serialNumber: str(r.serial_number),
    deletedAt: iso(r.deleted_at),
    ...meta(r),
  }),
};

export const gatewaySpec: ResourceSpec = {
  entity: 'gateway',
  table: 'gateways',
  customerColumn: 'customer_id',
  idCast: 'text',
  columns: {
    id: { column: 'id' },
    customerId: { column: 'customer_id', cast: 'uuid' },
    departmentId: { column: 'department_id', cast: 'uuid' },
    name: { column: 'name' },
  },
  filters: { departmentId: { column: 'department_id', cast: 'uuid' } },
  softDelete: 'deleted_at',
  orderBy: 'id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    departmentId: String(r.department_id),
    name: String(r.name),
    tokenRotatedAt: iso(r.token_rotated_at) ?? '',
    lastSeenAt: iso(r.last_seen_at),
    deletedAt: iso(r.deleted_at),
    ...meta(r),
  }),
};

export const assignmentSpec: ResourceSpec = {
  entity: 'device assignment',
  table: 'device_assignments',
  customerColumn: 'customer_id',
  idCast: 'uuid',
  columns: {
    customerId: { column: 'customer_id', cast: 'uuid' },
    deviceId: { column: 'device_id' },
    patientId: { column: 'patient_id', cast: 'uuid' },
    bedId: { column: 'bed_id', cast: 'uuid' },
    validFrom: { column: 'valid_from', cast: 'timestamptz' },
    validTo: { column: 'valid_to', cast: 'timestamptz' },
  },
  filters: {
    deviceId: { column: 'device_id' },
    patientId: { column: 'patient_id', cast: 'uuid' },
    bedId: { column: 'bed_id', cast: 'uuid' },
  },
  orderBy: 'valid_from DESC, id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: String(r.customer_id),
    deviceId: String(r.device_id),
    patientId: String(r.patient_id),
    bedId: String(r.bed_id),
    validFrom: iso(r.valid_from) ?? '',
    validTo: iso(r.valid_to),
    ...meta(r),
  }),
};

export const apiKeySpec: ResourceSpec = {
  entity: 'API key',
  table: 'api_keys',
  customerColumn: 'customer_id',
  idCast: 'uuid',
  columns: {
    customerId: { column: 'customer_id', cast: 'uuid' },
    role: { column: 'role' },
    gatewayId: { column: 'gateway_id' },
    name: { column: 'name' },
    expiresAt: { column: 'expires_at', cast: 'timestamptz' },
  },
  filters: { role: { column: 'role' } },
  softDelete: 'revoked_at',
  orderBy: 'created_at, id',
  toApi: (r: Row) => ({
    id: String(r.id),
    customerId: str(r.customer_id),
    role: String(r.role),
    gatewayId: str(r.gateway_id),
    name: String(r.name),
    keyHint: String(r.key_hint),
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    createdBy: String(r.created_by),
    ...meta(r),
  }),
};
