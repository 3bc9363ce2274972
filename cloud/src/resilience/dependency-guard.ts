/**
 * A guard around one external dependency (PostgreSQL, Kafka): every call is bounded by a timeout and goes
 * through a circuit breaker (cockatiel). Failures that mean "the dependency is unavailable" count towards
 * opening the breaker; once open, calls fail fast for `halfOpenAfterMs`, then one trial call decides. Callers
 * get `CLOUD_ERR_DEPENDENCY_UNAVAILABLE` (503, retriable, with Retry-After) for any unavailability; other errors
 * (a constraint violation, a bug) pass through untouched and do not count.
 *
 * cockatiel reads `Date.now()` itself, so breaker timing follows the system clock (fake timers can drive it);
 * our own bookkeeping uses the injected clock.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  timeout,
  wrap,
} from 'cockatiel';
import { isVitalsError, type Clock, type VitalsError } from '@vitals/shared';
import { CloudErrors } from '../errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface DependencyGuardOptions {
  /** Shown in errors, logs and metrics: `postgres`, `kafka`. */
  readonly name: string;
  /** True when an error means the dependency is unavailable (rather than an answer about the data). */
  readonly isUnavailable: (err: unknown) => boolean;
  readonly threshold: number;
  readonly halfOpenAfterMs: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly onStateChange?: (state: BreakerState) => void;
}

export interface DependencyGuard {
  readonly name: string;
  /** Runs `fn` under the timeout and the breaker. */
  run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  state(): BreakerState;
  /** True while the breaker is open and still inside its fail-fast period. */
  failingFast(): boolean;
  /** Seconds a client should wait before retrying (at least 1). */
  retryAfterSeconds(): number;
  /** Throws the unavailable error when failing fast; lets a caller skip work that would be wasted. */
  assertAvailable(): void;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/** The 503 error of a dependency, with the seconds to wait attached for the Retry-After header. */
export function unavailableError(name: string, reason: string, retryAfterSeconds: number, cause?: unknown): VitalsError {
  const err =
    cause === undefined
      ? CloudErrors.CLOUD_ERR_DEPENDENCY_UNAVAILABLE(name, reason)
      : CloudErrors.CLOUD_ERR_DEPENDENCY_UNAVAILABLE.withCause(cause, name, reason);
  return Object.assign(err, { retryAfterSeconds, dependency: name });
}

export function createDependencyGuard(o: DependencyGuardOptions): DependencyGuard {
  const counts = (err: Error) => err instanceof TaskCancelledError || o.isUnavailable(err);
  const breaker = circuitBreaker(handleWhen(counts), {
    halfOpenAfter: o.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(o.threshold),
  });
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = o.clock.now();
  });
  breaker.onStateChange((s) => o.onStateChange?.(STATE_NAMES[s]));
  const policy = wrap(breaker, timeout(o.timeoutMs, TimeoutStrategy.Aggressive));
  const retryAfterSeconds = () => {
    const remaining = breaker.state === CircuitState.Open ? o.halfOpenAfterMs - (o.clock.now() - openedAt) : o.halfOpenAfterMs;
    return Math.max(1, Math.ceil(remaining / 1000));
  };
  const failingFast = () => breaker.state === CircuitState.Open && o.clock.now() - openedAt < o.halfOpenAfterMs;

  return {
    name: o.name,
    state: () => STATE_NAMES[breaker.state],
    failingFast,
    retryAfterSeconds,
    assertAvailable() {
      if (failingFast()) throw unavailableError(o.name, 'circuit breaker open', retryAfterSeconds());
    },
    async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
      try {
        return await policy.execute(({ signal }) => fn(signal));
      } catch (err) {
        if (isVitalsError(err)) throw err;
        if (err instanceof BrokenCircuitError) throw unavailableError(o.name, 'circuit breaker open', retryAfterSeconds(), err);
        if (err instanceof TaskCancelledError) {
          throw unavailableError(o.name, `no answer within ${o.timeoutMs} ms`, retryAfterSeconds(), err);
        }
        if (o.isUnavailable(err)) throw unavailableError(o.name, (err as Error).message, retryAfterSeconds(), err);
        throw err;
      }
    },
  };
}
