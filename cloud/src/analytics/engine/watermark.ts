/**
 * The event-time position of one input partition: the latest measured-at time seen and the watermark (that
 * minus the out-of-orderness bound). A window closes once the watermark reaches its end plus its grace. A
 * partition that stays silent for the idle timeout advances its watermark by wall clock, to
 * `now - idleTimeout - bound`: continuous with the record-driven watermark when event time follows wall time,
 * and it lets a silent patient's windows close. Pure: the caller passes `now` (from the injected clock).
 */

export interface WatermarkSettings {
  /** Out-of-orderness bound. */
  readonly maxOutOfOrderMs: number;
  readonly idleTimeoutMs: number;
  /** Measured-at times beyond now + this move the watermark only up to now + this. */
  readonly maxFutureSkewMs: number;
}

export interface EventTimeState {
  /** ms since the epoch; null until the first record. */
  readonly maxEventTime: number | null;
  readonly watermark: number | null;
}

export const NO_EVENT_TIME: EventTimeState = Object.freeze({ maxEventTime: null, watermark: null });

/** True when a window closing at `closeAt` (its end plus grace) is closed under `watermark`. */
export function isClosed(closeAt: number, watermark: number | null): boolean {
  return watermark !== null && closeAt <= watermark;
}

/** The state after a record measured at `at` was seen. */
export function observe(s: EventTimeState, at: number, now: number, o: WatermarkSettings): EventTimeState {
  const seen = Math.min(at, now + o.maxFutureSkewMs);
  const maxEventTime = s.maxEventTime === null ? seen : Math.max(s.maxEventTime, seen);
  const candidate = maxEventTime - o.maxOutOfOrderMs;
  const watermark = s.watermark === null ? candidate : Math.max(s.watermark, candidate);
  if (maxEventTime === s.maxEventTime && watermark === s.watermark) return s;
  return { maxEventTime, watermark };
}

/** The state of a partition that has had no input since `lastInputAt`; the same object when nothing moves. */
export function idleAdvance(s: EventTimeState, lastInputAt: number, now: number, o: WatermarkSettings): EventTimeState {
  if (now - lastInputAt < o.idleTimeoutMs) return s;
  const candidate = now - o.idleTimeoutMs - o.maxOutOfOrderMs;
  if (s.watermark !== null && candidate <= s.watermark) return s;
  return { maxEventTime: s.maxEventTime, watermark: candidate };
}
