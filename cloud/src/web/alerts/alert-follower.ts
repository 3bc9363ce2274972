/**
 * Follows the `alerts` topic from its beginning (its retention bounds how far back) and keeps the active alerts
 * in memory for the dashboard. Every instance reads every partition: a consumer group of its own, named per
 * instance, that never commits offsets (nothing to resume: the state is rebuilt from the topic at each start).
 * It starts in the background and never stops the service from starting: without Kafka the dashboard simply
 * has no cloud alerts (and says so).
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { AlertEventSchema, createValidator, type AlertEvent } from '@vitals/shared';
import type { Logger } from '../../logging.js';
import { ActiveAlerts } from './alert-state.js';

export type FollowerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface AlertFollower {
  readonly alerts: ActiveAlerts;
  state(): FollowerState;
  /** Records skipped because they were not alert events. */
  skipped(): number;
  close(): Promise<void>;
}

const validAlert = createValidator(AlertEventSchema);

/** A record value into an alert event, or undefined when it is not one. Pure. */
export function decodeAlert(value: Buffer | null): AlertEvent | undefined {
  if (value === null) return undefined;
  try {
    const v: unknown = JSON.parse(value.toString('utf8'));
    return validAlert.check(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function startAlertFollower(kafka: Kafka, o: { topic: string; log: Logger }): AlertFollower {
  const alerts = new ActiveAlerts();
  const log = o.log.child({ unit: 'alert-follower', topic: o.topic });
  let state: FollowerState = 'starting';
  let skipped = 0;
  const consumer: Consumer = kafka.consumer({
    groupId: `vitals-web-alerts-${randomBytes(6).toString('hex')}`,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
  });
  consumer.on(consumer.events.CRASH, (e) => {
    log.error({ err: e.payload.error, restart: e.payload.restart }, 'alert follower crashed');
    if (!e.payload.restart) state = 'failed';
  });
  const running = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const e = decodeAlert(message.value);
        if (e) alerts.apply(e);
        else if (skipped++ % 1000 === 0) log.warn({ skipped }, 'skipped a record that is not an alert event');
      },
    });
    state = 'running';
    log.info('following alert events');
  })().catch((err: unknown) => {
    state = 'failed';
    log.error({ err }, 'could not follow the alerts topic; the dashboard shows no cloud alerts');
  });
  return {
    alerts,
    state: () => state,
    skipped: () => skipped,
    async close() {
      await running;
      await consumer.disconnect().catch((err: unknown) => log.warn({ err }, 'alert follower disconnect failed'));
      state = 'stopped';
    },
  };
}
