/**
 * PostgreSQL adapter of the unanswered high-priority alarms (`alarm_dispatch_escalations`, V9): armed after the
 * receivers acknowledged the message that made an alarm high, disarmed when it clears or drops below high, and
 * the count of acknowledged re-sends. Every write is idempotent, so a record read again after a crash (before
 * its offset was committed) changes nothing.
 */
import type pg from 'pg';
import type { AlertEvent } from '@vitals/shared';

export interface Escalation {
  readonly alertId: string;
  readonly partition: number;
  readonly event: AlertEvent;
  readonly sourceOffset: string;
  readonly highSinceMs: number;
  readonly resends: number;
}

export interface EscalationStore {
  arm(e: { alertId: string; partition: number; event: AlertEvent; sourceOffset: string; highSinceMs: number }): Promise<void>;
  disarm(alertId: string): Promise<void>;
  recordResend(alertId: string, k: number): Promise<void>;
  /** The armed alarms of these partitions with fewer than `maxResends` re-sends. */
  list(partitions: readonly number[], maxResends: number): Promise<Escalation[]>;
  get(alertId: string): Promise<Escalation | undefined>;
}

function toEscalation(r: Record<string, unknown>): Escalation {
  return {
    alertId: String(r.alert_id),
    partition: Number(r.partition),
    event: r.event as AlertEvent,
    sourceOffset: String(r.source_offset),
    highSinceMs: (r.high_since as Date).getTime(),
    resends: Number(r.resends),
  };
}

export function createEscalationStore(pool: pg.Pool, o: { groupId: string; topic: string }): EscalationStore {
  return {
    async arm(e) {
      // An alarm escalated to high again later keeps its first arming: a replay of the same record must not move it.
      await pool.query(
        `INSERT INTO alarm_dispatch_escalations (group_id, alert_id, topic, partition, customer_id, event, source_offset, high_since)
         VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8 / 1000.0))
         ON CONFLICT (group_id, alert_id) DO NOTHING`,
        [o.groupId, e.alertId, o.topic, e.partition, e.event.customerId, JSON.stringify(e.event), e.sourceOffset, e.highSinceMs],
      );
    },
    async disarm(alertId) {
      await pool.query('DELETE FROM alarm_dispatch_escalations WHERE group_id = $1 AND alert_id = $2', [o.groupId, alertId]);
    },
    async recordResend(alertId, k) {
      await pool.query(
        'UPDATE alarm_dispatch_escalations SET resends = greatest(resends, $3) WHERE group_id = $1 AND alert_id = $2',
        [o.groupId, alertId, k],
      );
    },
    async list(partitions, maxResends) {
      if (partitions.length === 0) return [];
      const { rows } = await pool.query<Record<string, unknown>>(
        `SELECT * FROM alarm_dispatch_escalations
          WHERE group_id = $1 AND topic = $2 AND partition = ANY($3::int[]) AND resends < $4
          ORDER BY high_since`,
        [o.groupId, o.topic, [...partitions], maxResends],
      );
      return rows.map(toEscalation);
    },
    async get(alertId) {
      const { rows } = await pool.query<Record<string, unknown>>(
        'SELECT * FROM alarm_dispatch_escalations WHERE group_id = $1 AND alert_id = $2',
        [o.groupId, alertId],
      );
      return rows[0] ? toEscalation(rows[0]) : undefined;
    },
  };
}
