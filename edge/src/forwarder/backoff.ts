/**
 * Retry timing for the uplink: exponential backoff with jitter, never shorter than what the cloud asked for
 * in `Retry-After`. Pure (randomness injected).
 */

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The longest Retry-After we honour; a larger one is capped so a misconfigured server cannot stall the ward. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/**
 * Delay before retry number `attempt` (1 = first retry): "equal jitter", half of the exponential step fixed and
 * half random, so retries spread out but never hammer; at least the Retry-After (capped).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  const jittered = Math.round(step / 2 + random() * (step / 2));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS));
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
