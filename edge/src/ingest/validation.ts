/**
 * Validation shared by every ingestion path: the catalog checks (shared `checkReading`), plus the frame-level
 * time check, applied once per frame so that a bad timestamp is one rejection, not one per metric. Pure.
 */
import { checkReading, parseInstant, type MetricCode, type ReadingCheckLimits } from '@vitals/shared';
import type { CandidateReading, Rejection } from './types.js';

export interface IngestLimits {
  readonly maxPayloadBytes: number;
  readonly reading: ReadingCheckLimits;
}

export type TimeCheck = { ok: true; ms: number } | { ok: false; rejection: Rejection };

/** Checks a frame's measured-at time: present, a valid instant, not far in the future, not absurdly old. */
export function checkFrameTime(measuredAt: unknown, nowMs: number, limits: ReadingCheckLimits, deviceSeq?: number): TimeCheck {
  const seq = deviceSeq === undefined ? {} : { deviceSeq };
  if (measuredAt === undefined || measuredAt === null || measuredAt === '') {
    return { ok: false, rejection: { reason: 'MISSING_TIMESTAMP', detail: 'measuredAt is missing', ...seq } };
  }
  const ms = typeof measuredAt === 'number' || typeof measuredAt === 'string' ? parseInstant(measuredAt) : Number.NaN;
  if (Number.isNaN(ms)) {
    return {
      ok: false,
      rejection: { reason: 'MALFORMED', detail: `measuredAt ${JSON.stringify(measuredAt)} is not a valid time`, ...seq },
    };
  }
  if (ms > nowMs + limits.maxFutureSkewMs) {
    return {
      ok: false,
      rejection: { reason: 'FUTURE_TIMESTAMP', detail: `measuredAt ${new Date(ms).toISOString()} is in the future`, ...seq },
    };
  }
  if (ms < nowMs - limits.maxAgeMs) {
    return {
      ok: false,
      rejection: { reason: 'STALE_TIMESTAMP', detail: `measuredAt ${new Date(ms).toISOString()} is too old`, ...seq },
    };
  }
  return { ok: true, ms };
}

/** Checks one metric value of a frame whose time already passed `checkFrameTime`. */
export function checkValue(
  metric: string,
  value: unknown,
  unit: string | undefined,
  measuredAtMs: number,
  deviceSeq: number | null,
  nowMs: number,
  limits: ReadingCheckLimits,
): { reading: CandidateReading } | { rejection: Rejection } {
  const r = checkReading({ metric, value, unit, measuredAt: measuredAtMs }, nowMs, limits);
  if (!r.ok) {
    return {
      rejection: {
        reason: r.reason,
        detail: r.detail,
        ...(deviceSeq === null ? {} : { deviceSeq }),
        payload: JSON.stringify({ metric, value, unit }),
      },
    };
  }
  return { reading: { deviceSeq, metric: r.metric as MetricCode, value: r.value, measuredAtMs: r.measuredAtMs } };
}
