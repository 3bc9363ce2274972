/**
 * When each gateway was last heard from: `gateways.last_seen_at`, refreshed as its batches arrive so operators
 * (the gateways API, the admin portal) see which ward has stopped delivering. At most one write per gateway per
 * interval from this instance, and the UPDATE itself skips a row refreshed within the interval by another
 * instance. Off the request's path: a failed write costs nothing but a debug line, and is tried again at the
 * next batch. Migration V7 keeps such an update from bumping the row version, recomputing the configuration
 * or emitting a change event.
 */
import type { Clock } from '@vitals/shared';
import type { Queryable } from '../../db/transaction.js';
import type { Logger } from '../../logging.js';

export interface GatewayPresence {
  /** Notes that the gateway was heard from now (returns at once). */
  seen(gatewayId: string): void;
  /** Resolves once the writes under way are done (for shutdown and tests). */
  settle(): Promise<void>;
}

export interface GatewayPresenceOptions {
  readonly db: Queryable;
  readonly clock: Clock;
  readonly log: Logger;
  readonly intervalMs: number;
}

const SQL = `UPDATE gateways SET last_seen_at = now()
 WHERE id = $1 AND deleted_at IS NULL
   AND (last_seen_at IS NULL OR last_seen_at < now() - make_interval(secs => $2))`;

export function createGatewayPresence(o: GatewayPresenceOptions): GatewayPresence {
  const lastWrite = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  return {
    seen(gatewayId) {
      const now = o.clock.now();
      const last = lastWrite.get(gatewayId);
      if (last !== undefined && now - last < o.intervalMs) return;
      lastWrite.set(gatewayId, now);
      const write: Promise<void> = o.db
        .query({ name: 'gateway-last-seen', text: SQL, values: [gatewayId, o.intervalMs / 1000] })
        .then(
          () => undefined,
          (err: unknown) => {
            lastWrite.delete(gatewayId);
            o.log.debug({ err, gatewayId }, 'could not record when the gateway was last seen');
          },
        )
        .finally(() => pending.delete(write));
      pending.add(write);
    },
    async settle() {
      await Promise.all([...pending]);
    },
  };
}
