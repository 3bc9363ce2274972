/**
 * Which gateways an input change can affect, as a scope within one customer: everything, or some gateways,
 * departments, beds, patients, devices or device models. Decoded from the `vitals_config_inputs` notifications
 * (migration V6) and built from the rows an API write changed; scopes of one customer merge. Pure.
 */
import { isUuid } from '@vitals/shared';

export const CONFIG_INPUTS_CHANNEL = 'vitals_config_inputs';

export interface ChangeScope {
  readonly customerId: string;
  readonly all: boolean;
  readonly gatewayIds: readonly string[];
  readonly departmentIds: readonly string[];
  readonly bedIds: readonly string[];
  readonly patientIds: readonly string[];
  readonly deviceIds: readonly string[];
  readonly models: readonly string[];
}

export function emptyScope(customerId: string): ChangeScope {
  return { customerId, all: false, gatewayIds: [], departmentIds: [], bedIds: [], patientIds: [], deviceIds: [], models: [] };
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

export function mergeScopes(a: ChangeScope, b: ChangeScope): ChangeScope {
  if (a.customerId !== b.customerId) throw new Error('scopes of different customers do not merge');
  return {
    customerId: a.customerId,
    all: a.all || b.all,
    gatewayIds: union(a.gatewayIds, b.gatewayIds),
    departmentIds: union(a.departmentIds, b.departmentIds),
    bedIds: union(a.bedIds, b.bedIds),
    patientIds: union(a.patientIds, b.patientIds),
    deviceIds: union(a.deviceIds, b.deviceIds),
    models: union(a.models, b.models),
  };
}

type Ids = Readonly<Record<string, readonly string[]>>;

/** The scope of a change of `table`, from the ids of its old and new row. Undefined for tables that feed nothing. */
export function scopeOfChange(table: string, customerId: string, ids: Ids): ChangeScope | undefined {
  const s = emptyScope(customerId);
  const get = (k: string) => [...(ids[k] ?? [])];
  switch (table) {
    case 'customers':
      return { ...s, all: true };
    case 'beds':
      return { ...s, bedIds: get('id'), departmentIds: get('department_id') };
    case 'patients':
      return { ...s, patientIds: get('id') };
    case 'devices':
      return { ...s, deviceIds: get('id'), models: get('model') };
    case 'gateways':
      return { ...s, gatewayIds: get('id'), departmentIds: get('department_id') };
    case 'device_assignments':
      return { ...s, bedIds: get('bed_id'), deviceIds: get('device_id'), patientIds: get('patient_id') };
    case 'alert_thresholds':
      return get('scope').includes('customer')
        ? { ...s, all: true }
        : { ...s, departmentIds: get('department_id'), patientIds: get('patient_id') };
    case 'device_settings':
      return { ...s, deviceIds: get('device_id'), models: get('model') };
    default:
      return undefined;
  }
}

/** Decodes a notification payload; undefined when it is not one of ours or malformed. */
export function decodeChangeNotice(payload: string): ChangeScope | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const { table, customer, ids } = raw as { table?: unknown; customer?: unknown; ids?: unknown };
  if (typeof table !== 'string' || !isUuid(customer) || ids === null || typeof ids !== 'object') return undefined;
  const clean: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(ids as Record<string, unknown>)) {
    if (!Array.isArray(v)) return undefined;
    clean[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return scopeOfChange(table, customer, clean);
}
