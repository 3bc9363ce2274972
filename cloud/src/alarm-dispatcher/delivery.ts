/**
 * Delivers one message to one receiver until it answers AA: a refusal (AE, AR), no answer within the ACK timeout, a
 * refused or lost connection all lead to the same message (same MSH-10) being sent again after a backoff. Nothing
 * gives up while the dispatcher runs: an alarm is never dropped. Stopping ends the wait with DISPATCHER_ERR_STOPPED,
 * and the record is not committed, so the restarted dispatcher sends it again.
 */
import { isVitalsError, type Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import { backoffMs, type BackoffSettings } from './domain/backoff.js';
import { DispatcherErrors } from './errors.js';
import type { MllpClient } from './mllp/mllp-client.js';

/** A cancellable wait: `stop()` wakes every sleeper at once (they then see `stopped`). */
export interface StopSignal {
  readonly stopped: boolean;
  sleep(ms: number): Promise<void>;
  stop(): void;
}

export function createStopSignal(clock: Clock): StopSignal {
  let stopped = false;
  const wakers = new Set<() => void>();
  return {
    get stopped() {
      return stopped;
    },
    sleep(ms) {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const wake = () => {
          clock.clearTimeout(timer);
          wakers.delete(wake);
          resolve();
        };
        const timer = clock.setTimeout(wake, ms);
        wakers.add(wake);
      });
    },
    stop() {
      stopped = true;
      for (const w of [...wakers]) w();
    },
  };
}

export interface DeliveryOutcome {
  /** Attempts it took (1 = acknowledged at once). */
  readonly attempts: number;
}

export interface DeliveryDeps {
  readonly log: Logger;
  readonly signal: StopSignal;
  readonly backoff: BackoffSettings;
  readonly random?: () => number;
  /** Called after each failed attempt (for metrics and tests). */
  readonly onRetry?: (err: Error, attempt: number) => void;
}

export async function deliverUntilAcked(
  client: MllpClient,
  message: string,
  controlId: string,
  deps: DeliveryDeps,
  /** True once the record is no longer this instance's to send (its partition moved in a rebalance). */
  abandoned: () => boolean = () => false,
): Promise<DeliveryOutcome> {
  const { signal } = deps;
  const name = client.endpoint.name;
  const target = `${client.endpoint.host}:${client.endpoint.port}`;
  for (let attempt = 1; ; attempt++) {
    if (signal.stopped) throw DispatcherErrors.DISPATCHER_ERR_STOPPED(controlId);
    if (abandoned()) throw DispatcherErrors.DISPATCHER_ERR_REVOKED(controlId);
    let failure: Error;
    try {
      const ack = await client.exchange(message, controlId);
      if (ack.code === 'AA' || ack.code === 'CA') return { attempts: attempt };
      const why = [ack.text, ack.errorText].filter((t) => t).join(' / ') || '(no text)';
      failure = DispatcherErrors.DISPATCHER_ERR_NEGATIVE_ACK(name, target, ack.code || '(none)', controlId, why);
    } catch (err) {
      if (isVitalsError(err, 'DISPATCHER_ERR_STOPPED')) throw err;
      failure = err as Error;
    }
    if (signal.stopped) throw DispatcherErrors.DISPATCHER_ERR_STOPPED(controlId);
    if (abandoned()) throw DispatcherErrors.DISPATCHER_ERR_REVOKED(controlId);
    const waitMs = backoffMs(attempt, deps.backoff, deps.random);
    deps.onRetry?.(failure, attempt);
    deps.log.warn(
      { err: failure, receiver: name, controlId, attempt, retryInMs: waitMs },
      'alarm not acknowledged; sending it again',
    );
    await signal.sleep(waitMs);
  }
}
