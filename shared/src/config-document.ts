/**
 * The configuration document a gateway receives on `vitals/config/<gatewayId>` (retained, QoS 1), and the
 * acknowledgement it sends back on `vitals/config/<gatewayId>/ack`. Desired state (cloud) versus reported
 * state (gateway), versioned monotonically per gateway.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AlarmPrioritySchema, MetricCodeSchema } from './metric-catalog.js';
import { DeviceIdSchema, GatewayIdSchema, TimestampSchema } from './reading.js';

export const ThresholdScopeSchema = Type.Union([
  Type.Literal('catalog'),
  Type.Literal('customer'),
  Type.Literal('department'),
  Type.Literal('patient'),
]);
export type ThresholdScope = Static<typeof ThresholdScopeSchema>;

/** One alarm rule: breach when value < low or value > high, at the given IEC priority. */
export const ThresholdRuleSchema = Type.Object(
  {
    metric: MetricCodeSchema,
    low: Type.Optional(Type.Number()),
    high: Type.Optional(Type.Number()),
    priority: AlarmPrioritySchema,
    /** A breach clears only once the value is back inside the limits by at least this much. */
    hysteresis: Type.Number({ minimum: 0, default: 0 }),
    scope: ThresholdScopeSchema,
    /** Patient the rule applies to when scope is `patient`. */
    patientId: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { $id: 'ThresholdRule', additionalProperties: false },
);
export type ThresholdRule = Static<typeof ThresholdRuleSchema>;

export const DeviceSettingsSchema = Type.Object(
  {
    deviceId: DeviceIdSchema,
    samplingIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    alarmsEnabled: Type.Boolean(),
    units: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { $id: 'DeviceSettings', additionalProperties: false },
);
export type DeviceSettings = Static<typeof DeviceSettingsSchema>;

export const PatientNamePolicySchema = Type.Union([Type.Literal('full'), Type.Literal('initials'), Type.Literal('none')]);
export type PatientNamePolicy = Static<typeof PatientNamePolicySchema>;

export const BedAssignmentSchema = Type.Object(
  {
    bedId: Type.String({ format: 'uuid' }),
    label: Type.String({ minLength: 1, maxLength: 64 }),
    patient: Type.Optional(
      Type.Object(
        {
          id: Type.String({ format: 'uuid' }),
          /** As the customer's name policy allows: full name, initials, or absent. */
          displayName: Type.Optional(Type.String({ maxLength: 128 })),
        },
        { additionalProperties: false },
      ),
    ),
    deviceIds: Type.Array(DeviceIdSchema),
  },
  { additionalProperties: false },
);
export type BedAssignment = Static<typeof BedAssignmentSchema>;

export const GatewayConfigDocumentSchema = Type.Object(
  {
    gatewayId: GatewayIdSchema,
    version: Type.Integer({ minimum: 1 }),
    issuedAt: TimestampSchema,
    departmentId: Type.Optional(Type.String({ format: 'uuid' })),
    patientNamePolicy: PatientNamePolicySchema,
    beds: Type.Array(BedAssignmentSchema),
    /** Effective rules after precedence (patient > department > customer > catalog). */
    thresholds: Type.Array(ThresholdRuleSchema),
    deviceSettings: Type.Array(DeviceSettingsSchema),
  },
  { $id: 'GatewayConfigDocument', additionalProperties: false },
);
export type GatewayConfigDocument = Static<typeof GatewayConfigDocumentSchema>;

/** A configuration version: a non-negative safe integer (the cloud keeps it in a PostgreSQL bigint). */
const ConfigVersionNumber = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const ConfigAckSchema = Type.Object(
  {
    version: ConfigVersionNumber,
    status: Type.Union([Type.Literal('applied'), Type.Literal('rejected')]),
    /** Why a version was rejected: text without NUL characters (PostgreSQL text cannot hold them). */
    reason: Type.Optional(Type.String({ maxLength: 1024, pattern: '^[^\\u0000]*$' })),
    /** The version the gateway runs after this acknowledgement (a rejected version leaves the previous one running). */
    appliedVersion: Type.Optional(ConfigVersionNumber),
  },
  { $id: 'ConfigAck', additionalProperties: false },
);
export type ConfigAck = Static<typeof ConfigAckSchema>;

export const MQTT_TOPICS = Object.freeze({
  deviceReadings: (deviceId: string) => `vitals/devices/${deviceId}/readings`,
  deviceStatus: (deviceId: string) => `vitals/devices/${deviceId}/status`,
  deviceSettings: (deviceId: string) => `vitals/devices/${deviceId}/settings`,
  gatewayConfig: (gatewayId: string) => `vitals/config/${gatewayId}`,
  gatewayConfigAck: (gatewayId: string) => `vitals/config/${gatewayId}/ack`,
});
