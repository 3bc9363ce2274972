/**
 * The shape of each reference table's row as Debezium carries it (schemas disabled), for what the enricher reads
 * from it: ids and keys are text, times are ISO-8601 text, numerics are numbers or decimal strings. Other columns
 * may come along. A row that does not match is refused before it enters the reference state (pure): a
 * change event with, say, an object for `patient_id` would otherwise become the key of every record the
 * enricher writes for that device, and a record Kafka cannot encode stops the partition for good.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { createValidator, type CdcTable, type Validator } from '@vitals/shared';

const Id = Type.String({ minLength: 1 });
const Text = Type.String();
const NullableText = Type.Union([Type.String(), Type.Null()]);
const Numeric = Type.Union([Type.Number(), Type.String()]);
const row = (properties: Record<string, TSchema>, $id: string) => Type.Object(properties, { $id, additionalProperties: true });

export const REFERENCE_ROW_SCHEMAS = {
  customers: row({ id: Id, name: Text, patient_name_policy: Type.Optional(NullableText) }, 'CustomerRow'),
  departments: row({ id: Id, customer_id: Id, name: Text, code: Type.Optional(NullableText) }, 'DepartmentRow'),
  beds: row({ id: Id, customer_id: Id, department_id: Id, label: Text }, 'BedRow'),
  patients: row({ id: Id, customer_id: Id, deleted_at: Type.Optional(NullableText) }, 'PatientRow'),
  devices: row(
    { id: Id, customer_id: Id, model: Type.Optional(NullableText), deleted_at: Type.Optional(NullableText) },
    'DeviceRow',
  ),
  device_assignments: row(
    { id: Id, customer_id: Id, device_id: Id, patient_id: Id, bed_id: Id, valid_from: Text, valid_to: NullableText },
    'AssignmentRow',
  ),
  alert_thresholds: row(
    {
      id: Id,
      customer_id: Id,
      scope: Type.Union([Type.Literal('customer'), Type.Literal('department'), Type.Literal('patient')]),
      department_id: NullableText,
      patient_id: NullableText,
      metric: Text,
      low: Type.Union([Numeric, Type.Null()]),
      high: Type.Union([Numeric, Type.Null()]),
      priority: Text,
      hysteresis: Numeric,
      enabled: Type.Boolean(),
    },
    'ThresholdRow',
  ),
} as const;

const validators = new Map<string, Validator<unknown>>(
  Object.entries(REFERENCE_ROW_SCHEMAS).map(([table, schema]) => [table, createValidator(schema) as Validator<unknown>]),
);

/** Why `row` of `table` cannot be used (the first problems), or undefined when it can (or the table has no schema). */
export function rowProblem(table: CdcTable | string, row: unknown): string | undefined {
  const v = validators.get(table);
  if (!v || v.check(row)) return undefined;
  return `row of ${table} does not match its schema: ${v.problems(row, 3).join('; ')}`;
}
