import { describe, expect, it } from 'vitest';
import { backoffDelay, MAX_RETRY_AFTER_MS, parseRetryAfter } from './backoff.js';

const policy = { initialMs: 500, maxMs: 60_000 };

describe('uplink backoff', () => {
  it('doubles the step each attempt, up to the maximum, with jitter in the upper half', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(250);
    expect(backoffDelay(1, policy, () => 1)).toBe(500);
    expect(backoffDelay(2, policy, () => 1)).toBe(1000);
    expect(backoffDelay(4, policy, () => 0.5)).toBe(3000);
    expect(backoffDelay(30, policy, () => 1)).toBe(60_000);
    expect(backoffDelay(1000, policy, () => 0)).toBe(30_000);
  });

  it('waits at least as long as Retry-After asks, capped', () => {
    expect(backoffDelay(1, policy, () => 0, 7000)).toBe(7000);
    expect(backoffDelay(8, policy, () => 1, 1000)).toBe(60_000);
    expect(backoffDelay(1, policy, () => 0, 10 * 3_600_000)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
