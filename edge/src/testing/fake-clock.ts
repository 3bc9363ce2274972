/** A manual clock for unit tests of time-based logic: time moves only when the test advances it. */
import type { Clock, TimerHandle } from '@vitals/shared';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every?: number;
}

export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(private nowMs = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(h: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== (h as unknown as number));
  }

  clearInterval(h: TimerHandle): void {
    this.clearTimeout(h);
  }

  /** Timers still scheduled. */
  get scheduled(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.nowMs = Math.max(this.nowMs, due.at);
      if (due.every) due.at += due.every;
      else this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
    this.nowMs = end;
  }

  private add(fn: () => void, ms: number, every?: number): TimerHandle {
    const t: Timer = { id: this.nextId++, at: this.nowMs + Math.max(0, ms), fn, ...(every ? { every } : {}) };
    this.timers.push(t);
    return t.id as unknown as TimerHandle;
  }
}
