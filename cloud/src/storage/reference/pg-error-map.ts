/**
 * PostgreSQL answers about data, as API errors: unique violations and deletes of referenced rows are 409;
 * overlapping assignments (the exclusion constraints of device_assignments) are 409 with their own code; a
 * reference to a row the caller cannot see (composite foreign keys include the customer) is 404; check
 * violations and bad input are 400. Messages never quote the offending values (they may identify a patient).
 */
import type { VitalsError } from '@vitals/shared';
import { PG_CODES, isPgUnavailable, pgCode, pgConstraint, pgReferencedTable } from '../../db/pg-errors.js';
import { unavailableError } from '../../resilience/dependency-guard.js';
import { CloudErrors } from '../../errors.js';

const SINGULAR: Record<string, string> = {
  customers: 'customer',
  departments: 'department',
  beds: 'bed',
  patients: 'patient',
  devices: 'device',
  gateways: 'gateway',
  device_assignments: 'device assignment',
  api_keys: 'API key',
  alert_thresholds: 'alert threshold',
  device_settings: 'device settings',
  config_versions: 'configuration version',
  gateway_config_state: 'gateway configuration state',
  gateway_config_acks: 'gateway configuration acknowledgement',
};

const UNIQUE_MESSAGES: Record<string, string> = {
  customers_slug_key: 'a customer with this slug already exists',
  departments_customer_id_code_key: 'a department with this code already exists',
  beds_department_id_label_key: 'a bed with this label already exists in the department',
  patients_mrn_live: 'a patient with this MRN already exists',
  devices_pkey: 'a device with this id already exists',
  gateways_pkey: 'a gateway with this id already exists',
};

const OVERLAP_MESSAGES: Record<string, string> = {
  device_assignments_no_overlap: 'the device is already assigned during that period',
  device_assignments_patient_one_bed: 'the patient is in another bed during that period',
};

/** The referenced key's last value, from `Key (a, b)=(x, y) is not present ...`. */
function referencedId(err: unknown): string {
  const detail = (err as { detail?: unknown }).detail;
  const m = typeof detail === 'string' ? /=\((.*)\) is not present/.exec(detail) : null;
  return m?.[1]?.split(', ').pop() ?? '';
}

export function mapPgError(err: unknown, retryAfterSeconds = 5): VitalsError | undefined {
  if (isPgUnavailable(err)) return unavailableError('postgres', (err as Error).message, retryAfterSeconds, err);
  const code = pgCode(err);
  const constraint = pgConstraint(err) ?? '';
  switch (code) {
    case PG_CODES.uniqueViolation:
      return CloudErrors.CLOUD_ERR_CONFLICT(UNIQUE_MESSAGES[constraint] ?? `the value already exists (${constraint})`);
    case PG_CODES.exclusionViolation:
      return CloudErrors.CLOUD_ERR_ASSIGNMENT_OVERLAP(OVERLAP_MESSAGES[constraint] ?? `overlapping period (${constraint})`);
    case PG_CODES.foreignKeyViolation: {
      const table = pgReferencedTable(err) ?? '';
      const detail = String((err as { detail?: unknown }).detail ?? '');
      if (detail.includes('is still referenced')) {
        return CloudErrors.CLOUD_ERR_CONFLICT(`still referenced by ${table.replace(/_/g, ' ')}; remove those first`);
      }
      return CloudErrors.CLOUD_ERR_NOT_FOUND(SINGULAR[table] ?? table, referencedId(err));
    }
    case PG_CODES.checkViolation:
    case PG_CODES.notNullViolation:
      return CloudErrors.CLOUD_ERR_VALIDATION(`violates ${constraint || 'a constraint'}`);
    case PG_CODES.characterNotInRepertoire:
    case PG_CODES.untranslatableCharacter:
      return CloudErrors.CLOUD_ERR_VALIDATION('text cannot contain a NUL character (\\u0000)');
    case PG_CODES.invalidTextRepresentation:
    case '22007':
    case '22008':
    case '22003':
    case '22001':
      return CloudErrors.CLOUD_ERR_VALIDATION((err as Error).message);
    default:
      return undefined;
  }
}
