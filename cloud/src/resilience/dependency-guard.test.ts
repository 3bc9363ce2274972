import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isVitalsError, systemClock } from '@vitals/shared';
import { createDependencyGuard, type BreakerState } from './dependency-guard.js';

class Down extends Error {}

function guard(states: BreakerState[] = []) {
  return createDependencyGuard({
    name: 'kafka',
    isUnavailable: (err) => err instanceof Down,
    threshold: 2,
    halfOpenAfterMs: 5_000,
    timeoutMs: 1_000,
    clock: systemClock,
    onStateChange: (s) => states.push(s),
  });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return isVitalsError(err) ? err.code : (err as Error).constructor.name;
  }
}

describe('dependency guard', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2025-03-01T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('turns unavailability into a retriable 503 and opens after the threshold, then fails fast', async () => {
    const states: BreakerState[] = [];
    const g = guard(states);
    const down = vi.fn(async () => {
      throw new Down('connection refused');
    });
    expect(await codeOf(g.run(down))).toBe('CLOUD_ERR_DEPENDENCY_UNAVAILABLE');
    expect(g.state()).toBe('closed');
    expect(await codeOf(g.run(down))).toBe('CLOUD_ERR_DEPENDENCY_UNAVAILABLE');
    expect(g.state()).toBe('open');
    expect(g.failingFast()).toBe(true);
    expect(g.retryAfterSeconds()).toBe(5);
    expect(() => g.assertAvailable()).toThrow(/circuit breaker open/);
    expect(await codeOf(g.run(down))).toBe('CLOUD_ERR_DEPENDENCY_UNAVAILABLE');
    expect(down).toHaveBeenCalledTimes(2);
    expect(states).toEqual(['open']);
  });

  it('lets one trial through after the pause and closes when it succeeds', async () => {
    const g = guard();
    const down = async () => {
      throw new Down('x');
    };
    await codeOf(g.run(down));
    await codeOf(g.run(down));
    vi.setSystemTime(Date.now() + 5_001);
    expect(g.failingFast()).toBe(false);
    await expect(g.run(async () => 'back')).resolves.toBe('back');
    expect(g.state()).toBe('closed');
  });

  it('passes other errors through without counting them', async () => {
    const g = guard();
    const bug = async () => {
      throw new TypeError('bug');
    };
    for (let i = 0; i < 3; i++) expect(await codeOf(g.run(bug))).toBe('TypeError');
    expect(g.state()).toBe('closed');
  });

  it('counts a call that does not answer in time', async () => {
    const g = guard();
    const hang = () => new Promise<never>(() => undefined);
    const p = codeOf(g.run(hang));
    await vi.advanceTimersByTimeAsync(1_001);
    expect(await p).toBe('CLOUD_ERR_DEPENDENCY_UNAVAILABLE');
  });
});
