/**
 * A tick scheduler that does not drift: tick n is due at anchor + n * interval, computed from the anchor
 * rather than by adding intervals, so late timers never push later ticks back. A late timer delivers every
 * tick that has come due (in bursts, yielding between them), so the long-run rate is exact. Time comes from
 * an injected clock.
 */
import type { Clock, TimerHandle } from '@vitals/shared';

export interface TickScheduler {
  start(): void;
  stop(): void;
  /** Changes the interval; the next tick is due one new interval after the last one. `Infinity` pauses. */
  setIntervalMs(ms: number): void;
  readonly intervalMs: number;
  /** Ticks delivered so far. */
  readonly ticks: number;
  readonly running: boolean;
}

export interface TickSchedulerOptions {
  readonly clock: Clock;
  readonly intervalMs: number;
  /** Delay of the first tick after start (to spread many devices over one interval), default 0. */
  readonly phaseMs?: number;
  /** Most ticks delivered in one timer turn before yielding to I/O (default 1000). */
  readonly maxBurst?: number;
  readonly onTick: (dueAtMs: number) => void;
}

export function createTickScheduler(opts: TickSchedulerOptions): TickScheduler {
  const { clock } = opts;
  const maxBurst = opts.maxBurst ?? 1000;
  let interval = opts.intervalMs;
  let anchor = 0;
  let n = 0;
  let delivered = 0;
  let timer: TimerHandle | undefined;
  let running = false;
  let lastDue: number | undefined;

  const due = () => anchor + n * interval;

  const arm = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (!running || !Number.isFinite(interval)) return;
    timer = clock.setTimeout(fire, Math.max(0, due() - clock.now()));
  };

  const fire = (): void => {
    timer = undefined;
    if (!running) return;
    const now = clock.now();
    let burst = 0;
    while (running && Number.isFinite(interval) && due() <= now && burst < maxBurst) {
      const at = due();
      n += 1;
      burst += 1;
      delivered += 1;
      lastDue = at;
      opts.onTick(at);
    }
    arm();
  };

  return {
    start() {
      if (running) return;
      running = true;
      anchor = clock.now() + (opts.phaseMs ?? 0);
      n = 0;
      arm();
    },
    stop() {
      running = false;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
    setIntervalMs(ms) {
      if (!(ms > 0)) throw new RangeError(`interval must be positive, got ${ms}`);
      if (ms === interval) return;
      interval = ms;
      if (!running) return;
      // Re-anchor on the last delivered tick (or now), so the change takes effect from the next tick.
      const now = clock.now();
      anchor = lastDue !== undefined && Number.isFinite(ms) ? Math.max(lastDue, now - ms) : now;
      n = lastDue !== undefined ? 1 : 0;
      arm();
    },
    get intervalMs() {
      return interval;
    },
    get ticks() {
      return delivered;
    },
    get running() {
      return running;
    },
  };
}

/** Interval of a rate in frames per second (0 pauses). */
export function intervalOfRate(framesPerSecond: number): number {
  return framesPerSecond > 0 ? 1000 / framesPerSecond : Infinity;
}
