/**
 * Wait before attempt n+1 of a delivery (n >= 1 failed attempts): `initial * 2^(n-1)`, at most `max`, with equal
 * jitter (half fixed, half random) so receivers coming back are not hit by every dispatcher at once. Pure: the
 * randomness is injected.
 */
export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
}

export function backoffMs(failedAttempts: number, s: BackoffSettings, random: () => number = Math.random): number {
  const n = Math.max(1, failedAttempts);
  const base = Math.min(s.maxMs, s.initialMs * 2 ** Math.min(n - 1, 30));
  return Math.round(base / 2 + (base / 2) * Math.min(1, Math.max(0, random())));
}
