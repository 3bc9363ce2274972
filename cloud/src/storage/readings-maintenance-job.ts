/**
 * The storage service keeps the day partitions of `readings` itself: at start and then every
 * STORAGE_MAINTENANCE_INTERVAL it creates the coming days' partitions (so readings never pile up in the default
 * partition) and drops the days past READINGS_RETENTION. Several storage instances may run: a PostgreSQL
 * advisory lock lets one of them do it and the others skip that round. A failed round (PostgreSQL down) is
 * logged and tried again at the next one; ingest never waits for it.
 */
import type pg from 'pg';
import type { Clock, TimerHandle } from '@vitals/shared';
import { maintainReadings, type MaintainResult } from '../db/readings-maintenance.js';
import type { Logger } from '../logging.js';

/** Key of the advisory lock (any constant shared by every instance; "vitals-readings-maintenance"). */
const LOCK_KEY = 7_362_201_874;

export interface ReadingsMaintenanceJob {
  /** Runs one round now: the result, or null when another instance holds the lock. */
  runOnce(): Promise<MaintainResult | null>;
  stop(): Promise<void>;
}

export interface ReadingsMaintenanceOptions {
  readonly pool: pg.Pool;
  readonly clock: Clock;
  readonly log: Logger;
  readonly intervalMs: number;
  readonly partitionsAhead: number;
  readonly retentionMs: number;
}

export function startReadingsMaintenance(o: ReadingsMaintenanceOptions): ReadingsMaintenanceJob {
  let running: Promise<unknown> = Promise.resolve();
  let timer: TimerHandle | undefined;
  let stopped = false;

  const runOnce = async (): Promise<MaintainResult | null> => {
    const client = await o.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOCK_KEY]);
      if (!rows[0]?.locked) return null;
      try {
        return await maintainReadings(client, {
          now: new Date(o.clock.now()),
          partitionsAhead: o.partitionsAhead,
          retentionMs: o.retentionMs,
        });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  };

  const round = () => {
    running = runOnce().then(
      (r) => {
        if (r === null) o.log.debug('readings maintenance: another instance holds the lock');
        else if (r.created.length || r.dropped.length || r.defaultRows || r.idsDeleted) {
          const { created, dropped, defaultRows, idsDeleted } = r;
          o.log.info({ created, dropped, defaultRows, idsDeleted }, 'readings maintenance');
        }
      },
      (err: unknown) => o.log.warn({ err }, 'readings maintenance failed; trying again at the next round'),
    );
    return running;
  };

  if (o.intervalMs > 0) {
    void round();
    timer = o.clock.setInterval(() => {
      if (!stopped) void round();
    }, o.intervalMs);
  }
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer !== undefined) o.clock.clearInterval(timer);
      await running;
    },
  };
}
