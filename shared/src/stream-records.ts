/** Records the stream processors emit: enriched readings, alert events, dead letters. */
import { Type, type Static } from '@sinclair/typebox';
import { AlarmPrioritySchema, MetricCodeSchema } from './metric-catalog.js';
import { ReadingSchema, RejectReasonSchema, TimestampSchema } from './reading.js';
import { ThresholdScopeSchema } from './config-document.js';

export const ThresholdEvaluationSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('normal'), Type.Literal('low'), Type.Literal('high')]),
    priority: Type.Optional(AlarmPrioritySchema),
    /** Which rule decided: its scope and limits. */
    scope: Type.Optional(ThresholdScopeSchema),
    low: Type.Optional(Type.Number()),
    high: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type ThresholdEvaluation = Static<typeof ThresholdEvaluationSchema>;

export const EnrichedReadingSchema = Type.Object(
  {
    reading: ReadingSchema,
    customerId: Type.String({ format: 'uuid' }),
    patientId: Type.String({ format: 'uuid' }),
    bedId: Type.String({ format: 'uuid' }),
    bedLabel: Type.String(),
    departmentId: Type.String({ format: 'uuid' }),
    assignmentId: Type.String({ format: 'uuid' }),
    loinc: Type.String(),
    threshold: ThresholdEvaluationSchema,
    news2: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
    enrichedAt: TimestampSchema,
  },
  { $id: 'EnrichedReading', additionalProperties: false },
);
export type EnrichedReading = Static<typeof EnrichedReadingSchema>;

export const AlertEventSchema = Type.Object(
  {
    alertId: Type.String({ description: 'Stable id of one alert episode' }),
    kind: Type.Union([Type.Literal('raise'), Type.Literal('escalate'), Type.Literal('de-escalate'), Type.Literal('clear')]),
    category: Type.Union([Type.Literal('physiological'), Type.Literal('technical')]),
    customerId: Type.String({ format: 'uuid' }),
    patientId: Type.String({ format: 'uuid' }),
    departmentId: Type.String({ format: 'uuid' }),
    bedId: Type.String({ format: 'uuid' }),
    deviceId: Type.String(),
    metric: Type.Optional(MetricCodeSchema),
    condition: Type.String({ description: 'low, high, device-offline, ...' }),
    priority: AlarmPrioritySchema,
    value: Type.Optional(Type.Number()),
    readingId: Type.Optional(Type.String()),
    at: TimestampSchema,
  },
  { $id: 'AlertEvent', additionalProperties: false },
);
export type AlertEvent = Static<typeof AlertEventSchema>;

export const DeadLetterSchema = Type.Object(
  {
    reason: RejectReasonSchema,
    detail: Type.String(),
    source: Type.Object({ topic: Type.String(), partition: Type.Integer(), offset: Type.String() }),
    readingId: Type.Optional(Type.String()),
    deviceId: Type.Optional(Type.String()),
    measuredAt: Type.Optional(Type.String()),
    /** Released by the grace timer rather than rejected on arrival. */
    afterGrace: Type.Optional(Type.Boolean()),
    /** The original record value, as text (it may not be JSON); cut at 64 KiB (see `originalBytes`). */
    original: Type.Union([Type.String(), Type.Null()]),
    /** Size of the original value when `original` was cut. */
    originalBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    at: TimestampSchema,
  },
  { $id: 'DeadLetter', additionalProperties: false },
);
export type DeadLetter = Static<typeof DeadLetterSchema>;

/** Longest original value a dead letter carries. */
export const DEAD_LETTER_ORIGINAL_MAX = 64 * 1024;

/** A dead letter's `original` (cut at DEAD_LETTER_ORIGINAL_MAX characters) and, when cut, its size in bytes. */
export function deadLetterOriginal(text: string | null): Pick<DeadLetter, 'original' | 'originalBytes'> {
  if (text === null || text.length <= DEAD_LETTER_ORIGINAL_MAX) return { original: text };
  return { original: text.slice(0, DEAD_LETTER_ORIGINAL_MAX), originalBytes: Buffer.byteLength(text) };
}
