/**
 * The reading: one measured value of one metric from one device at one time. It gets its stable id at the
 * first durable hop (the edge's SQLite commit, or the cloud's commit for a device posting directly), and that
 * id makes every retry idempotent downstream.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MetricCodeSchema, isMetricCode, isPlausible, toCanonicalUnit, type MetricCode } from './metric-catalog.js';

/** Device identifiers as monitors send them: the MQTT topic segment, HL7 OBX-18/MSH-3 value. */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';
export const GATEWAY_ID_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';

export const DeviceIdSchema = Type.String({
  pattern: DEVICE_ID_PATTERN,
  description: 'Device identifier as sent by the monitor',
});
export const GatewayIdSchema = Type.String({ pattern: GATEWAY_ID_PATTERN, description: 'Gateway identifier' });
export const TimestampSchema = Type.String({ format: 'date-time', description: 'ISO-8601 instant, UTC' });

export const ReadingSchema = Type.Object(
  {
    readingId: Type.String({ format: 'uuid', description: 'Stable id assigned at the first durable hop (UUIDv7)' }),
    deviceId: DeviceIdSchema,
    deviceSeq: Type.Integer({ minimum: 0, description: 'Sequence number of the frame on the device' }),
    metric: MetricCodeSchema,
    value: Type.Number(),
    unit: Type.String({ minLength: 1, maxLength: 32, description: 'UCUM unit (canonical for the metric)' }),
    measuredAt: TimestampSchema,
    receivedAt: TimestampSchema,
    gatewayId: Type.Optional(GatewayIdSchema),
    historical: Type.Optional(
      Type.Boolean({ description: 'Replayed from a backlog after an outage: must not raise new alarms downstream' }),
    ),
  },
  { $id: 'Reading', additionalProperties: false },
);
export type Reading = Static<typeof ReadingSchema>;

/** A frame as a monitor publishes it on `vitals/devices/<deviceId>/readings`: one or several metrics at one time. */
export const DeviceFrameSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 0 }),
    measuredAt: Type.Union([TimestampSchema, Type.Integer({ minimum: 0, description: 'epoch milliseconds' })]),
    metrics: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]), {
      description: 'metric code -> value; null (probe off) means absent',
    }),
    units: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'metric code -> unit, if not canonical' })),
  },
  { $id: 'DeviceFrame', additionalProperties: false },
);
export type DeviceFrame = Static<typeof DeviceFrameSchema>;

export const DeviceFramePayloadSchema = Type.Union([
  DeviceFrameSchema,
  Type.Array(DeviceFrameSchema, { minItems: 1, maxItems: 1000 }),
]);

/** Why a reading or frame was refused. Shared by the edge, the ingest API and the enricher's dead letters. */
export const REJECT_REASONS = [
  'MALFORMED',
  'PAYLOAD_TOO_LARGE',
  'UNKNOWN_METRIC',
  'UNIT_MISMATCH',
  'IMPLAUSIBLE_VALUE',
  'MISSING_TIMESTAMP',
  'FUTURE_TIMESTAMP',
  'STALE_TIMESTAMP',
  'UNKNOWN_DEVICE',
  'DEVICE_NOT_AUTHORISED',
  'NO_ASSIGNMENT_AT_MEASURED_TIME',
  'CONFLICTING_DUPLICATE',
  /** A Debezium change of a reference table the enricher could not apply (reference-dlq). */
  'REFERENCE_CHANGE_REFUSED',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export const RejectReasonSchema = Type.Union(
  REJECT_REASONS.map((r) => Type.Literal(r)),
  { $id: 'RejectReason' },
);

export interface ReadingCheckLimits {
  /** How far in the future a measured-at time may be (clock skew allowance), in ms. */
  readonly maxFutureSkewMs: number;
  /** How old a measured-at time may be, in ms. */
  readonly maxAgeMs: number;
}

export const DEFAULT_READING_LIMITS: ReadingCheckLimits = Object.freeze({
  maxFutureSkewMs: 5 * 60_000,
  maxAgeMs: 30 * 24 * 3_600_000,
});

export type ReadingCheck =
  | { ok: true; metric: MetricCode; value: number; unit: string; measuredAtMs: number }
  | { ok: false; reason: RejectReason; detail: string };

/** Parses a measured-at value (ISO-8601 string or epoch ms) to epoch ms; NaN when absent or unparseable. */
export function parseInstant(value: unknown): number {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : Number.NaN;
  if (typeof value !== 'string' || value.length < 10 || value.length > 40) return Number.NaN;
  return Date.parse(value);
}

/**
 * The semantic checks every hop applies to one metric value against the catalog: known metric, unit,
 * plausible range, a timestamp that is present, not far in the future and not absurdly old. Pure.
 */
export function checkReading(
  input: { metric: unknown; value: unknown; unit?: string; measuredAt: unknown },
  nowMs: number,
  limits: ReadingCheckLimits = DEFAULT_READING_LIMITS,
): ReadingCheck {
  const { metric, value, unit, measuredAt } = input;
  if (!isMetricCode(metric)) return { ok: false, reason: 'UNKNOWN_METRIC', detail: `unknown metric ${JSON.stringify(metric)}` };
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { ok: false, reason: 'MALFORMED', detail: `${metric}: value is not a finite number` };
  }
  const normalised = toCanonicalUnit(metric, value, unit);
  if (!normalised.ok) {
    return {
      ok: false,
      reason: 'UNIT_MISMATCH',
      detail: `${metric}: unit ${JSON.stringify(unit)}, expected ${normalised.expected}`,
    };
  }
  if (!isPlausible(metric, normalised.value)) {
    return {
      ok: false,
      reason: 'IMPLAUSIBLE_VALUE',
      detail: `${metric}: ${normalised.value} ${normalised.unit} is outside the plausible range`,
    };
  }
  if (measuredAt === undefined || measuredAt === null || measuredAt === '') {
    return { ok: false, reason: 'MISSING_TIMESTAMP', detail: 'measuredAt is missing' };
  }
  const measuredAtMs = parseInstant(measuredAt);
  if (Number.isNaN(measuredAtMs))
    return { ok: false, reason: 'MALFORMED', detail: `measuredAt ${JSON.stringify(measuredAt)} is not a valid time` };
  if (measuredAtMs > nowMs + limits.maxFutureSkewMs) {
    return {
      ok: false,
      reason: 'FUTURE_TIMESTAMP',
      detail: `measuredAt ${new Date(measuredAtMs).toISOString()} is in the future`,
    };
  }
  if (measuredAtMs < nowMs - limits.maxAgeMs) {
    return { ok: false, reason: 'STALE_TIMESTAMP', detail: `measuredAt ${new Date(measuredAtMs).toISOString()} is too old` };
  }
  return { ok: true, metric, value: normalised.value, unit: normalised.unit, measuredAtMs };
}

/** Body of `POST /v1/readings:batch` (gateway -> cloud). */
export const ReadingsBatchRequestSchema = Type.Object(
  {
    readings: Type.Array(ReadingSchema, { minItems: 1 }),
  },
  { $id: 'ReadingsBatchRequest', additionalProperties: false },
);
export type ReadingsBatchRequest = Static<typeof ReadingsBatchRequestSchema>;

export const ReadingOutcomeSchema = Type.Object(
  {
    readingId: Type.String(),
    status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected')]),
    reason: Type.Optional(RejectReasonSchema),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'ReadingOutcome', additionalProperties: false },
);
export type ReadingOutcome = Static<typeof ReadingOutcomeSchema>;

export const ReadingsBatchResponseSchema = Type.Object(
  {
    accepted: Type.Integer({ minimum: 0 }),
    duplicate: Type.Integer({ minimum: 0 }),
    rejected: Type.Integer({ minimum: 0 }),
    results: Type.Array(ReadingOutcomeSchema),
  },
  { $id: 'ReadingsBatchResponse', additionalProperties: false },
);
export type ReadingsBatchResponse = Static<typeof ReadingsBatchResponseSchema>;
