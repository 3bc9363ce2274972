/**
 * When may a batch of raw readings be joined? Only once the reference state is complete up to their
 * measured-at times: a bed transfer committed at 10:00:00.100 reaches Kafka through Debezium some hundreds of
 * milliseconds later, and a reading measured at 10:00:00.200 that overtakes it would otherwise be joined with
 * the bed the patient has just left. The CDC watermark is the `beat_at` of the last heartbeat row applied
 * (migration V8): every reference change committed before it has been seen. A reading newer than the watermark
 * waits for it, at most `maxHoldMs` after it arrived (a CDC outage or a device clock running ahead must not
 * stop the stream); then it is joined with what is known and counted as unconfirmed. Pure: no I/O.
 */

export interface PendingRecord {
  /** Epoch ms of the reading's measured-at time; undefined when the record does not carry one (malformed). */
  readonly measuredAtMs: number | undefined;
  /** Epoch ms at which the record reached the input topic (its Kafka timestamp). */
  readonly arrivedAtMs: number;
}

export type Freshness =
  | {
      readonly ready: true;
      /** Records joined without the watermark reaching their measured-at time. */
      readonly unconfirmed: number;
      /** Newest measured-at time the watermark covers (-Infinity if none): what a barrier must confirm. */
      readonly confirmedThrough: number;
    }
  | {
      readonly ready: false;
      /** Watermark that would let every waiting record through. */
      readonly needs: number;
      /** Latest time any record still waits. */
      readonly until: number;
    };

export function batchFreshness(
  records: readonly PendingRecord[],
  watermarkMs: number,
  nowMs: number,
  maxHoldMs: number,
): Freshness {
  let confirmedThrough = Number.NEGATIVE_INFINITY;
  let unconfirmed = 0;
  let needs = Number.NEGATIVE_INFINITY;
  let until = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.measuredAtMs === undefined) continue;
    if (r.measuredAtMs <= watermarkMs) {
      confirmedThrough = Math.max(confirmedThrough, r.measuredAtMs);
      continue;
    }
    if (maxHoldMs <= 0) continue;
    const deadline = r.arrivedAtMs + maxHoldMs;
    if (nowMs >= deadline) {
      unconfirmed++;
      continue;
    }
    needs = Math.max(needs, r.measuredAtMs);
    until = Math.max(until, deadline);
  }
  return until === Number.NEGATIVE_INFINITY ? { ready: true, unconfirmed, confirmedThrough } : { ready: false, needs, until };
}

const MEASURED_AT = /"measuredAt":"([^"]{10,40})"/;

/**
 * The measured-at time of a raw-readings value, read without parsing the whole JSON (the processor parses and
 * validates it afterwards). Undefined when absent or unreadable: such a record does not wait.
 */
export function measuredAtOf(value: string | null): number | undefined {
  if (value === null) return undefined;
  const m = MEASURED_AT.exec(value);
  if (!m) return undefined;
  const t = Date.parse(m[1]!);
  return Number.isNaN(t) ? undefined : t;
}
