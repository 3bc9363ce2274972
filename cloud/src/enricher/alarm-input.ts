/**
 * A record of `alarm-inputs`: a live reading the Flink enricher job has enriched, with its placement and every
 * alarm band of the winning scope in force at its measured time (`docker/flink/enricher.sql`). The enricher
 * service's alarm stage (STREAM_ENGINE=flink) reads it to keep the alarm episodes and device silence exactly as
 * the Node engine does after its own join. Pure.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  AlarmPrioritySchema,
  createValidator,
  parseInstant,
  ReadingSchema,
  ThresholdScopeSchema,
  type Reading,
  type ThresholdBand,
} from '@vitals/shared';
import type { Placement } from './changelog.js';

const Limit = Type.Optional(Type.Union([Type.Number(), Type.Null()]));

export const AlarmInputSchema = Type.Object(
  {
    reading: ReadingSchema,
    customerId: Type.String({ minLength: 1 }),
    patientId: Type.String({ minLength: 1 }),
    departmentId: Type.String({ minLength: 1 }),
    bedId: Type.String({ minLength: 1 }),
    scope: ThresholdScopeSchema,
    bands: Type.Array(
      Type.Object({
        priority: AlarmPrioritySchema,
        active: Type.Optional(Type.Boolean()),
        low: Limit,
        high: Limit,
        hysteresis: Limit,
      }),
      { maxItems: 3 },
    ),
  },
  { $id: 'AlarmInput' },
);
export type AlarmInput = Static<typeof AlarmInputSchema>;

const validator = createValidator(AlarmInputSchema);

export type AlarmInputDecode =
  | { ok: true; reading: Reading; measuredAtMs: number; placement: Placement; bands: ThresholdBand[] }
  | { ok: false; detail: string };

/** Parses and checks one record value. Never throws. */
export function decodeAlarmInput(value: string | null): AlarmInputDecode {
  if (value === null) return { ok: false, detail: 'record has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { ok: false, detail: 'value is not JSON' };
  }
  if (!validator.check(parsed)) return { ok: false, detail: validator.problems(parsed, 3).join('; ') };
  const measuredAtMs = parseInstant(parsed.reading.measuredAt);
  if (Number.isNaN(measuredAtMs)) return { ok: false, detail: 'reading.measuredAt is not an instant' };
  const { reading, customerId, patientId, departmentId, bedId, scope } = parsed;
  const bands: ThresholdBand[] = [];
  for (const b of parsed.bands) {
    if (b.active !== true) continue;
    const low = b.low ?? undefined;
    const high = b.high ?? undefined;
    if (low === undefined && high === undefined) continue;
    bands.push({
      metric: reading.metric,
      priority: b.priority,
      hysteresis: b.hysteresis ?? 0,
      scope,
      ...(low === undefined ? {} : { low }),
      ...(high === undefined ? {} : { high }),
    });
  }
  return { ok: true, reading, measuredAtMs, placement: { customerId, patientId, departmentId, bedId }, bands };
}
