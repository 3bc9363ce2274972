/**
 * Records a gateway's acknowledgement: decoded, then in one transaction the gateway's state row is locked, the
 * reported state advanced by the pure rules of domain/reported-state.ts (an older acknowledgement never
 * overwrites a newer one) and the acknowledgement itself kept in `gateway_config_acks`. Resolves once committed,
 * which is when the broker may acknowledge it. A payload that is not a ConfigAck is logged, counted and dropped
 * (acknowledged to the broker: resending it would not make it valid).
 */
import type pg from 'pg';
import type { Clock } from '@vitals/shared';
import { withTransaction } from '../../db/transaction.js';
import type { Logger } from '../../logging.js';
import type { DependencyGuard } from '../../resilience/dependency-guard.js';
import { reduceAck } from '../domain/reported-state.js';
import { ConfigServiceErrors } from '../errors.js';
import type { ConfigServiceMetrics } from '../metrics.js';
import { decodeAck } from '../mqtt/ack-codec.js';
import { lockState, saveAck, touchLastSeen } from '../store/config-state.js';

export interface AckRecorderDeps {
  readonly pool: pg.Pool;
  readonly pg: DependencyGuard;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ConfigServiceMetrics;
}

export interface AckRecorder {
  record(gatewayId: string, payload: Buffer): Promise<void>;
  /** A gateway connected or disconnected: its last-seen time moves (best effort). */
  seen(gatewayId: string): void;
}

export function createAckRecorder(d: AckRecorderDeps): AckRecorder {
  const log = d.log.child({ unit: 'acks' });
  return {
    async record(gatewayId, payload) {
      const decoded = decodeAck(payload);
      if (!decoded.ok) {
        d.metrics.invalidAcks.inc();
        log.warn(
          { err: ConfigServiceErrors.CONFIG_ERR_INVALID_ACK(gatewayId, decoded.problem), gatewayId },
          'acknowledgement dropped',
        );
        return;
      }
      const { ack } = decoded;
      const atIso = new Date(d.clock.now()).toISOString();
      const outcome = await d.pg.run(() =>
        withTransaction(d.pool, async (client) => {
          const state = await lockState(client, gatewayId);
          if (!state) return 'unknown-gateway' as const;
          const next = reduceAck(state, ack, atIso);
          await saveAck(client, next.outcome === 'recorded' ? next.state : undefined, {
            gatewayId,
            version: ack.version,
            status: ack.status,
            reason: ack.reason ?? null,
            appliedVersion: ack.appliedVersion ?? null,
            superseded: next.outcome !== 'recorded',
          });
          return next.outcome;
        }),
      );
      d.metrics.acks.inc({ status: ack.status, outcome });
      const fields = { gatewayId, version: ack.version, status: ack.status, reason: ack.reason, outcome };
      if (ack.status === 'rejected') log.warn(fields, 'gateway rejected a configuration version');
      else log.info(fields, 'gateway acknowledged a configuration version');
    },
    seen(gatewayId) {
      void d.pg
        .run(() => touchLastSeen(d.pool, gatewayId))
        .catch((err: unknown) => {
          log.debug({ err, gatewayId }, 'last-seen time not updated');
        });
    },
  };
}
