/**
 * A manual clock for unit tests: time moves only when the test says so, and timers fire in due order.
 * `lateness` makes every timer fire that many ms after it was due, to test drift handling.
 */
import type { Clock, TimerHandle } from '@vitals/shared';

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
  every?: number;
}

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing every timer that comes due, in order. */
  advance(ms: number): void;
  /** Timers waiting to fire. */
  readonly pending: number;
}

export function createFakeClock(startMs = Date.UTC(2026, 0, 1), lateness: () => number = () => 0): FakeClock {
  let now = startMs;
  let nextId = 1;
  const timers = new Map<number, FakeTimer>();
  const add = (fn: () => void, ms: number, every?: number): TimerHandle => {
    const id = nextId++;
    timers.set(id, { id, at: now + Math.max(0, ms) + lateness(), fn, ...(every !== undefined ? { every } : {}) });
    return id as unknown as TimerHandle;
  };
  const remove = (h: TimerHandle) => void timers.delete(h as unknown as number);
  return {
    now: () => now,
    setTimeout: (fn, ms) => add(fn, ms),
    clearTimeout: remove,
    setInterval: (fn, ms) => add(fn, ms, Math.max(1, ms)),
    clearInterval: remove,
    get pending() {
      return timers.size;
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let first: FakeTimer | undefined;
        for (const t of timers.values())
          if (t.at <= end && (!first || t.at < first.at || (t.at === first.at && t.id < first.id))) first = t;
        if (!first) break;
        now = Math.max(now, first.at);
        if (first.every !== undefined) first.at = now + first.every + lateness();
        else timers.delete(first.id);
        first.fn();
      }
      now = end;
    },
  };
}
