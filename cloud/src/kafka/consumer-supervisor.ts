/**
 * Keeps a stream processor's kafkajs consumer alive. kafkajs restarts a consumer by itself only after a
 * retriable error; after any other (an exception thrown by our batch handler, a non-retriable broker error) it
 * disconnects and stops for good, and the process would stay alive consuming nothing. The supervisor counts
 * and logs every crash, lets the owner drop what the dead consumer owned, and starts a fresh consumer after a
 * backoff. A consumer that crashes again and again (more than `maxCrashes` within `windowMs`) is not restarted:
 * `onFatal` is called, and the service exits non-zero saying why, so its supervisor or orchestrator sees it.
 */
import type { Consumer } from 'kafkajs';
import type { Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import { CloudErrors } from '../errors.js';

export interface CrashBudget {
  readonly maxCrashes: number;
  readonly windowMs: number;
}

export const DEFAULT_CRASH_BUDGET: CrashBudget = { maxCrashes: 5, windowMs: 5 * 60_000 };

/** Pure: records a crash at `nowMs` and says whether the consumer may be restarted (within the budget). */
export function crashWithinBudget(crashes: number[], nowMs: number, budget: CrashBudget): boolean {
  crashes.push(nowMs);
  while (crashes.length > 0 && crashes[0]! <= nowMs - budget.windowMs) crashes.shift();
  return crashes.length <= budget.maxCrashes;
}

/** Backoff before the n-th restart in a row (1-based): 1 s, 2 s, 4 s ... at most 30 s. */
export function restartDelayMs(n: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, n - 1));
}

export interface SupervisorOptions {
  /** What the consumer is for, in logs and errors ("enricher", "analytics"). */
  readonly name: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called once per crash: `restarted` says whether kafkajs restarted it itself. */
  readonly onCrashCounted: (restarted: 'kafkajs' | 'supervisor' | 'gave-up') => void;
  /** Builds a new consumer with its event handlers attached (no I/O). */
  readonly create: () => Consumer;
  /** Connects, subscribes and runs a consumer built by `create`. */
  readonly run: (consumer: Consumer) => Promise<void>;
  /** After a crash kafkajs does not recover from, before the restart: drop what the dead consumer owned. */
  readonly reset: () => Promise<void>;
  /** The consumer crashed beyond its budget: the service must stop and exit non-zero. */
  readonly onFatal: (err: Error) => void;
  readonly budget?: CrashBudget;
}

export interface SupervisedConsumer {
  /** The consumer now running (a new one after each restart). */
  readonly current: Consumer;
  /** Crashes seen since start. */
  readonly crashes: number;
  close(): Promise<void>;
}

export async function superviseConsumer(o: SupervisorOptions): Promise<SupervisedConsumer> {
  const log = o.log.child({ unit: 'consumer-supervisor', consumer: o.name });
  const budget = o.budget ?? DEFAULT_CRASH_BUDGET;
  const recent: number[] = [];
  let crashes = 0;
  let inARow = 0;
  let closed = false;
  let restarting: Promise<void> | undefined;
  /** A crash of the new consumer while its restart was still under way (its run may resolve regardless). */
  let crashedDuringRestart: Error | undefined;
  let current = watch(o.create());

  function watch(consumer: Consumer): Consumer {
    consumer.on(consumer.events.CRASH, (e) => {
      if (closed || consumer !== current) return;
      crashes++;
      const err = e.payload.error;
      if (e.payload.restart) {
        o.onCrashCounted('kafkajs');
        log.warn({ err }, 'consumer crashed on a retriable error; kafkajs restarts it');
        return;
      }
      if (restarting) crashedDuringRestart = err;
      else restarting = restart(err).finally(() => (restarting = undefined));
    });
    return consumer;
  }

  async function restart(err: Error): Promise<void> {
    let cause = err;
    while (!closed) {
      if (!crashWithinBudget(recent, o.clock.now(), budget)) {
        o.onCrashCounted('gave-up');
        const fatal = CloudErrors.CLOUD_ERR_CONSUMER_FAILED.withCause(
          cause,
          o.name,
          recent.length,
          `${budget.windowMs / 1000} s`,
        );
        log.fatal({ err: cause }, fatal.message);
        o.onFatal(fatal);
        return;
      }
      o.onCrashCounted('supervisor');
      inARow++;
      const delay = restartDelayMs(inARow);
      log.error({ err: cause, restartInMs: delay }, 'consumer crashed and stopped; restarting it');
      await o.reset().catch((e: unknown) => log.warn({ err: e }, 'dropping the crashed consumer state failed'));
      await new Promise<void>((resolve) => o.clock.setTimeout(resolve, delay));
      if (closed) return;
      const next = o.create();
      crashedDuringRestart = undefined;
      current = watch(next);
      try {
        await o.run(next);
        if (crashedDuringRestart) {
          cause = crashedDuringRestart;
          continue;
        }
        log.info({ restarts: inARow }, 'consumer restarted');
        inARow = 0;
        return;
      } catch (e) {
        cause = e as Error;
        await next.disconnect().catch(() => undefined);
      }
    }
  }

  await o.run(current);
  return {
    get current() {
      return current;
    },
    get crashes() {
      return crashes;
    },
    async close() {
      closed = true;
      await current.disconnect().catch(() => undefined);
      await restarting?.catch(() => undefined);
    },
  };
}

/**
 * The services' default `onFatal`: say why on stderr and exit non-zero at once. Nothing is lost: open Kafka
 * transactions abort, and a restarted service resumes from the offsets stored with its committed output.
 */
export function exitNonZero(err: Error): void {
  const code = (err as { code?: string }).code;
  process.stderr.write(`vitals: fatal${code ? ` [${code}]` : ''}: ${err.message}\n`);
  process.exit(1);
}
