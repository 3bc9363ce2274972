/**
 * Joins one reading with the reference data in effect at its measurement time. Pure.
 */
import {
  checkReading,
  createValidator,
  METRIC_CATALOG,
  news2SubScore,
  evaluateBands,
  ReadingSchema,
  type EnrichedReading,
  type Reading,
  type RejectReason,
  type ThresholdBand,
} from '@vitals/shared';
import type { ReferenceState } from './reference-state.js';

const readingValidator = createValidator(ReadingSchema);

export type DecodeResult =
  { ok: true; reading: Reading; measuredAtMs: number } | { ok: false; reason: RejectReason; detail: string };

/** Limits for the enricher's own check: wide, since ingest already checked freshness against its clock. */
const ENRICHER_LIMITS = { maxFutureSkewMs: 24 * 3_600_000, maxAgeMs: 3_650 * 86_400_000 };

/** Parses and validates a raw-readings record value. Never throws. */
export function decodeRawReading(value: Buffer | string | null, nowMs: number): DecodeResult {
  if (value === null) return { ok: false, reason: 'MALFORMED', detail: 'record has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'MALFORMED', detail: 'value is not JSON' };
  }
  if (!readingValidator.check(parsed)) {
    return { ok: false, reason: 'MALFORMED', detail: readingValidator.problems(parsed, 3).join('; ') };
  }
  const check = checkReading(parsed, nowMs, ENRICHER_LIMITS);
  if (!check.ok) return { ok: false, reason: check.reason, detail: check.detail };
  return { ok: true, reading: parsed, measuredAtMs: check.measuredAtMs };
}

export type JoinResult =
  | { kind: 'enriched'; record: EnrichedReading; bands: ThresholdBand[] }
  | { kind: 'unmatched'; reason: 'UNKNOWN_DEVICE' | 'NO_ASSIGNMENT_AT_MEASURED_TIME'; detail: string };

export function joinReading(reading: Reading, measuredAtMs: number, state: ReferenceState, nowMs: number): JoinResult {
  const device = state.device(reading.deviceId);
  if (!device) return { kind: 'unmatched', reason: 'UNKNOWN_DEVICE', detail: `device ${reading.deviceId} is not registered` };
  const assignment = state.assignmentAt(reading.deviceId, measuredAtMs);
  if (!assignment) {
    return {
      kind: 'unmatched',
      reason: 'NO_ASSIGNMENT_AT_MEASURED_TIME',
      detail: `device ${reading.deviceId} has no assignment at ${reading.measuredAt}`,
    };
  }
  const bed = state.bed(assignment.bedId);
  if (!bed) {
    return {
      kind: 'unmatched',
      reason: 'NO_ASSIGNMENT_AT_MEASURED_TIME',
      detail: `bed ${assignment.bedId} of assignment ${assignment.id} is unknown`,
    };
  }
  const ctx = { customerId: assignment.customerId, departmentId: bed.department_id, patientId: assignment.patientId };
  const bands = state.bandsAt(reading.metric, ctx, measuredAtMs);
  const breach = evaluateBands(reading.value, bands);
  const news2 = news2SubScore(reading.metric, reading.value);
  const record: EnrichedReading = {
    reading,
    customerId: assignment.customerId,
    patientId: assignment.patientId,
    bedId: assignment.bedId,
    bedLabel: bed.label,
    departmentId: bed.department_id,
    assignmentId: assignment.id,
    loinc: METRIC_CATALOG[reading.metric].loinc,
    threshold: breach
      ? {
          state: breach.side,
          priority: breach.band.priority,
          scope: breach.band.scope,
          low: breach.band.low,
          high: breach.band.high,
        }
      : { state: 'normal' },
    enrichedAt: new Date(nowMs).toISOString(),
  };
  if (news2 !== undefined) record.news2 = news2;
  return { kind: 'enriched', record, bands };
}
