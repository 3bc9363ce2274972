/** Request and response schemas of `/v1/alert-thresholds`, from the shared metric catalog's schemas. */
import { Type } from '@sinclair/typebox';
import { AlarmPrioritySchema, MetricCodeSchema } from '@vitals/shared';
import { withoutIds } from '../../../http/schema-utils.js';
import { Nullable, Representation, Uuid } from '../../../storage/schemas/common.js';

const Metric = withoutIds(MetricCodeSchema);
const Priority = withoutIds(AlarmPrioritySchema);
const Scope = Type.Union([Type.Literal('customer'), Type.Literal('department'), Type.Literal('patient')], {
  description: 'customer (every department), department (departmentId) or patient (patientId)',
});
const Limit = Nullable(Type.Number({ minimum: -1_000_000, maximum: 1_000_000 }));
const Hysteresis = Type.Number({
  minimum: 0,
  maximum: 1_000_000,
  description: 'A breach clears only once the value is back inside the limit by this much',
});

export const Threshold = Representation('AlertThreshold', {
  id: Uuid,
  customerId: Uuid,
  scope: Scope,
  departmentId: Nullable(Uuid),
  patientId: Nullable(Uuid),
  metric: Type.String({ description: 'Metric code from the catalog' }),
  low: Nullable(Type.Number()),
  high: Nullable(Type.Number()),
  priority: Priority,
  hysteresis: Type.Number(),
  enabled: Type.Boolean(),
});

export const CreateThreshold = Type.Object(
  {
    customerId: Type.Optional(Uuid),
    scope: Scope,
    departmentId: Type.Optional(Uuid),
    patientId: Type.Optional(Uuid),
    metric: Metric,
    low: Type.Optional(Limit),
    high: Type.Optional(Limit),
    priority: Priority,
    hysteresis: Type.Optional(Hysteresis),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PatchThreshold = Type.Object(
  {
    low: Type.Optional(Limit),
    high: Type.Optional(Limit),
    priority: Type.Optional(Priority),
    hysteresis: Type.Optional(Hysteresis),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ThresholdFilters = {
  scope: Type.Optional(Scope),
  departmentId: Type.Optional(Uuid),
  patientId: Type.Optional(Uuid),
  metric: Type.Optional(Metric),
  enabled: Type.Optional(Type.Boolean()),
};
