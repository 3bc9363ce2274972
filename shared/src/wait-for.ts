/** Waiting for a condition with a deadline, never a fixed sleep. For infrastructure and tests. */

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly what: string;
}

export class WaitTimeout extends Error {
  readonly code = 'WAIT_TIMEOUT';
  constructor(what: string, timeoutMs: number, cause?: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
    this.name = 'WaitTimeout';
  }
}

/**
 * Calls `probe` until it returns a value other than undefined/false, or throws `WaitTimeout` at the deadline.
 * A probe that throws counts as not ready; the last error is attached to the timeout.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 200;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) throw new WaitTimeout(opts.what, opts.timeoutMs, lastError);
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(1, deadline - Date.now()))));
  }
}
